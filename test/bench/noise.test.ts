import { beforeAll, describe, expect, it } from 'vitest';

type Noise = typeof import('../../bench/lib/noise.mjs', { with: { 'resolution-mode': 'import' } });
let belowBare: Noise['belowBare'];
let unsteady: Noise['unsteady'];
beforeAll(async () => {
  ({ belowBare, unsteady } = await import('../../bench/lib/noise.mjs'));
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

  it('names the contenders whose rounds differ by more than 6 % in CPU time', () => {
    const rounds = (contender: string, cpuMinUs: number, cpuMaxUs: number, status = 'ok') => ({ contender, cpuMinUs, cpuMaxUs, status });
    const group = [rounds('bare', 100, 105), rounds('floor', 100, 105.5), rounds('ours', 100, 107), rounds('arize', 100, 150, 'crash')];
    expect(unsteady(group).map((r) => r.contender)).toEqual(['ours']);
    expect(unsteady([rounds('bare', 100, 100)])).toEqual([]);
  });
});
