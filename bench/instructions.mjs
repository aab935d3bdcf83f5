#!/usr/bin/env node
// Instructions per call, counted by valgrind (callgrind): a measure that does not move with the load
// of a shared machine, unlike time. Each contender's worker runs twice under callgrind, with N1 and
// N2 calls; (instructions(N2) − instructions(N1)) / (N2 − N1) is the cost of one warm call, start-up
// and most of the JIT's warm-up cancelling out. Counts everything the process executes: our code, the
// SDK, V8's garbage collector and compiler (on every thread), Node's internals.
//
//   node bench/instructions.mjs [--workload=call|stream] [--providers=anthropic,openai] [--contenders=bare,floor,ours] [--calls=N1,N2] [--older] [--jobs=2]
//
// --workload=stream counts instructions per chunk instead: runs of N1 and N2 streams of 1,000 chunks
// (default 100,200), each read with `for await`, the difference divided by the chunks between them.
//
// Slow (a run of 10,000 calls takes ~4 minutes under valgrind): about 20 minutes for the defaults with 2 jobs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { installOurs } from './lib/ours.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const flags = Object.fromEntries(process.argv.slice(2).filter((a) => a.startsWith('--')).map((a) => [a.slice(2).split('=')[0], a.split('=')[1] ?? 'true']));
const providers = (flags.providers ?? 'anthropic,openai').split(',');
const contenders = (flags.contenders ?? 'bare,floor,ours').split(',');
const workload = flags.workload ?? 'call';
const CHUNKS = 1000;
const [calls1, calls2] = (flags.calls ?? (workload === 'stream' ? '100,200' : '5000,10000')).split(',').map(Number);
/** What one unit of N1/N2 is worth in the unit reported: a call, or a stream's chunks. */
const perUnit = workload === 'stream' ? CHUNKS : 1;
const jobs = Number(flags.jobs ?? 2);
const DEPS = existsSync(join(BENCH, 'node_modules', '@opentelemetry', 'sdk-trace-node')) ? BENCH : ROOT;
const OURS = installOurs(ROOT, DEPS);

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is not installed (it is a Debian package: apt-get install valgrind)');
  process.exit(1);
}

function sdkDir(provider) {
  return flags.older === undefined ? DEPS : join(BENCH, 'sdk-versions', provider === 'anthropic' ? 'anthropic-0.133' : 'openai-4');
}

/** Instructions and spans of one worker run with `calls` calls. */
function count(provider, contender, calls) {
  const spec = { workload, provider, contender, root: ROOT, ours: OURS, depsDir: DEPS, sdkDir: sdkDir(provider), chunks: CHUNKS, warmup: calls, batches: 1, batchSize: 1 };
  const argv = [
    '--tool=callgrind',
    '--callgrind-out-file=/dev/null',
    // V8 writes and rewrites machine code: valgrind must see every change to it.
    '--smc-check=all-non-file',
    process.execPath,
    // Same hash seeds and GC schedule in every run, so that the two runs differ only in calls.
    '--hash-seed=1',
    '--random-seed=1',
    '--predictable-gc-schedule',
    // V8 sizes the young generation from how fast the program runs: under valgrind's slowdown it
    // stayed at a quarter of the native 16 MB, so scavenges came four times as often and promoted
    // what a native run lets die. Fixed at the native size.
    '--min-semi-space-size=16',
    '--max-semi-space-size=16',
    // Compilation and marking on the main thread, at points the program's own progress decides:
    // with V8's background threads, when optimised code was installed and major collections ran
    // depended on thread timing, and two runs of the same 10,000 calls differed by up to a billion
    // instructions (ours on openai 6 counted between 643 k and 1,000 k per call). With this, two
    // runs differ by about 0.2 %.
    '--single-threaded',
    join(BENCH, 'lib', 'worker.mjs'),
    JSON.stringify(spec),
  ];
  const env = { ...process.env, OTEL_TRACES_EXPORTER: 'none' };
  delete env.NODE_OPTIONS;
  return new Promise((resolve) => {
    const child = spawn('valgrind', argv, { cwd: DEPS, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', () => {
      const refs = err.match(/I\s+refs:\s+([\d,]+)/);
      const result = out.match(/BENCH_RESULT (.*)/);
      const parsed = result ? JSON.parse(result[1]) : undefined;
      resolve({ instructions: refs ? Number(refs[1].replaceAll(',', '')) : undefined, spans: parsed?.spans, ok: parsed?.ok === true, sdk: parsed?.sdkVersion });
    });
  });
}

const tasks = [];
for (const provider of providers) for (const contender of contenders) for (const calls of [calls1, calls2]) tasks.push({ provider, contender, calls });
const results = new Map();
let next = 0;
async function worker() {
  while (next < tasks.length) {
    const task = tasks[next++];
    const result = await count(task.provider, task.contender, task.calls);
    results.set(`${task.provider}/${task.contender}/${task.calls}`, result);
    process.stderr.write(`  ${task.provider} ${task.contender} ${task.calls} calls: ${result.instructions ?? 'failed'} instructions\n`);
  }
}
await Promise.all(Array.from({ length: jobs }, worker));

const unit = workload === 'stream' ? 'chunk' : 'call';
console.log(`\nInstructions per warm ${unit} (callgrind, ${workload === 'stream' ? 'streams' : 'calls'} ${calls1}→${calls2}), Node ${process.version}\n`);
console.log(`| SDK | contender | instructions/${unit} | × bare | × floor | spans |`);
console.log('|---|---|---|---|---|---|');
for (const provider of providers) {
  const perCall = new Map();
  for (const contender of contenders) {
    const a = results.get(`${provider}/${contender}/${calls1}`);
    const b = results.get(`${provider}/${contender}/${calls2}`);
    if (a?.ok && b?.ok && a.instructions !== undefined && b.instructions !== undefined) {
      perCall.set(contender, { value: (b.instructions - a.instructions) / ((calls2 - calls1) * perUnit), spans: b.spans, calls: calls2 + 1, sdk: b.sdk });
    }
  }
  for (const contender of contenders) {
    const row = perCall.get(contender);
    const ratio = (base) => (row && perCall.get(base) ? `${(row.value / perCall.get(base).value).toFixed(3)}×` : '–');
    const sdk = row?.sdk ? `${provider === 'anthropic' ? '@anthropic-ai/sdk' : 'openai'} ${row.sdk}` : provider;
    console.log(`| ${sdk} | ${contender} | ${row ? Math.round(row.value).toLocaleString('en') : 'failed'} | ${ratio('bare')} | ${ratio('floor')} | ${row ? `${row.spans}/${row.calls}` : '–'} |`);
  }
}
