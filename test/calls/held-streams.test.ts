/**
 * What stands for a stream in the abandonment registry (issue 18, item 14: a stream's generators
 * are observed through a layer under their prototype, src/stream.ts) lives as long as anything that
 * reads the stream: `tee()`'s branches, `toReadableStream()`'s stream, an iterator taken and not read
 * yet. With the stream itself dropped and the garbage collector run before they are read, no call is
 * abandoned, and each span ends, complete, when its stream is read. In its own Node process with
 * `--expose-gc` (test/leak-apps/held-iterators.mjs, which uses dist/).
 */
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { runApp } from '../helpers/run-app';

it('streams dropped while their readers are kept: not abandoned, each span ends when read', async () => {
  const run = await runApp(join(__dirname, '..', 'leak-apps', 'held-iterators.mjs'), {
    args: ['--expose-gc'],
    env: {},
    node: process.execPath,
  });
  expect(run.stderr).toBe('');
  const result = JSON.parse(run.stdout);
  expect(result.before).toBe(0);
  expect(result.chunks).toEqual({ tee: [10, 10], openaiTee: [8, 8], readable: 10, iterator: 10, openaiIterator: 8 });
  expect(result.after).toEqual([
    { id: 'msg_1', abandoned: false, finish: ['end_turn'] },
    { id: 'chatcmpl-2', abandoned: false, finish: ['stop'] },
    { id: 'msg_3', abandoned: false, finish: ['end_turn'] },
    { id: 'msg_4', abandoned: false, finish: ['end_turn'] },
    { id: 'chatcmpl-5', abandoned: false, finish: ['stop'] },
  ]);
});
