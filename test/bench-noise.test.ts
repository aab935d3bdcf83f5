import { beforeAll, describe, expect, it } from 'vitest';

let belowBare: typeof import('../bench/lib/noise.mjs', { with: { 'resolution-mode': 'import' } }).belowBare;
beforeAll(async () => {
  ({ belowBare } = await import('../bench/lib/noise.mjs'));
});

const row = (contender: string, cpuBestUs: number | undefined, status = 'ok') => ({ contender, cpuBestUs, status });

describe('bench: a run whose traced contenders measured below the bare SDK is noise, not a verdict', () => {
  it('names the contenders more than 3 % below the bare SDK, and only those', () => {
    const group = [row('bare', 100), row('floor', 96), row('ours', 98), row('arize', 80), row('traceloop', 50, 'no spans')];
    expect(belowBare(group).map((r) => r.contender)).toEqual(['floor', 'arize']);
  });

  it('finds nothing in a plausible group, or without a bare SDK to compare with', () => {
    expect(belowBare([row('bare', 100), row('floor', 110), row('ours', 97.5)])).toEqual([]);
    expect(belowBare([row('bare', 100, 'crash'), row('floor', 10)])).toEqual([]);
    expect(belowBare([row('floor', 10), row('ours', 12)])).toEqual([]);
  });
});
