#!/usr/bin/env node
// Instructions per call, counted by valgrind (callgrind): a measure that does not move with the load
// of a shared machine, unlike time. Each contender's worker runs twice under callgrind, with N1 and
// N2 calls; (instructions(N2) − instructions(N1)) / (N2 − N1) is the cost of one warm call, start-up
// and most of the JIT's warm-up cancelling out. Counts everything the process executes: our code, the
// SDK, V8's garbage collector and compiler (on every thread), Node's internals.
//
//   node bench/instructions.mjs [--workload=call|stream|startup|conversation] [--providers=anthropic,openai,google,aisdk,mcp] [--contenders=bare,floor,ours] [--calls=N1,N2] [--line=NAME] [--jobs=2] [--node=PATH] [--node-flags=F1,F2] [--by-function] [--ours=DIR]
//
// --line=NAME counts on another SDK line than the newest: a folder of bench/sdk-versions/ (anthropic-0.133,
// openai-4, openai-5, openai-6, google-genai-1, google-genai-2), its provider alone unless --providers; a peer
// named in --contenders that does not patch the line's version (or that SDK) is listed as such, not run.
// --workload=stream counts instructions per chunk instead: runs of N1 and N2 streams of 1,000 chunks
// (default 100,200), each read with `for await`, the difference divided by the chunks between them.
// --workload=startup counts one whole start-up per register, as run.mjs's start-up workload runs it
// (`--registers=bare,provider-only,nodesdk-only,ours,ours-hook` by default; also otel, arize,
// traceloop, auto, auto-esm). --node runs the measured processes on another Node (e.g. Node 22's), and
// --node-flags gives them flags of Node's own (e.g. --experimental-async-context-frame), comma-separated.
// --by-function (call and stream workloads) also lists, per call or chunk, where each contender's
// instructions beyond the floor's (the bare SDK's when the floor is not counted) go, function by function
// (the first --top=N, default 20), and keeps callgrind's files for callgrind_annotate.
// --workload=conversation counts per call with an agent's request of each --contexts size (bytes of
// context, default 10000,100000,1000000; see bench/lib/canned.mjs), for bare,ours,ours-content,arize,traceloop
// by default, with N1,N2 calls scaled to the size (4e6 / size and twice that, at least 10 and 20) unless --calls.
// --ours=DIR measures another build of otel-genai in place of the repo's (a folder with its package.json,
// register.mjs and dist/, put in bench/node_modules so that it resolves what it needs as the bench's copy
// does): counts before a change.
//
// Slow (a run of 10,000 calls takes ~4 minutes under valgrind): about 20 minutes for the defaults with 2 jobs on Anthropic and
// OpenAI; the AI SDK and MCP cost 2–3 times as much a call, so all five SDKs take over an hour (--providers to choose).
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { excessByFunction, parseAnnotate } from './lib/by-function.mjs';
import { callgrindArgs, instructionsOf, nodeFlagsArg } from './lib/callgrind.mjs';
import { depsDir, installOurs } from './lib/ours.mjs';
import { packageVersion } from './lib/package-version.mjs';
import { PEER_NAMES, peerPatches } from './lib/peers.mjs';
import { checkProviders, PROVIDER_NAMES, PROVIDERS, sdkLabel, sdkLine } from './lib/providers.mjs';
import { STARTUP_ENV, startupCases } from './lib/startup.mjs';

const BENCH = dirname(fileURLToPath(import.meta.url));
const ROOT = dirname(BENCH);
const flags = Object.fromEntries(
  process.argv
    .slice(2)
    .filter((a) => a.startsWith('--'))
    .map((a) => [a.slice(2).split('=')[0], a.split('=')[1] ?? 'true']),
);
const workload = flags.workload ?? 'call';
const line = flags.line === undefined ? undefined : { name: flags.line, ...sdkLine(BENCH, flags.line) };
// Those that have the workload (MCP has no streams; the conversation workload is Anthropic's and OpenAI's).
const providers = checkProviders(flags.providers?.split(',') ?? (line === undefined ? PROVIDER_NAMES : [line.provider]), [workload]);
const contenders = (flags.contenders ?? (workload === 'conversation' ? 'bare,ours,ours-content,arize,traceloop' : 'bare,floor,ours')).split(
  ',',
);
const CHUNKS = 1000;
/** The conversation workload's sizes of context; one pass of undefined for the other workloads. */
const contexts = workload === 'conversation' ? (flags.contexts ?? '10000,100000,1000000').split(',').map(Number) : [undefined];
/** N1 and N2 for a context size (none: the call and stream workloads). */
function callCounts(contextBytes) {
  if (flags.calls !== undefined) return flags.calls.split(',').map(Number);
  if (contextBytes !== undefined) {
    const n = Math.max(10, Math.round(4e6 / contextBytes));
    return [n, 2 * n];
  }
  return workload === 'stream' ? [100, 200] : [5000, 10000];
}
/** What one unit of N1/N2 is worth in the unit reported: a call, or a stream's chunks. */
const perUnit = workload === 'stream' ? CHUNKS : 1;
const jobs = Number(flags.jobs ?? 2);
const DEPS = depsDir(BENCH, ROOT);
const OURS = flags.ours !== undefined ? resolve(flags.ours) : installOurs(ROOT, DEPS);
const NODE = resolve(flags.node ?? process.execPath);
const NODE_VERSION = spawnSync(NODE, ['--version'], { encoding: 'utf8' }).stdout.trim();
const NODE_FLAGS = nodeFlagsArg(process.argv);
const NODE_DESCRIPTION = `Node ${NODE_VERSION}${NODE_FLAGS.length > 0 ? ` ${NODE_FLAGS.join(' ')}` : ''}`;
const byFunction = flags['by-function'] !== undefined && workload !== 'startup';
const outDir = byFunction ? mkdtempSync(join(os.tmpdir(), 'otel-genai-callgrind-')) : undefined;

if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('valgrind is not installed (it is a Debian package: apt-get install valgrind)');
  process.exit(1);
}

function sdkDir(provider) {
  return provider === line?.provider ? line.dir : DEPS;
}

/** Instructions of one process under callgrind, all threads (see lib/callgrind.mjs). */
function callgrind(nodeArgs, env, outFile) {
  const argv = callgrindArgs({ node: NODE, nodeFlags: NODE_FLAGS, outFile }, nodeArgs);
  const childEnv = { ...process.env, ...env };
  delete childEnv.NODE_OPTIONS;
  return new Promise((resolve) => {
    const child = spawn('valgrind', argv, { cwd: DEPS, env: childEnv });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ instructions: instructionsOf(err), stdout: out, code }));
  });
}

/** Instructions and spans of one worker run with `calls` calls. */
async function count(provider, contender, calls, contextBytes) {
  const spec = {
    workload,
    provider,
    contender,
    root: ROOT,
    ours: OURS,
    depsDir: DEPS,
    sdkDir: sdkDir(provider),
    chunks: CHUNKS,
    warmup: calls,
    batches: 1,
    batchSize: 1,
    contextBytes,
  };
  const nodeArgs = [
    // The same GC schedule in every run, so that the two runs differ only in calls.
    '--predictable-gc-schedule',
    // V8 sizes the young generation from how fast the program runs: under valgrind's slowdown it
    // stayed at a quarter of the native 16 MB, so scavenges came four times as often and promoted
    // what a native run lets die. Fixed at the native size.
    '--min-semi-space-size=16',
    '--max-semi-space-size=16',
    join(BENCH, 'lib', 'worker.mjs'),
    JSON.stringify(spec),
  ];
  const outFile = outDir === undefined ? undefined : join(outDir, `${provider}-${contender}-${contextBytes ?? 'call'}-${calls}.out`);
  const { instructions, stdout } = await callgrind(nodeArgs, { OTEL_TRACES_EXPORTER: 'none' }, outFile);
  const result = stdout.match(/BENCH_RESULT (.*)/);
  const parsed = result ? JSON.parse(result[1]) : undefined;
  let functions;
  if (outFile !== undefined) {
    // --threshold=100: every function, not only those that make up the first 99 % of the total.
    const annotated = spawnSync('callgrind_annotate', ['--threshold=100', '--auto=no', outFile], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (annotated.status === 0) functions = parseAnnotate(annotated.stdout);
    else process.stderr.write(`  callgrind_annotate failed on ${outFile}: ${annotated.stderr}\n`);
  }
  return { instructions, spans: parsed?.spans, ok: parsed?.ok === true, error: parsed?.error, sdk: parsed?.sdkVersion, functions };
}

/** Runs `tasks` through `run`, `jobs` at a time. */
async function pool(tasks, run) {
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) await run(tasks[next++]);
  };
  await Promise.all(Array.from({ length: jobs }, worker));
}

if (workload === 'startup') {
  const keys = (flags.registers ?? 'bare,provider-only,nodesdk-only,ours,ours-hook').split(',');
  const cases = startupCases({ bench: BENCH, ours: OURS, peers: DEPS === BENCH }).filter((c) => keys.includes(c.key));
  const counted = new Map();
  await pool(cases, async (c) => {
    const { instructions, code } = await callgrind(c.argv, { ...STARTUP_ENV, ...c.env });
    counted.set(c.key, code === 0 ? instructions : undefined);
    process.stderr.write(`  ${c.name}: ${code === 0 ? instructions : `exit ${code}`} instructions\n`);
  });
  console.log(`\nStart-up instructions (callgrind, one run each, millions), ${NODE_DESCRIPTION}\n`);
  console.log('| register | instructions (M) | × bare |');
  console.log('|---|---|---|');
  const bare = counted.get('bare');
  for (const c of cases) {
    const value = counted.get(c.key);
    console.log(
      `| ${c.name} | ${value === undefined ? 'failed' : Math.round(value / 1e6).toLocaleString('en')} | ${value !== undefined && bare ? `${(value / bare).toFixed(2)}×` : '–'} |`,
    );
  }
  process.exit(0);
}

/** The version of each provider's SDK counted here. */
const versions = new Map(
  providers.map((provider) => [provider, packageVersion(createRequire(join(sdkDir(provider), 'package.json')), PROVIDERS[provider].sdk)]),
);
/**
 * Per provider, the peers among the contenders that are not run on its SDK here, and why: they
 * instrument another SDK, or not this version of it (the ranges they patch).
 */
const requireDeps = createRequire(join(DEPS, 'package.json'));
const notRun = new Map(
  providers.map((provider) => {
    const { sdk, peers } = PROVIDERS[provider];
    const reasons = new Map();
    for (const peer of contenders.filter((c) => PEER_NAMES.includes(c))) {
      if (!peers.includes(peer)) {
        reasons.set(peer, `instruments no ${sdk}`);
        continue;
      }
      const { patches, ranges } = peerPatches(requireDeps, peer, provider, versions.get(provider));
      if (!patches) reasons.set(peer, `patches ${ranges.join(' || ')}`);
    }
    return [provider, reasons];
  }),
);

const tasks = [];
for (const provider of providers) {
  for (const contextBytes of contexts) {
    for (const contender of contenders.filter((c) => !notRun.get(provider).has(c)))
      for (const calls of callCounts(contextBytes)) tasks.push({ provider, contender, calls, contextBytes });
  }
}
const results = new Map();
const keyOf = (provider, contender, contextBytes, calls) => `${provider}/${contender}/${contextBytes ?? ''}/${calls}`;
const contextLabel = (bytes) => (bytes >= 1e6 ? `${bytes / 1e6} MB` : `${bytes / 1e3} KB`);
await pool(tasks, async (task) => {
  const result = await count(task.provider, task.contender, task.calls, task.contextBytes);
  results.set(keyOf(task.provider, task.contender, task.contextBytes, task.calls), result);
  const context = task.contextBytes === undefined ? '' : ` ${contextLabel(task.contextBytes)}`;
  process.stderr.write(
    `  ${task.provider}${context} ${task.contender} ${task.calls} calls: ${result.instructions ?? 'failed'} instructions\n`,
  );
});

const unit = workload === 'stream' ? 'chunk' : 'call';
const conversation = workload === 'conversation';
const counts = conversation
  ? contexts.map((bytes) => `${contextLabel(bytes)}: ${callCounts(bytes).join('→')}`).join(', ')
  : callCounts(undefined).join('→');
console.log(`\nInstructions per warm ${unit} (callgrind, ${workload === 'stream' ? 'streams' : 'calls'} ${counts}), ${NODE_DESCRIPTION}\n`);
console.log(`| SDK |${conversation ? ' context |' : ''} contender | instructions/${unit} | × bare | × floor | spans |`);
console.log(`|---|${conversation ? '---|' : ''}---|---|---|---|---|`);
for (const provider of providers) {
  for (const contextBytes of contexts) {
    const [n1, n2] = callCounts(contextBytes);
    const perCall = new Map();
    for (const contender of contenders) {
      const a = results.get(keyOf(provider, contender, contextBytes, n1));
      const b = results.get(keyOf(provider, contender, contextBytes, n2));
      if (a?.ok && b?.ok && a.instructions !== undefined && b.instructions !== undefined) {
        perCall.set(contender, {
          value: (b.instructions - a.instructions) / ((n2 - n1) * perUnit),
          spans: b.spans,
          calls: n2 + 1,
          sdk: b.sdk,
        });
      }
    }
    for (const contender of contenders) {
      const row = perCall.get(contender);
      const ratio = (base) => (row && perCall.get(base) ? `${(row.value / perCall.get(base).value).toFixed(3)}×` : '–');
      const sdk = sdkLabel(provider, row?.sdk ?? versions.get(provider));
      const context = conversation ? ` ${contextLabel(contextBytes)} |` : '';
      const reason = notRun.get(provider).get(contender);
      // A worker that threw: the first line of its error (a peer that crashes the SDK it patches, say).
      const error = results.get(keyOf(provider, contender, contextBytes, n2))?.error?.split(' | ')[0];
      const failed = `failed${error === undefined ? '' : ` (${error})`}`;
      const value = reason !== undefined ? `not run: ${reason}` : row ? Math.round(row.value).toLocaleString('en') : failed;
      console.log(
        `| ${sdk} |${context} ${contender} | ${value} | ${ratio('bare')} | ${ratio('floor')} | ${row ? `${row.spans}/${row.calls}` : '–'} |`,
      );
    }
  }
}

if (byFunction) {
  const TOP = Number(flags.top ?? 20);
  const baselineName = contenders.includes('floor') ? 'floor' : 'bare';
  const listings = (provider, contender, contextBytes) => {
    const [n1, n2] = callCounts(contextBytes);
    const first = results.get(keyOf(provider, contender, contextBytes, n1))?.functions;
    const second = results.get(keyOf(provider, contender, contextBytes, n2))?.functions;
    return first && second ? { n1: first, n2: second } : undefined;
  };
  for (const provider of providers) {
    for (const contextBytes of contexts) {
      const [n1, n2] = callCounts(contextBytes);
      const baseline = listings(provider, baselineName, contextBytes);
      for (const contender of contenders) {
        const runs = listings(provider, contender, contextBytes);
        if (contender === baselineName || runs === undefined || baseline === undefined) continue;
        const { rows, total, collector, scavenges } = excessByFunction({ contender: runs, baseline }, (n2 - n1) * perUnit);
        const n = (value) => Math.round(value).toLocaleString('en');
        console.log(
          `\n${provider}${contextBytes === undefined ? '' : ` ${contextLabel(contextBytes)}`} ${contender} beyond ${baselineName}, instructions per ${unit}: ${n(total)} in all; ${n(scavenges)} in V8's scavenges ` +
            `(they follow what each allocates), ${n(collector - scavenges)} in the rest of its collector (where a major collection lands in ` +
            `the window moves this part), ${n(total - collector)} elsewhere\n`,
        );
        console.log(`| function | ${baselineName} | ${contender} | excess |`);
        console.log('|---|---|---|---|');
        for (const row of rows.slice(0, TOP)) {
          console.log(
            `| ${row.collector ? '(collector) ' : ''}${row.name.slice(0, 100).replaceAll('|', '\\|')} | ${n(row.baseline)} | ${n(row.contender)} | ${n(row.excess)} |`,
          );
        }
      }
    }
  }
  console.log(`\ncallgrind's files: ${outDir}`);
}
