/**
 * Keeps the bench (`npm run bench`, bench/run.mjs) from rotting: its smoke version, for our
 * contender (with and without a meter provider) and the bare SDK only, on every SDK the bench
 * measures (Anthropic, OpenAI, Google Gen AI, the AI SDK, MCP), resolving the SDKs and OpenTelemetry from the root install (no
 * `npm ci --prefix bench`, no peers). It asserts that every workload ran and that ours produced one
 * span per call (two on MCP: the client's and the server's of each tools/call); it asserts no timing — the numbers of a smoke run mean nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');

/** Each SDK, the workloads it has in the bench, and the spans ours makes per call. */
const PROVIDERS = {
  anthropic: { workloads: ['call', 'stream'], oursSpansPerCall: 1, memory: true },
  openai: { workloads: ['call', 'stream'], oursSpansPerCall: 1, memory: true },
  google: { workloads: ['call', 'stream'], oursSpansPerCall: 1, memory: true },
  aisdk: { workloads: ['call', 'stream'], oursSpansPerCall: 1, memory: true },
  mcp: { workloads: ['call'], oursSpansPerCall: 2, memory: false },
} as const;

interface Row {
  workload: 'call' | 'stream';
  provider: keyof typeof PROVIDERS;
  contender: string;
  status: string;
  calls: number;
  spans: number;
  errors: string[];
}

interface Report {
  rows: Row[];
  startup: { name: string; medianMs?: number; errors: string[] }[];
  esm: { name: string; appMs?: number; emptyMs?: number; errors: string[] }[];
  memory: { provider: string; contender: string; result: { ok: boolean; error?: string; memory?: { points: unknown[] } } }[];
}

describe('bench smoke', () => {
  const dir = mkdtempSync(join(tmpdir(), 'otel-genai-bench-smoke-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs every workload for ours and the bare SDK, and ours produces one span per call, with a meter provider too', () => {
    const json = join(dir, 'bench.json');
    const child = spawnSync(
      process.execPath,
      [join(ROOT, 'bench', 'run.mjs'), '--smoke', '--deps=root', '--contenders=bare,ours,ours-metrics', `--json=${json}`],
      { cwd: ROOT, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_OPTIONS: '' } },
    );
    expect(child.status, `${child.stdout}\n${child.stderr}`).toBe(0);
    expect(child.stdout).toContain('### Per call');

    const report = JSON.parse(readFileSync(json, 'utf8')) as Report;
    for (const [provider, { workloads, oursSpansPerCall }] of Object.entries(PROVIDERS) as [
      Row['provider'],
      (typeof PROVIDERS)[Row['provider']],
    ][]) {
      for (const workload of workloads) {
        const row = (contender: string) =>
          report.rows.find((r) => r.workload === workload && r.provider === provider && r.contender === contender);
        const ours = row('ours');
        const bare = row('bare');
        expect(ours, `${workload} ${provider} ours`).toBeDefined();
        expect(bare, `${workload} ${provider} bare`).toBeDefined();
        expect(ours?.errors).toEqual([]);
        expect(ours?.status).toBe('ok');
        expect(ours?.calls).toBeGreaterThan(0);
        expect(ours?.spans).toBe((ours?.calls ?? 0) * oursSpansPerCall);
        expect(bare?.status).toBe('ok');
        expect(bare?.spans).toBe(0);
        const metered = row('ours-metrics');
        expect(metered?.status, `${workload} ${provider} ours-metrics`).toBe('ok');
        expect(metered?.spans).toBe((metered?.calls ?? 0) * oursSpansPerCall);
      }
    }
    expect(report.rows.filter((r) => r.provider === 'mcp' && r.workload === 'stream')).toEqual([]);
    expect(report.rows.every((r) => ['bare', 'ours', 'ours-metrics'].includes(r.contender))).toBe(true);

    for (const name of ['bare', 'ours']) {
      const startup = report.startup.find((r) => r.name === name);
      expect(startup?.errors, `start-up ${name}`).toEqual([]);
      expect(startup?.medianMs).toBeGreaterThan(0);
      const esm = report.esm.find((r) => r.name === name);
      expect(esm?.errors, `ESM app ${name}`).toEqual([]);
      expect(esm?.appMs).toBeGreaterThan(0);
    }

    for (const provider of Object.keys(PROVIDERS).filter((name) => PROVIDERS[name as Row['provider']].memory)) {
      const memory = report.memory.find((m) => m.provider === provider && m.contender === 'ours');
      expect(memory?.result.error).toBeUndefined();
      expect(memory?.result.ok).toBe(true);
      expect(memory?.result.memory?.points).toHaveLength(3);
    }
  }, 120_000);
});
