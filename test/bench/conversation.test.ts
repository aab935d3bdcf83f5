/**
 * Keeps the bench's conversation workload (`node bench/run.mjs --workloads=conversation`, issue 24)
 * from rotting: its smoke version for ours with content capture off and on and the bare SDK,
 * resolving everything from the root install (no peers). It asserts that every row ran, one span per
 * call, and that capture on records the conversation up to the cap; it asserts no timing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

interface Row {
  workload: string;
  provider: string;
  contender: string;
  contextBytes: number;
  status: string;
  calls: number;
  spans: number;
  attributeCharsPerSpan: number;
}

describe('bench conversation workload (smoke)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-genai-bench-conversation-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs each context size for ours, capture off and on, and the bare SDK; capture on records up to the 32 KB cap', () => {
    const json = join(dir, 'bench.json');
    const child = spawnSync(
      process.execPath,
      [
        join(ROOT, 'bench', 'run.mjs'),
        '--smoke',
        '--deps=root',
        '--workloads=conversation',
        '--contexts=10000,100000',
        '--contenders=bare,ours,ours-content',
        `--json=${json}`,
      ],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(child.status, `${child.stdout}\n${child.stderr}`).toBe(0);
    expect(child.stdout).toContain('### Long conversations');

    const rows = (JSON.parse(readFileSync(json, 'utf8')) as { rows: Row[] }).rows;
    expect(rows).toHaveLength(2 * 2 * 3);
    for (const provider of ['anthropic', 'openai']) {
      for (const contextBytes of [10_000, 100_000]) {
        const row = (contender: string) =>
          rows.find((r) => r.provider === provider && r.contextBytes === contextBytes && r.contender === contender);
        for (const contender of ['bare', 'ours', 'ours-content']) {
          expect(row(contender)?.status, `${provider} ${contextBytes} ${contender}`).toBe('ok');
          expect(row(contender)?.calls).toBeGreaterThan(0);
        }
        const on = row('ours-content') as Row;
        expect(on.spans).toBe(on.calls);
        expect(row('bare')?.spans).toBe(0);
        // The whole request (a little over the context) under the cap; past it, the cap and no more.
        const recorded = on.attributeCharsPerSpan - (row('ours') as Row).attributeCharsPerSpan;
        if (contextBytes === 10_000) expect(recorded).toBeGreaterThan(10_000);
        else expect(recorded).toBeGreaterThan(32_768);
        expect(recorded).toBeLessThan(34_000);
      }
    }
  });
});
