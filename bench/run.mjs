#!/usr/bin/env node
// otel-genai benchmarks: overhead against the bare SDK, the one-span floor and the other GenAI
// instrumentations, measured side by side in one run. `npm run bench` at the repo root; see
// BENCHMARKS.md for what each contender and workload is.
//
//   node bench/run.mjs [--smoke] [--rounds=N] [--workloads=call,stream,startup,esm,memory]
//                      [--contenders=bare,floor,ours,...] [--providers=anthropic,openai,google,aisdk,mcp]
//                      [--workloads=conversation --contexts=10000,100000,1000000]
//                      [--deps=bench|root] [--latest-only] [--node=PATH]
//                      [--json=FILE] [--no-pin]
//   env: BENCH_SMOKE=1 (= --smoke), BENCH_ROUNDS=N, BENCH_NODE=PATH (the node binary of the measured processes)
//
// The SDK versions: the newest of each SDK (the bench's own install) and every other line otel-genai
// supports (bench/sdk-versions/, `lines` in lib/providers.mjs), unless --latest-only; a peer runs only
// on the lines it patches (the report lists the others).
//
// Every workload × contender × SDK version runs in its own process (pinned to one CPU with
// taskset when it exists), interleaved over the rounds in a shuffled order. Wall columns: the median
// over rounds of each process's median batch; CPU columns: the median over rounds of each process's
// best batch of CPU time (steadier on a shared machine).
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { belowBare, unsteady } from './lib/noise.mjs';
import { depsDir, installOurs } from './lib/ours.mjs';
import { packageVersion } from './lib/package-version.mjs';
import { peerPatches } from './lib/peers.mjs';
import { checkProviders, PROVIDER_NAMES, PROVIDERS, sdkLabel, sdkLines, spansPerCall } from './lib/providers.mjs';
import { STARTUP_ENV, startupCases as startupCasesFor } from './lib/startup.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const WORKER = join(BENCH, 'lib', 'worker.mjs');

// ---------------------------------------------------------------------------------------------
// Options

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, '').split('=');
    return [key, value ?? true];
  }),
);
const smoke = args.smoke === true || process.env.BENCH_SMOKE === '1';
const list = (value) => (typeof value === 'string' ? value.split(',').filter(Boolean) : undefined);
const rounds = Number(args.rounds ?? process.env.BENCH_ROUNDS ?? (smoke ? 1 : 3));
const workloads = list(args.workloads) ?? ['call', 'stream', 'startup', 'esm', 'memory'];
const onlyContenders = list(args.contenders);
const providers = checkProviders(list(args.providers) ?? PROVIDER_NAMES, workloads);
const has = (provider, workload) => PROVIDERS[provider].workloads.includes(workload);
const useBenchDeps = args.deps !== 'root' && depsDir(BENCH, ROOT) === BENCH;
const DEPS = useBenchDeps ? BENCH : ROOT;
const OURS = installOurs(ROOT, DEPS);

const ITER = smoke
  ? { call: { warmup: 20, batches: 2, batchSize: 20 }, stream: { warmup: 1, batches: 2, batchSize: 1 }, startupReps: 1 }
  : { call: { warmup: 5000, batches: 10, batchSize: 300 }, stream: { warmup: 20, batches: 15, batchSize: 2 }, startupReps: 3 };
const CHUNKS = 1000;
const MEMORY = smoke
  ? { memChunks: 2_000, memDeltaBytes: 1000, memCheckpointsMB: [0.5, 1, 2] }
  : { memChunks: 10_000, memDeltaBytes: 1000, memCheckpointsMB: [1, 5, 10] };
const ESM_MODULES = smoke ? 50 : 300;
/**
 * The conversation workload (only when named): per call with an agent's request of each of these
 * sizes of context, content capture on and off, against the peers that capture by default. About
 * the same bytes of context per batch at every size.
 */
const CONTEXTS = (list(args.contexts) ?? ['10000', '100000', '1000000']).map(Number);
const conversationIter = (contextBytes) =>
  smoke
    ? { warmup: 2, batches: 2, batchSize: 1 }
    : { warmup: Math.max(20, Math.round(2e7 / contextBytes)), batches: 10, batchSize: Math.max(2, Math.round(5e6 / contextBytes)) };

// ---------------------------------------------------------------------------------------------
// Machine, pinning, versions

// Resolved here: the measured processes run in the deps folder, where a relative path would not lead to it.
const NODE = resolve(typeof args.node === 'string' ? args.node : (process.env.BENCH_NODE ?? process.execPath));
const nodeVersion = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout?.trim();
const cpuCount = os.cpus().length;
const pinCpu = cpuCount - 1;
// A smoke run measures nothing: it is left unpinned, so that it shares the machine fairly with a test run.
const canPin = !smoke && args['no-pin'] !== true && spawnSync('taskset', ['-c', String(pinCpu), 'true']).status === 0;

function command(argv) {
  return canPin ? ['taskset', ['-c', String(pinCpu), ...argv]] : [argv[0], argv.slice(1)];
}

function packageVersionIn(fromDir, name) {
  return packageVersion(createRequire(join(fromDir, 'package.json')), name);
}

const childEnv = { ...process.env };
delete childEnv.NODE_OPTIONS; // a test runner's loader flags must not reach the measured processes
Object.assign(childEnv, STARTUP_ENV);
delete childEnv.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
delete childEnv.ANTHROPIC_OPEN_TELEMETRY;

// ---------------------------------------------------------------------------------------------
// The matrix

/** SDK versions: the newest (the bench's own install), then every other line otel-genai supports (bench/sdk-versions/). */
function sdkVersions(provider) {
  const versions = [{ dir: DEPS }];
  if (useBenchDeps && args['latest-only'] !== true) versions.push(...sdkLines(BENCH, provider));
  return versions.map((v) => ({ ...v, version: packageVersionIn(v.dir, PROVIDERS[provider].sdk) })).filter((v) => v.version !== undefined);
}

/** Peers left out of a line because they do not patch it (the versions they declare do not include it). */
const unpatched = [];
const requireDeps = createRequire(join(DEPS, 'package.json'));
function peersPatching(provider, sdkVersion, peers) {
  return peers.filter((peer) => {
    if (onlyContenders !== undefined && !onlyContenders.includes(peer)) return false;
    const { patches, ranges } = peerPatches(requireDeps, peer, provider, sdkVersion);
    if (!patches && !unpatched.some((u) => u.peer === peer && u.provider === provider && u.sdk === sdkVersion))
      unpatched.push({ peer, provider, sdk: sdkVersion, ranges });
    return patches;
  });
}

function contendersFor(provider, sdkVersion) {
  const [major, minor] = sdkVersion.split('.').map(Number);
  const nativeTracing = provider === 'anthropic' && (major > 0 || minor >= 134);
  const all = ['bare', 'floor', 'ours'];
  if (onlyContenders?.includes('ours-metrics')) all.push('ours-metrics');
  if (onlyContenders?.includes('ours-cost')) all.push('ours-cost');
  if (nativeTracing) all.push('native');
  if (useBenchDeps) all.push(...peersPatching(provider, sdkVersion, PROVIDERS[provider].peers));
  return all.filter((c) => onlyContenders === undefined || onlyContenders.includes(c));
}

const SDKS = Object.fromEntries(providers.map((p) => [p, sdkVersions(p)]));
const jobs = [];
for (const workload of ['call', 'stream']) {
  if (!workloads.includes(workload)) continue;
  for (const provider of providers.filter((p) => has(p, workload))) {
    for (const sdk of SDKS[provider]) {
      for (const contender of contendersFor(provider, sdk.version)) {
        jobs.push({ workload, provider, sdk: sdk.version, sdkDir: sdk.dir, contender });
      }
    }
  }
}

if (workloads.includes('conversation')) {
  for (const provider of providers.filter((p) => has(p, 'conversation'))) {
    for (const sdk of SDKS[provider]) {
      const contenders = [
        ...['bare', 'ours', 'ours-content'].filter((c) => onlyContenders === undefined || onlyContenders.includes(c)),
        ...(useBenchDeps ? peersPatching(provider, sdk.version, ['arize', 'traceloop']) : []),
      ];
      for (const contextBytes of CONTEXTS) {
        for (const contender of contenders)
          jobs.push({ workload: 'conversation', provider, sdk: sdk.version, sdkDir: sdk.dir, contender, contextBytes });
      }
    }
  }
}

const startupCases = startupCasesFor({ bench: BENCH, ours: OURS, peers: useBenchDeps });

// Unrelated ESM modules: an app of ESM_MODULES small modules, and an empty one, with and without a register.
const esmDir = join(os.tmpdir(), 'otel-genai-bench-esm-app');
const esmCases = [
  { name: 'bare', contender: 'bare', argv: [] },
  // A register with no loader hook: the same app under it shows what a bigger heap alone costs.
  { name: 'provider-only', contender: 'floor', argv: ['--import', join(BENCH, 'registers', 'provider-only.mjs')] },
  { name: 'ours', contender: 'ours', argv: ['--import', join(OURS, 'register.mjs')] },
  {
    name: 'ours, OTEL_GENAI_ESM_LOADER_HOOK=true',
    contender: 'ours',
    argv: ['--import', join(OURS, 'register.mjs')],
    env: { OTEL_GENAI_ESM_LOADER_HOOK: 'true' },
  },
];
if (useBenchDeps) {
  esmCases.push({
    name: 'auto-instrumentations-node + ESM hook',
    contender: 'auto',
    argv: [
      '--experimental-loader=@opentelemetry/instrumentation/hook.mjs',
      '--import',
      '@opentelemetry/auto-instrumentations-node/register',
    ],
  });
}
const keep = (c) => onlyContenders === undefined || onlyContenders.includes(c.contender);

// ---------------------------------------------------------------------------------------------
// Running

function runWorker(job, extraNodeArgs = []) {
  const spec = {
    ...job,
    root: ROOT,
    ours: OURS,
    depsDir: DEPS,
    chunks: CHUNKS,
    ...(job.workload === 'call'
      ? ITER.call
      : job.workload === 'stream'
        ? ITER.stream
        : job.workload === 'conversation'
          ? conversationIter(job.contextBytes)
          : MEMORY),
  };
  const [cmd, argv] = command([NODE, ...extraNodeArgs, WORKER, JSON.stringify(spec)]);
  const child = spawnSync(cmd, argv, { cwd: DEPS, env: childEnv, encoding: 'utf8', timeout: 300_000, maxBuffer: 16 << 20 });
  const line = child.stdout?.split('\n').find((l) => l.startsWith('BENCH_RESULT '));
  if (line === undefined) {
    const why = child.error
      ? String(child.error)
      : `exit ${child.status ?? child.signal}: ${(child.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`;
    return { ok: false, error: `process died (${why})`.slice(0, 400), diag: [] };
  }
  return JSON.parse(line.slice('BENCH_RESULT '.length));
}

function timeProcess(argv, env = {}, cwd = DEPS) {
  const [cmd, full] = command([NODE, ...argv]);
  const t0 = process.hrtime.bigint();
  const child = spawnSync(cmd, full, { cwd, env: { ...childEnv, ...env }, encoding: 'utf8', timeout: 60_000 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (child.status !== 0)
    return {
      ok: false,
      error: (child.stderr || String(child.error ?? child.signal)).trim().split('\n').filter(Boolean).slice(0, 6).join(' | ').slice(0, 400),
    };
  return { ok: true, ms };
}

function shuffle(items, seed) {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

function writeEsmApp() {
  rmSync(esmDir, { recursive: true, force: true });
  mkdirSync(esmDir, { recursive: true });
  writeFileSync(join(esmDir, 'shared.mjs'), 'export function scale(x) { return x * 2; }\n');
  for (let i = 0; i < ESM_MODULES; i++) {
    const dep = i > 0 && i % 3 === 0 ? `import { value${i - 1} } from './m${i - 1}.mjs';\n` : '';
    const use = dep ? ` + value${i - 1}` : '';
    writeFileSync(
      join(esmDir, `m${i}.mjs`),
      `import { scale } from './shared.mjs';\n${dep}export const value${i} = scale(${i})${use};\nexport function f${i}(x) { return x + value${i}; }\n`,
    );
  }
  const imports = Array.from({ length: ESM_MODULES }, (_, i) => `import { f${i} } from './m${i}.mjs';`).join('\n');
  const sum = Array.from({ length: ESM_MODULES }, (_, i) => `f${i}(1)`).join(' + ');
  writeFileSync(join(esmDir, 'app.mjs'), `${imports}\nglobalThis.benchSum = ${sum};\n`);
  writeFileSync(join(esmDir, 'empty.mjs'), 'globalThis.benchSum = 0;\n');
  writeFileSync(join(esmDir, 'package.json'), '{ "private": true }\n');
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const started = Date.now();
const load0 = os.loadavg();
const results = new Map(); // job key -> [{...worker result}]
const startup = new Map(); // case name -> { ms: [], errors: [] }
const esm = new Map(); // `${case}|app|empty` -> { ms: [], errors: [] }
const keyOf = (j) => `${j.workload}|${j.provider}|${j.sdk}|${j.contender}|${j.contextBytes ?? ''}`;

const log = (message) => process.stderr.write(`${message}\n`);
log(
  `otel-genai bench: ${smoke ? 'smoke, ' : ''}${rounds} round(s), ${jobs.length} process(es) per round, deps from ${useBenchDeps ? 'bench/node_modules' : 'the root node_modules (peers skipped)'}, ${canPin ? `pinned to CPU ${pinCpu}` : 'not pinned'}`,
);

if (workloads.includes('esm')) writeEsmApp();

const sCases = workloads.includes('startup') ? startupCases.filter(keep) : [];
const eCases = workloads.includes('esm') ? esmCases.filter(keep) : [];
for (let round = 0; round < rounds; round++) {
  const t = Date.now();
  for (const job of shuffle(jobs, round + 1)) {
    const result = runWorker(job);
    const key = keyOf(job);
    if (!results.has(key)) results.set(key, []);
    results.get(key).push(result);
  }
  for (let rep = 0; rep < ITER.startupReps; rep++) {
    for (const c of shuffle(sCases, 100 + round * 10 + rep)) {
      const r = timeProcess(c.argv, c.env);
      if (!startup.has(c.name)) startup.set(c.name, { ms: [], errors: [] });
      if (r.ok) startup.get(c.name).ms.push(r.ms);
      else startup.get(c.name).errors.push(r.error);
    }
    const esmRuns = eCases.flatMap((c) => ['app', 'empty'].map((entry) => ({ c, entry })));
    for (const { c, entry } of shuffle(esmRuns, 200 + round * 10 + rep)) {
      const r = timeProcess([...c.argv, join(esmDir, `${entry}.mjs`)], c.env, DEPS);
      const key = `${c.name}|${entry}`;
      if (!esm.has(key)) esm.set(key, { ms: [], errors: [] });
      if (r.ok) esm.get(key).ms.push(r.ms);
      else esm.get(key).errors.push(r.error);
    }
  }
  log(`round ${round + 1}/${rounds} done in ${((Date.now() - t) / 1000).toFixed(0)} s`);
}

const memory = [];
if (workloads.includes('memory')) {
  for (const provider of providers.filter((p) => has(p, 'memory'))) {
    const sdk = SDKS[provider][0];
    for (const contender of ['bare', 'ours'].filter((c) => onlyContenders === undefined || onlyContenders.includes(c))) {
      const job = { workload: 'memory', provider, sdk: sdk.version, sdkDir: sdk.dir, contender };
      memory.push({ ...job, result: runWorker(job, ['--expose-gc']) });
    }
  }
}
if (workloads.includes('esm')) rmSync(esmDir, { recursive: true, force: true });

// ---------------------------------------------------------------------------------------------
// Aggregation

function summarise(job) {
  const runs = results.get(keyOf(job)) ?? [];
  const good = runs.filter((r) => r.ok);
  const metric = job.workload === 'stream' ? 'perChunkUs' : 'perCallUs';
  const perRound = good.map((r) => median(r[metric]));
  // CPU time of the best batch per process: on a shared machine, other work only adds time (wall
  // time also counts the waits for the CPU), so this is the steadier view of what a call costs.
  const cpuMetric = job.workload === 'stream' ? 'perChunkCpuUs' : 'perCallCpuUs';
  const bestPerRound = good.filter((r) => r[cpuMetric]?.length).map((r) => Math.min(...r[cpuMetric]));
  const calls = good.reduce((n, r) => n + r.calls, 0);
  const spans = good.reduce((n, r) => n + r.spans, 0);
  const expectedSpans = calls * spansPerCall(job.provider, job.contender);
  const errors = runs.filter((r) => !r.ok).map((r) => r.error);
  const diag = [...new Set(runs.flatMap((r) => r.diag ?? []))];
  let status = 'ok';
  if (good.length === 0) status = 'crash';
  else if (job.contender !== 'bare' && spans === 0) status = 'no spans';
  else if (spans !== expectedSpans) status = `${(spans / calls).toFixed(2)} spans/call`;
  return {
    ...job,
    status,
    rounds: perRound.length,
    medianUs: perRound.length ? median(perRound) : undefined,
    minUs: perRound.length ? Math.min(...perRound) : undefined,
    maxUs: perRound.length ? Math.max(...perRound) : undefined,
    cpuBestUs: bestPerRound.length ? median(bestPerRound) : undefined,
    cpuMinUs: bestPerRound.length ? Math.min(...bestPerRound) : undefined,
    cpuMaxUs: bestPerRound.length ? Math.max(...bestPerRound) : undefined,
    perStreamUs: job.workload === 'stream' && good.length ? median(good.map((r) => median(r.perStreamUs))) : undefined,
    attributeCharsPerSpan: job.workload === 'conversation' && good.length ? median(good.map((r) => r.attributeCharsPerSpan)) : undefined,
    calls,
    spans,
    errors: [...new Set(errors)],
    diag,
  };
}

const rows = jobs.filter((j, i) => jobs.findIndex((k) => keyOf(k) === keyOf(j)) === i).map(summarise);
for (const row of rows) {
  const peerOf = (c) =>
    rows.find(
      (r) =>
        r.workload === row.workload &&
        r.provider === row.provider &&
        r.sdk === row.sdk &&
        r.contextBytes === row.contextBytes &&
        r.contender === c,
    );
  const bare = peerOf('bare');
  const floor = peerOf('floor');
  if (row.medianUs !== undefined && row.status === 'ok') {
    if (bare?.medianUs) row.xBare = row.medianUs / bare.medianUs;
    if (floor?.medianUs) row.xFloor = row.medianUs / floor.medianUs;
    if (floor?.cpuBestUs) row.cpuXFloor = row.cpuBestUs / floor.cpuBestUs;
    if (bare?.cpuBestUs) row.cpuXBare = row.cpuBestUs / bare.cpuBestUs;
  }
}

const startupRows = sCases
  .filter((c) => startup.has(c.name))
  .map(({ name }) => [name, startup.get(name)])
  .map(([name, s]) => ({
    name,
    medianMs: s.ms.length ? median(s.ms) : undefined,
    minMs: s.ms.length ? Math.min(...s.ms) : undefined,
    maxMs: s.ms.length ? Math.max(...s.ms) : undefined,
    runs: s.ms.length,
    errors: [...new Set(s.errors)],
  }));
const startupBare = startupRows.find((r) => r.name === 'bare')?.medianMs;
const startupBareMin = startupRows.find((r) => r.name === 'bare')?.minMs;
for (const r of startupRows) {
  if (r.medianMs !== undefined && startupBare) r.xBare = r.medianMs / startupBare;
  if (r.minMs !== undefined && startupBareMin) r.minXBare = r.minMs / startupBareMin;
}

const esmRows = eCases.map((c) => {
  const app = esm.get(`${c.name}|app`) ?? { ms: [], errors: [] };
  const empty = esm.get(`${c.name}|empty`) ?? { ms: [], errors: [] };
  const row = {
    name: c.name,
    appMs: app.ms.length ? median(app.ms) : undefined,
    emptyMs: empty.ms.length ? median(empty.ms) : undefined,
    errors: [...new Set([...app.errors, ...empty.errors])],
  };
  if (row.appMs !== undefined && row.emptyMs !== undefined) row.modulesMs = row.appMs - row.emptyMs;
  return row;
});
const esmBare = esmRows.find((r) => r.name === 'bare');
const esmNoHook = esmRows.find((r) => r.name === 'provider-only');
for (const r of esmRows) {
  if (r.modulesMs !== undefined && esmNoHook?.modulesMs) r.modulesXNoHook = r.modulesMs / esmNoHook.modulesMs;
  if (r.appMs !== undefined && esmBare?.appMs) r.xBare = r.appMs / esmBare.appMs;
  if (r.modulesMs !== undefined && esmBare?.modulesMs) r.modulesXBare = r.modulesMs / esmBare.modulesMs;
}

// ---------------------------------------------------------------------------------------------
// Report

const fmt = (n, digits = 1) => (n === undefined || Number.isNaN(n) ? '–' : n.toFixed(digits));
const fmtX = (n) => (n === undefined ? '–' : `${n.toFixed(2)}×`);
const kb = (bytes) => (bytes >= 1e6 ? `${bytes / 1e6} MB` : `${bytes / 1e3} KB`);
const LABEL = {
  bare: 'bare SDK',
  floor: 'floor (1 active span)',
  ours: 'otel-genai',
  'ours-metrics': 'otel-genai, meter provider',
  'ours-cost': 'otel-genai, cost on',
  'ours-content': 'otel-genai, content capture on',
  native: 'Anthropic SDK own tracing',
  otel: '@opentelemetry/instrumentation-openai',
  arize: '@arizeai/openinference-*',
  traceloop: '@traceloop/instrumentation-*',
};

function table(header, body) {
  const cells = [header, ...body].map((r) => r.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

const versions = {
  node: nodeVersion,
  'otel-genai': packageVersionIn(ROOT, 'otel-genai') ?? JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version,
  '@opentelemetry/api': packageVersionIn(DEPS, '@opentelemetry/api'),
  '@opentelemetry/sdk-trace': packageVersionIn(DEPS, '@opentelemetry/sdk-trace'),
  '@opentelemetry/sdk-node': packageVersionIn(DEPS, '@opentelemetry/sdk-node'),
};
for (const provider of providers) versions[PROVIDERS[provider].sdk] = SDKS[provider].map((s) => s.version).join(', ');
if (providers.includes('aisdk')) versions[PROVIDERS.aisdk.provider] = packageVersionIn(DEPS, PROVIDERS.aisdk.provider);
if (useBenchDeps) {
  for (const name of [
    '@opentelemetry/instrumentation-openai',
    '@arizeai/openinference-instrumentation-openai',
    '@arizeai/openinference-instrumentation-anthropic',
    '@traceloop/instrumentation-openai',
    '@traceloop/instrumentation-anthropic',
    '@opentelemetry/auto-instrumentations-node',
  ])
    versions[name] = packageVersionIn(DEPS, name);
}
const machine = {
  cpu: os.cpus()[0]?.model,
  cores: cpuCount,
  memoryGiB: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()} ${os.arch()}`,
  pinned: canPin ? `taskset -c ${pinCpu}` : 'no',
  loadavgBefore: load0.map((l) => l.toFixed(2)).join(' '),
  loadavgAfter: os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' '),
  rounds,
  smoke,
  durationS: Math.round((Date.now() - started) / 1000),
  date: new Date().toISOString(),
};

const out = [];
out.push(`## otel-genai bench${smoke ? ' (smoke: few iterations, timings meaningless)' : ''}`);
out.push('');
out.push(
  `Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}; pinned: ${machine.pinned}; load average before ${machine.loadavgBefore}, after ${machine.loadavgAfter}; ${rounds} round(s), ${machine.durationS} s.`,
);
out.push(
  `Versions: ${Object.entries(versions)
    .filter(([, v]) => v)
    .map(([k, v]) => `${k} ${v}`)
    .join('; ')}.`,
);
for (const workload of ['call', 'stream']) {
  const wRows = rows.filter((r) => r.workload === workload);
  if (wRows.length === 0) continue;
  out.push('');
  out.push(
    workload === 'call'
      ? `### Per call (a non-streaming call: create, generateContent, generateText, MCP tools/call; µs per call; median of ${rounds} process(es), each the median of ${ITER.call.batches} batches of ${ITER.call.batchSize} after ${ITER.call.warmup} warm-up calls)`
      : `### Per chunk (${CHUNKS}-chunk streams read with for await, µs per chunk; median of ${rounds} process(es), each the median of ${ITER.stream.batches} batches of ${ITER.stream.batchSize} streams after ${ITER.stream.warmup} warm-up streams)`,
  );
  out.push('');
  const header = [
    'SDK',
    'contender',
    workload === 'call' ? 'µs/call' : 'µs/chunk',
    'min–max',
    '× bare',
    '× floor',
    'CPU µs (best)',
    'CPU × bare',
    'CPU × floor',
    'spans',
  ];
  if (workload === 'stream') header.splice(4, 0, 'ms/stream');
  out.push(
    table(
      header,
      wRows.map((r) => {
        const cells = [
          sdkLabel(r.provider, r.sdk),
          LABEL[r.contender],
          r.status === 'crash' ? 'crash' : fmt(r.medianUs, workload === 'call' ? 1 : 2),
          r.status === 'crash' ? '–' : `${fmt(r.minUs, workload === 'call' ? 1 : 2)}–${fmt(r.maxUs, workload === 'call' ? 1 : 2)}`,
          fmtX(r.xBare),
          fmtX(r.xFloor),
          r.status === 'crash' ? '–' : fmt(r.cpuBestUs, workload === 'call' ? 1 : 2),
          fmtX(r.cpuXBare),
          fmtX(r.cpuXFloor),
          r.status === 'ok' ? (r.contender === 'bare' ? '0' : `${r.spans}/${r.calls}`) : r.status,
        ];
        if (workload === 'stream') cells.splice(4, 0, r.perStreamUs === undefined ? '–' : fmt(r.perStreamUs / 1000, 2));
        return cells;
      }),
    ),
  );
}
const conversationRows = rows.filter((r) => r.workload === 'conversation');
if (conversationRows.length) {
  const iter = (bytes) => conversationIter(bytes);
  out.push('');
  out.push(
    `### Long conversations (an agent's request of ${CONTEXTS.map(kb).join(', ')} of context, non-streaming, µs per call; median of ${rounds} process(es), each the median of ${iter(CONTEXTS[0]).batches} batches after ${CONTEXTS.map((bytes) => `${iter(bytes).warmup} × ${iter(bytes).batchSize}`).join(', ')} warm-up calls × calls per batch)`,
  );
  out.push('');
  out.push(
    table(
      ['SDK', 'context', 'contender', 'µs/call', 'min–max', '× bare', 'CPU µs (best)', 'CPU × bare', 'recorded chars/span', 'spans'],
      conversationRows.map((r) => [
        sdkLabel(r.provider, r.sdk),
        kb(r.contextBytes),
        LABEL[r.contender],
        r.status === 'crash' ? 'crash' : fmt(r.medianUs, 1),
        r.status === 'crash' ? '–' : `${fmt(r.minUs, 1)}–${fmt(r.maxUs, 1)}`,
        fmtX(r.xBare),
        r.status === 'crash' ? '–' : fmt(r.cpuBestUs, 1),
        fmtX(r.cpuXBare),
        r.attributeCharsPerSpan === undefined ? '–' : Math.round(r.attributeCharsPerSpan).toLocaleString('en'),
        r.status === 'ok' ? (r.contender === 'bare' ? '0' : `${r.spans}/${r.calls}`) : r.status,
      ]),
    ),
  );
}
if (startupRows.length) {
  out.push('');
  out.push(
    `### Start-up (\`node [--import REGISTER] -e "await import('@anthropic-ai/sdk')"\`, OTLP exporter configured; wall ms, median of ${rounds * ITER.startupReps} run(s))`,
  );
  out.push('');
  out.push(
    table(
      ['register', 'ms', 'min–max', '× bare', 'min × bare min'],
      startupRows.map((r) => [
        r.name,
        r.medianMs === undefined ? 'crash' : fmt(r.medianMs, 0),
        r.medianMs === undefined ? '–' : `${fmt(r.minMs, 0)}–${fmt(r.maxMs, 0)}`,
        fmtX(r.xBare),
        fmtX(r.minXBare),
      ]),
    ),
  );
}
if (esmRows.length) {
  out.push('');
  out.push(
    `### Unrelated ESM modules (an app of ${ESM_MODULES} small modules vs an empty one; wall ms, median of ${rounds * ITER.startupReps} run(s))`,
  );
  out.push('');
  out.push(
    table(
      [
        'register',
        'app ms',
        'empty ms',
        `${ESM_MODULES} modules cost ms`,
        'app × bare',
        'modules cost × bare',
        'modules cost × provider-only',
      ],
      esmRows.map((r) => [
        r.name,
        fmt(r.appMs, 0),
        fmt(r.emptyMs, 0),
        fmt(r.modulesMs, 0),
        fmtX(r.xBare),
        fmtX(r.modulesXBare),
        fmtX(r.modulesXNoHook),
      ]),
    ),
  );
}
if (memory.length) {
  out.push('');
  out.push(
    `### Memory (one ${MEMORY.memChunks}-chunk stream of ${MEMORY.memDeltaBytes}-byte text deltas, content capture off; heap after gc above the pre-stream baseline, KB)`,
  );
  out.push('');
  out.push(
    table(
      [
        'SDK',
        'contender',
        ...MEMORY.memCheckpointsMB.map((mb) => `at ${mb} MB`),
        'after end',
        `growth ${MEMORY.memCheckpointsMB[0]}→${MEMORY.memCheckpointsMB.at(-1)} MB`,
      ],
      memory.map(({ provider, sdk, contender, result }) => {
        if (!result.ok) return [`${provider} ${sdk}`, LABEL[contender], 'crash', '', '', '', ''];
        const points = result.memory.points;
        return [
          sdkLabel(provider, sdk),
          LABEL[contender],
          ...points.map((p) => fmt(p.heapAboveBaseKB, 0)),
          fmt(result.memory.afterEndKB, 0),
          fmt(points.at(-1).heapAboveBaseKB - points[0].heapAboveBaseKB, 0),
        ];
      }),
    ),
  );
}

if (unpatched.length) {
  out.push('');
  out.push('### Peers not run on an SDK line they do not patch');
  out.push('');
  out.push(
    ...unpatched.map(
      ({ peer, provider, sdk, ranges }) =>
        `- ${LABEL[peer]} on ${sdkLabel(provider, sdk)}: it patches ${PROVIDERS[provider].sdk} ${ranges.join(' || ')}`,
    ),
  );
}

// Failures and diagnostics
const failures = [
  ...rows
    .filter((r) => r.status !== 'ok')
    .map(
      (r) =>
        `- ${LABEL[r.contender]} on ${sdkLabel(r.provider, r.sdk)} (${r.workload}): ${r.status}${r.errors.length ? ` — ${r.errors[0]}` : ''}${r.diag.length ? ` — diag: ${r.diag[0]}` : ''}`,
    ),
  ...startupRows
    .filter((r) => r.errors.length)
    .map((r) => `- start-up, ${r.name}: ${r.medianMs === undefined ? 'crash' : 'some runs failed'} — ${r.errors[0]}`),
  ...esmRows.filter((r) => r.errors.length).map((r) => `- ESM app, ${r.name}: ${r.errors[0]}`),
  ...memory.filter((m) => !m.result.ok).map((m) => `- memory, ${m.contender} on ${m.provider}: ${m.result.error}`),
];
if (failures.length) {
  out.push('');
  out.push('### Contenders that crashed or produced no (or not one per call) spans');
  out.push('');
  out.push(...failures);
}

// Targets
const verdicts = [];
const check = (name, pass, detail, noise) =>
  verdicts.push(
    noise
      ? `- NOISY ${name}: ${detail}; not judged: ${noise}`
      : `- ${pass === undefined ? 'n/a ' : pass ? 'PASS' : 'MISS'} ${name}: ${detail}`,
  );
const noiseIn = (workload, provider, sdk) => {
  const group = rows.filter((r) => r.workload === workload && r.provider === provider && r.sdk === sdk);
  const signs = [];
  const below = belowBare(group);
  if (below.length) signs.push(`${below.map((r) => LABEL[r.contender]).join(', ')} measured below the bare SDK, which does less`);
  const wavering = unsteady(group);
  if (wavering.length)
    signs.push(
      `rounds differ in CPU time by ${wavering.map((r) => `${Math.round((r.cpuMaxUs / r.cpuMinUs - 1) * 100)} % (${LABEL[r.contender]})`).join(', ')}`,
    );
  return signs.length ? `${signs.join('; ')} (see the instruction counts)` : undefined;
};
for (const workload of ['call', 'stream']) {
  const limit = workload === 'call' ? 1.05 : 1.03;
  for (const ours of rows.filter((r) => r.workload === workload && r.contender === 'ours')) {
    const sdkName = sdkLabel(ours.provider, ours.sdk);
    const noise = smoke ? undefined : noiseIn(workload, ours.provider, ours.sdk);
    const xf = ours.cpuXFloor ?? ours.xFloor;
    check(
      `${workload === 'call' ? 'per call' : 'per chunk'}, ${sdkName}: ours ≤ ${limit} × floor`,
      xf === undefined ? undefined : xf <= limit,
      `wall ${fmtX(ours.xFloor)}, CPU ${fmtX(ours.cpuXFloor)}`,
      noise,
    );
    const peers = rows.filter(
      (r) =>
        r.workload === workload &&
        r.provider === ours.provider &&
        r.sdk === ours.sdk &&
        ['otel', 'arize', 'traceloop', 'native'].includes(r.contender),
    );
    for (const peer of peers) {
      if (peer.status !== 'ok') {
        check(
          `${workload === 'call' ? 'per call' : 'per chunk'}, ${sdkName}: ours below ${LABEL[peer.contender]}`,
          undefined,
          `that contender: ${peer.status}`,
        );
      } else {
        check(
          `${workload === 'call' ? 'per call' : 'per chunk'}, ${sdkName}: ours below ${LABEL[peer.contender]}`,
          (ours.cpuBestUs ?? ours.medianUs) < (peer.cpuBestUs ?? peer.medianUs),
          `wall ${fmt(ours.medianUs, 2)} vs ${fmt(peer.medianUs, 2)} µs, CPU ${fmt(ours.cpuBestUs, 2)} vs ${fmt(peer.cpuBestUs, 2)} µs`,
          noise,
        );
      }
    }
  }
}
// Content capture in O(cap): what capture adds to a call (CPU, over ours without it) stays flat once the context is past the cap.
for (const provider of providers) {
  const captureCost = (bytes) => {
    const on = conversationRows.find((r) => r.provider === provider && r.contextBytes === bytes && r.contender === 'ours-content');
    const off = conversationRows.find((r) => r.provider === provider && r.contextBytes === bytes && r.contender === 'ours');
    return on?.cpuBestUs !== undefined && off?.cpuBestUs !== undefined ? on.cpuBestUs - off.cpuBestUs : undefined;
  };
  const pastCap = CONTEXTS.filter((bytes) => bytes > 32768).sort((a, b) => a - b);
  if (pastCap.length < 2) continue;
  const [least, most] = [captureCost(pastCap[0]), captureCost(pastCap.at(-1))];
  if (least === undefined || most === undefined) continue;
  check(
    `conversation, ${provider}: content capture's cost per call at ${kb(pastCap.at(-1))} ≤ 1.5 × at ${kb(pastCap[0])}`,
    most <= 1.5 * Math.max(least, 1),
    `${fmt(most, 1)} vs ${fmt(least, 1)} µs CPU over ours without capture`,
  );
}
const oursStartup = startupRows.find((r) => r.name === 'ours');
if (oursStartup?.xBare !== undefined) {
  check(
    'start-up: ours ≤ 1.6 × bare',
    oursStartup.xBare <= 1.6,
    `${fmtX(oursStartup.xBare)} (fastest runs: ${fmtX(oursStartup.minXBare)})`,
  );
  for (const r of startupRows.filter((s) => s.name.includes('peer') || s.name.startsWith('auto'))) {
    check(
      `start-up: ours below ${r.name}`,
      r.medianMs === undefined ? undefined : oursStartup.medianMs < r.medianMs,
      r.medianMs === undefined ? 'that register crashed' : `${fmt(oursStartup.medianMs, 0)} vs ${fmt(r.medianMs, 0)} ms`,
    );
  }
}
const oursEsm = esmRows.find((r) => r.name === 'ours');
if (oursEsm?.modulesXBare !== undefined) {
  const x = oursEsm.modulesXNoHook ?? oursEsm.modulesXBare;
  const base = esmNoHook?.modulesMs !== undefined ? esmNoHook : esmBare;
  check(
    `unrelated ESM modules: cost of ${ESM_MODULES} modules under ours ≈ under a register without a loader hook (≤ 1.15 ×)`,
    x <= 1.15,
    `${fmtX(x)} (${fmt(oursEsm.modulesMs, 0)} vs ${fmt(base.modulesMs, 0)} ms; × bare ${fmtX(oursEsm.modulesXBare)})`,
  );
}
for (const m of memory.filter((x) => x.contender === 'ours' && x.result.ok)) {
  const bare = memory.find((x) => x.contender === 'bare' && x.provider === m.provider && x.result.ok);
  const points = m.result.memory.points;
  const growth = points.at(-1).heapAboveBaseKB - points[0].heapAboveBaseKB;
  const bareGrowth = bare ? bare.result.memory.points.at(-1).heapAboveBaseKB - bare.result.memory.points[0].heapAboveBaseKB : 0;
  check(
    `memory, ${m.provider}: heap flat from ${MEMORY.memCheckpointsMB[0]} to ${MEMORY.memCheckpointsMB.at(-1)} MB of output (growth beyond bare < 256 KB)`,
    growth - bareGrowth < 256,
    `ours grew ${fmt(growth, 0)} KB, bare ${fmt(bareGrowth, 0)} KB`,
  );
}
if (verdicts.length) {
  out.push('');
  out.push(`### Targets${smoke ? ' (smoke run: not meaningful)' : ''}`);
  out.push('');
  out.push(...verdicts);
}

process.stdout.write(`${out.join('\n')}\n`);

if (typeof args.json === 'string') {
  writeFileSync(
    args.json,
    JSON.stringify({ machine, versions, rows, unpatched, startup: startupRows, esm: esmRows, memory, verdicts }, null, 2),
  );
}
// A run that measured nothing is a failure; a slow or missed target is not (this is no timed test).
const oursRows = rows.filter((r) => r.contender === 'ours');
const broken = oursRows.some((r) => r.status !== 'ok') || memory.some((m) => m.contender === 'ours' && !m.result.ok);
process.exit(broken ? 1 : 0);
