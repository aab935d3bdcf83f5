#!/usr/bin/env node
// CPU profile of one bench workload, summarised: the top self-time frames, and the share of each
// package (ours is `otel-genai (dist)`). For finding where a missed target goes.
//
//   node bench/profile.mjs call|stream anthropic|openai|google|aisdk|mcp [contender=ours] [--calls=N] [--line=NAME]
//     (--line: another SDK line than the newest, a folder of bench/sdk-versions/, e.g. openai-5; it names the provider too)
//   node bench/profile.mjs conversation anthropic|openai [contender=ours-content] [--context=BYTES, default 100000] [--calls=N]
//   node bench/profile.mjs startup [--register=PATH]   (default: the repo's register.mjs)
//   node bench/profile.mjs esm                          (ours' register under the 300-module app)
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { depsDir, installOurs } from './lib/ours.mjs';
import { sdkLine } from './lib/providers.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const positional = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => a.slice(2).split('=')),
);
const line = flags.line === undefined ? undefined : sdkLine(BENCH, flags.line);
const [workload = 'call', provider = line?.provider ?? 'anthropic', contender = 'ours'] = positional;
if (line !== undefined && line.provider !== provider)
  throw new Error(`--line=${flags.line} is a line of ${line.provider}, not of ${provider}`);
const DEPS = depsDir(BENCH, ROOT);
const OURS = installOurs(ROOT, DEPS);
const dir = mkdtempSync(join(os.tmpdir(), 'otel-genai-prof-'));
const env = {
  ...process.env,
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
};
delete env.NODE_OPTIONS;

let argv;
if (workload === 'startup') {
  argv = ['--import', flags.register ?? join(OURS, 'register.mjs'), '--input-type=module', '-e', "await import('@anthropic-ai/sdk')"];
} else if (workload === 'esm') {
  const app = join(dir, 'app');
  mkdirSync(app);
  for (let i = 0; i < 300; i++) writeFileSync(join(app, `m${i}.mjs`), `export const v${i} = ${i};\n`);
  writeFileSync(join(app, 'app.mjs'), Array.from({ length: 300 }, (_, i) => `import './m${i}.mjs';`).join('\n'));
  argv = ['--import', join(OURS, 'register.mjs'), join(app, 'app.mjs')];
} else {
  const calls = Number(flags.calls ?? (workload === 'call' ? 20000 : 300));
  const sdkDir = line?.dir ?? DEPS;
  const contextBytes = workload === 'conversation' ? Number(flags.context ?? 100000) : undefined;
  const spec = {
    workload,
    provider,
    contender,
    root: ROOT,
    ours: OURS,
    depsDir: DEPS,
    sdkDir,
    chunks: 1000,
    warmup: calls,
    batches: 1,
    batchSize: 1,
    contextBytes,
  };
  argv = [join(BENCH, 'lib', 'worker.mjs'), JSON.stringify(spec)];
}
const child = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, '--cpu-prof-interval=100', ...argv], {
  cwd: DEPS,
  env,
  encoding: 'utf8',
});
if (child.status !== 0) {
  process.stderr.write(child.stderr);
  process.exit(1);
}
const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
// With a loader hook there are two profiles (main thread and hooks thread): summarise each.
for (const file of files) {
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const { nodes, samples, timeDeltas } = profile;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const self = new Map();
  samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const packageOf = (url) => {
    if (!url) return '(native / V8)';
    if (url.includes('/bench/lib/')) return 'bench harness';
    if (url.startsWith(`file://${OURS}/dist/`) || url.startsWith(`${OURS}/dist/`) || url.includes(`${OURS}/register.mjs`))
      return 'otel-genai (dist)';
    const m = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/g);
    if (m) return m.at(-1).replace('node_modules/', '');
    if (url.startsWith('node:')) return 'node core';
    return url.replace(/^file:\/\//, '').replace(os.tmpdir(), '$TMP');
  };
  const frames = new Map();
  const packages = new Map();
  for (const [id, t] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const pkg = packageOf(cf.url);
    const key = `${cf.functionName || '(anonymous)'}  ${pkg}${cf.url ? `:${cf.url.split('/').at(-1)}:${cf.lineNumber + 1}` : ''}`;
    frames.set(key, (frames.get(key) ?? 0) + t);
    packages.set(pkg, (packages.get(pkg) ?? 0) + t);
  }
  const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)} %`;
  console.log(
    `\n=== ${file} (${(total / 1000).toFixed(0)} ms sampled) — ${workload}${workload === 'call' || workload === 'stream' ? ` ${provider} ${contender}` : ''}`,
  );
  console.log('\nself time by package:');
  for (const [pkg, t] of [...packages].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`  ${pct(t)}  ${pkg}`);
  console.log('\ntop self-time frames:');
  for (const [key, t] of [...frames].sort((a, b) => b[1] - a[1]).slice(0, Number(flags.top ?? 25))) console.log(`  ${pct(t)}  ${key}`);
  const ours = [...frames].filter(([k]) => k.includes('otel-genai (dist)')).sort((a, b) => b[1] - a[1]);
  if (ours.length) {
    console.log('\nour frames (otel-genai dist):');
    for (const [key, t] of ours.slice(0, 15)) console.log(`  ${pct(t)}  ${key}`);
  }
}
console.log(`\nprofiles in ${dir}`);
