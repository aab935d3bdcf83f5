#!/usr/bin/env node
// What observing a stream's chunks from outside costs, apart from any SDK: an async generator of
// 1,000 plain objects read with `for await`, bare, and through the two ways an iterator wrapper can
// see each result:
// - chain: `next()` returns `inner.next().then(onResult)`, as src/stream.ts does (the loop awaits ours);
// - side: `next()` hangs `onResult` on the inner promise and returns that promise itself.
// Counted in instructions under callgrind, per chunk, as the difference of runs of N1 and N2
// streams, with an AsyncLocalStorage store active (what a tracer provider's context manager
// switches on) or, with --no-store, without.
//
//   node bench/chunk-observation.mjs [--streams=20,60] [--no-store] [--node=PATH] [--node-flags=F1,F2]
import { spawnSync } from 'node:child_process';
import { AsyncLocalStorage } from 'node:async_hooks';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { callgrindArgs, instructionsOf, nodeFlagsArg } from './lib/callgrind.mjs';

const CHUNKS = 1000;
const MODES = ['bare', 'chain', 'side'];

async function* chunks() {
  for (let index = 0; index < CHUNKS; index++) yield { type: 'delta', index };
}

class Chain {
  seen = 0;
  constructor(inner) {
    this.inner = inner;
  }
  next() {
    return this.inner.next().then(this.onResult, this.onError);
  }
  onResult = (result) => {
    if (!result.done) this.seen++;
    return result;
  };
  onError = (error) => {
    throw error;
  };
  [Symbol.asyncIterator]() {
    return this;
  }
}

class Side {
  seen = 0;
  constructor(inner) {
    this.inner = inner;
  }
  next() {
    const promise = this.inner.next();
    promise.then(this.onResult, this.onError);
    return promise;
  }
  onResult = (result) => {
    if (!result.done) this.seen++;
  };
  // The caller sees the rejection through the promise it was given; this reaction's own must not be unhandled.
  onError = () => {};
  [Symbol.asyncIterator]() {
    return this;
  }
}

if (process.argv[2] === '--run') {
  const [, , , mode, streams, store] = process.argv;
  const consume = async () => {
    let seen = 0;
    for (let s = 0; s < Number(streams); s++) {
      const inner = chunks();
      const iterator = mode === 'chain' ? new Chain(inner) : mode === 'side' ? new Side(inner) : inner;
      let sum = 0;
      for await (const chunk of { [Symbol.asyncIterator]: () => iterator }) sum += chunk.index;
      seen += iterator.seen ?? CHUNKS;
      if (sum !== (CHUNKS * (CHUNKS - 1)) / 2) throw new Error(`stream ${s} lost chunks`);
    }
    if (seen !== Number(streams) * CHUNKS) throw new Error(`observed ${seen} chunks`);
  };
  await (store === 'store' ? new AsyncLocalStorage().run({ span: 'active' }, consume) : consume());
} else {
  const flags = Object.fromEntries(process.argv.slice(2).map((a) => [a.slice(2).split('=')[0], a.slice(a.indexOf('=') + 1)]));
  const [n1, n2] = (flags.streams ?? '20,60').split(',').map(Number);
  const node = resolve(flags.node ?? process.execPath);
  const nodeFlags = nodeFlagsArg(process.argv);
  const store = flags['no-store'] === undefined ? 'store' : 'no-store';
  const count = (mode, streams) => {
    const run = spawnSync(
      'valgrind',
      callgrindArgs({ node, nodeFlags }, [fileURLToPath(import.meta.url), '--run', mode, String(streams), store]),
      { encoding: 'utf8' },
    );
    const instructions = instructionsOf(run.stderr);
    if (run.status !== 0 || instructions === undefined)
      throw new Error(`${mode} ${streams}: exit ${run.status}\n${run.stderr.slice(-2000)}`);
    return instructions;
  };
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(
    `Instructions per chunk (callgrind, streams ${n1}→${n2}), Node ${[version, ...nodeFlags].join(' ')}, ${store === 'store' ? 'an AsyncLocalStorage store active' : 'no store'}\n`,
  );
  console.log('| mode | instructions/chunk | beyond bare |');
  console.log('|---|---|---|');
  let bare;
  for (const mode of MODES) {
    const perChunk = (count(mode, n2) - count(mode, n1)) / ((n2 - n1) * CHUNKS);
    bare ??= perChunk;
    console.log(`| ${mode} | ${Math.round(perChunk).toLocaleString('en')} | ${Math.round(perChunk - bare).toLocaleString('en')} |`);
  }
}
