/**
 * What the app can see of the objects the SDKs hand it stays the SDK's under the instrumentation
 * (issue 18, items 14 and 19): a stream's `console.log` / `util.inspect`, keys and iterator (which
 * reports itself as an async generator), an `APIPromise`'s inspection, and the stack frames of a
 * response that fails to parse (`APIPromise.defaultParseResponse [as parseResponse]`,
 * `APIPromise.parseResponse`, never `APIPromise.<anonymous>`). Each compared without and with the
 * instrumentation, in one process; the spans still end however the stream is left.
 */
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, OpenAIInstrumentation } from '../../src';
import { observeStream } from '../../src/stream';
import type { ReplayServer } from '../../src/testing/replay-server';
import { fixtureRequest, PROMPTS, startFixtureServer } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

/* eslint-disable @typescript-eslint/no-explicit-any -- SDKs of several majors, driven by one body */
const tracing = setupTracing();
const anthropicInstrumentation = new AnthropicInstrumentation();
const openAIInstrumentation = new OpenAIInstrumentation();
const instrumentations = [anthropicInstrumentation, openAIInstrumentation];
for (const instrumentation of instrumentations) instrumentation.setTracerProvider(tracing.provider);

// Loaded after the instrumentations exist, as an app's SDKs would be under `--import`.
const require = createRequire(__filename);
const compat = (name: string) => createRequire(join(__dirname, '..', '..', 'compat', name, 'package.json'));
const SDKS = {
  anthropic: require('@anthropic-ai/sdk').default,
  'anthropic 0.133': compat('anthropic-sdk-0.133')('@anthropic-ai/sdk').default,
  openai: require('openai').default,
  'openai 6': compat('openai-6')('openai').default,
  'openai 4': compat('openai-4')('openai').default,
};

let replay: ReplayServer;
/** Answers every request with a JSON body cut short: the SDK fails to parse it. */
let truncated: Server;
let truncatedURL: string;

beforeAll(async () => {
  replay = await startFixtureServer();
  truncated = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end('{"id": "msg_1", "content": [tr');
  });
  await new Promise<void>((resolve) => truncated.listen(0, '127.0.0.1', resolve));
  truncatedURL = `http://127.0.0.1:${(truncated.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await replay.close();
  await new Promise((resolve) => truncated.close(resolve));
});
beforeEach(() => {
  for (const instrumentation of instrumentations) instrumentation.enable();
  tracing.exporter.reset();
  replay.reset();
});

// The untraced SDK: without its own tracing (>= 0.134 traces itself while a tracer provider is
// registered, as here), which the instrumentation turns off on the clients it traces.
function anthropicClient(sdk: keyof typeof SDKS, baseURL = replay.url): any {
  return new SDKS[sdk]({ apiKey: 'test-key', baseURL, maxRetries: 0, ...(sdk === 'anthropic' ? { openTelemetry: false } : {}) });
}
function openAIClient(sdk: keyof typeof SDKS, baseURL = `${replay.url}/v1`): any {
  return new SDKS[sdk]({ apiKey: 'test-key', baseURL, maxRetries: 0 });
}

/** Runs `scenario` without, then with the instrumentations (from one line: the same frames); returns both results. */
async function bareAndTraced<T>(scenario: () => Promise<T>): Promise<{ bare: T; traced: T }> {
  const results: T[] = [];
  for (const traced of [false, true]) {
    for (const instrumentation of instrumentations) {
      if (traced) instrumentation.enable();
      else instrumentation.disable();
    }
    replay.reset();
    tracing.exporter.reset();
    results.push(await scenario());
  }
  await settle();
  return { bare: results[0], traced: results[1] };
}

/** Everything of a stream that inspection, keys and its iterator show; the stream is then read to its end. */
async function shapeOf(stream: any) {
  const iterator = stream[Symbol.asyncIterator]();
  const shape = {
    inspect: inspect(stream),
    inspectHidden: inspect(stream, { showHidden: true, depth: 1 }),
    keys: Object.keys(stream),
    ownKeys: Reflect.ownKeys(stream).map(String),
    iteratorProperty: inspect(stream.iterator),
    iteratorPropertyType: typeof stream.iterator,
    iteratorPropertyName: stream.iterator.name,
    iteratorTag: Object.prototype.toString.call(iterator),
    iteratorInspect: inspect(iterator),
    iteratorInspectHidden: inspect(iterator, { showHidden: true }),
    iteratorKeys: Reflect.ownKeys(iterator).map(String),
    methods: [typeof iterator.next, typeof iterator.return, typeof iterator.throw, typeof iterator[Symbol.asyncIterator]],
    selfIterable: iterator[Symbol.asyncIterator]() === iterator,
  };
  let chunks = 0;
  for await (const _chunk of { [Symbol.asyncIterator]: () => iterator }) chunks++;
  return { ...shape, chunks };
}

const STREAMS: Array<[string, () => Promise<unknown>]> = [
  [
    'anthropic messages.create',
    () =>
      anthropicClient('anthropic').messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 200,
        stream: true,
        messages: [{ role: 'user', content: PROMPTS.streamText }],
      }),
  ],
  [
    'anthropic beta.messages.create',
    () =>
      anthropicClient('anthropic').beta.messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 200,
        stream: true,
        messages: [{ role: 'user', content: PROMPTS.betaStream }],
      }),
  ],
  [
    'anthropic 0.133 messages.create',
    () =>
      anthropicClient('anthropic 0.133').messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 200,
        stream: true,
        messages: [{ role: 'user', content: PROMPTS.streamText }],
      }),
  ],
  ['openai chat.completions.create', () => openAIClient('openai').chat.completions.create(fixtureRequest('openai/chat-stream'))],
  ['openai responses.create', () => openAIClient('openai').responses.create(fixtureRequest('openai/responses-stream'))],
  ['openai 6 chat.completions.create', () => openAIClient('openai 6').chat.completions.create(fixtureRequest('openai/chat-stream'))],
  ['openai 4 chat.completions.create', () => openAIClient('openai 4').chat.completions.create(fixtureRequest('openai/chat-stream'))],
];

describe("a stream's observable shape is the SDK's", () => {
  for (const [name, create] of STREAMS) {
    it(`${name}: inspect, keys, its iterator's tag, inspection and methods as untraced; the span ends`, async () => {
      const { bare, traced } = await bareAndTraced(async () => shapeOf(await create()));
      expect(traced).toEqual(bare);
      expect(bare.iteratorTag).toBe('[object AsyncGenerator]');
      expect(bare.chunks).toBeGreaterThan(0);
      const spans = tracing.inferenceSpans();
      expect(spans).toHaveLength(1);
      expect(spans[0].status.code).toBe(SpanStatusCode.UNSET);
    });
  }
});

async function count(stream: AsyncIterable<unknown>): Promise<number> {
  let n = 0;
  for await (const _chunk of stream) n++;
  return n;
}

describe('observed streams still read every way, and their spans end', () => {
  const create = () =>
    anthropicClient('anthropic').messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 500,
      stream: true,
      messages: [{ role: 'user', content: PROMPTS.streamLong }],
    });
  const createOpenAI = () => openAIClient('openai').chat.completions.create(fixtureRequest('openai/chat-stream'));

  const ways: Array<[string, () => Promise<unknown>, SpanStatusCode]> = [
    ['tee()', async () => Promise.all(((await create()) as any).tee().map(count)), SpanStatusCode.UNSET],
    [
      'toReadableStream()',
      async () => (await new Response(((await create()) as any).toReadableStream()).text()).split('\n').length,
      SpanStatusCode.UNSET,
    ],
    ['openai tee()', async () => Promise.all(((await createOpenAI()) as any).tee().map(count)), SpanStatusCode.UNSET],
    [
      'openai toReadableStream()',
      async () => (await new Response(((await createOpenAI()) as any).toReadableStream()).text()).split('\n').length,
      SpanStatusCode.UNSET,
    ],
    [
      'break',
      async () => {
        let n = 0;
        for await (const _chunk of (await create()) as AsyncIterable<unknown>) if (++n === 3) break;
        return n;
      },
      SpanStatusCode.UNSET,
    ],
    [
      'controller.abort()',
      async () => {
        const stream = (await create()) as any;
        let n = 0;
        for await (const _chunk of stream) if (++n === 3) stream.controller.abort();
        return n;
      },
      SpanStatusCode.ERROR,
    ],
    [
      'a connection cut mid-stream',
      async () => {
        const stream = await anthropicClient('anthropic').messages.create({
          model: 'claude-sonnet-5-5',
          max_tokens: 500,
          stream: true,
          messages: [{ role: 'user', content: PROMPTS.streamCut }],
        });
        let n = 0;
        try {
          for await (const _chunk of stream) n++;
        } catch (error) {
          return [n, (error as Error).constructor.name];
        }
        return [n, undefined];
      },
      SpanStatusCode.ERROR,
    ],
  ];
  for (const [name, read, status] of ways) {
    it(`${name}: the app reads the same, one span ends`, async () => {
      const { bare, traced } = await bareAndTraced(read);
      expect(traced).toEqual(bare);
      const spans = tracing.inferenceSpans();
      expect(spans).toHaveLength(1);
      expect(spans[0].status.code).toBe(status);
    });
  }
});

/**
 * `util.inspect(promise)` without Node's async-hooks bookkeeping (`async_id_symbol`, …, and the
 * active context the promise was made in, `kResourceStore`), which a context manager adds to every
 * promise and which differs from one promise to the next.
 */
function inspectPromise(promise: unknown): string {
  return inspect(promise, { depth: 0 })
    .split('\n')
    .filter((line) => !/\[Symbol\((async_id_symbol|trigger_async_id_symbol|kResourceStore)\)\]/.test(line))
    .join('\n');
}

describe("an APIPromise's observable shape is the SDK's once it has parsed", () => {
  const calls: Array<[string, () => any]> = [
    [
      'anthropic messages.create',
      () =>
        anthropicClient('anthropic').messages.create({
          model: 'claude-sonnet-5-5',
          max_tokens: 100,
          messages: [{ role: 'user', content: PROMPTS.text }],
        }),
    ],
    ['openai chat.completions.create', () => openAIClient('openai').chat.completions.create(fixtureRequest('openai/chat-text'))],
    ['openai 6 responses.create', () => openAIClient('openai 6').responses.create(fixtureRequest('openai/responses-text'))],
  ];
  for (const [name, call] of calls) {
    it(`${name}: keys as untraced; once settled, inspect as untraced (the SDK's parseResponse back in place)`, async () => {
      const { bare, traced } = await bareAndTraced(async () => {
        const promise = call();
        // openai 7's own `_thenUnwrap`, which the instrumentation wraps, shown as the SDK's.
        const before = {
          keys: Object.keys(promise),
          thenUnwrap: inspect(Object.getOwnPropertyDescriptor(promise, '_thenUnwrap')?.value, { showHidden: true }),
        };
        await promise;
        return {
          before,
          after: { inspect: inspectPromise(promise), keys: Object.keys(promise), parseResponse: inspect(promise.parseResponse) },
        };
      });
      expect(traced).toEqual(bare);
      expect(tracing.inferenceSpans()).toHaveLength(1);
    });
  }
});

describe('a response that fails to parse: the same stack frames as untraced', () => {
  const calls: Array<[string, () => Promise<unknown>, string]> = [
    [
      'anthropic messages.create',
      () =>
        anthropicClient('anthropic', truncatedURL).messages.create({
          model: 'm',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'x' }],
        }),
      'APIPromise.defaultParseResponse [as parseResponse]',
    ],
    [
      'anthropic 0.133 messages.create',
      () =>
        anthropicClient('anthropic 0.133', truncatedURL).messages.create({
          model: 'm',
          max_tokens: 5,
          messages: [{ role: 'user', content: 'x' }],
        }),
      'APIPromise.defaultParseResponse [as parseResponse]',
    ],
    [
      'openai 6 chat.completions.create',
      () => openAIClient('openai 6', truncatedURL).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      'APIPromise.defaultParseResponse [as parseResponse]',
    ],
    [
      'openai 6 responses.create',
      () => openAIClient('openai 6', truncatedURL).responses.create({ model: 'm', input: 'x' }),
      'at async APIPromise.parseResponse (',
    ],
    [
      'openai 6 embeddings.create',
      () => openAIClient('openai 6', truncatedURL).embeddings.create({ model: 'm', input: 'x' }),
      'at async APIPromise.parseResponse (',
    ],
    [
      'openai 4 chat.completions.create',
      () => openAIClient('openai 4', truncatedURL).chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'x' }] }),
      'FetchError',
    ],
  ];
  for (const [name, call, frame] of calls) {
    it(`${name}: ${frame}`, async () => {
      const limit = Error.stackTraceLimit;
      Error.stackTraceLimit = 50;
      try {
        const { bare, traced } = await bareAndTraced(async () => {
          try {
            await call();
            return 'resolved';
          } catch (error) {
            return String((error as Error).stack);
          }
        });
        // Node 26's undici makes the parse error outside the response's promise chain: no `at async`
        // frames at all there, and nothing to compare but the whole.
        if (bare.includes('at async ')) expect(bare).toContain(frame);
        expect(traced).toBe(bare);
        expect(traced).not.toContain('APIPromise.<anonymous>');
        expect(tracing.inferenceSpans()).toHaveLength(1);
      } finally {
        Error.stackTraceLimit = limit;
      }
    });
  }
});

describe('a stream whose iterator is not an async generator function (the fallback)', () => {
  it('its iterator reports itself as an async generator; the call sees every chunk, then its end; a second iteration is not observed', async () => {
    const seen: string[] = [];
    const call = {
      finishReasons: undefined as string[] | undefined,
      markChunk: () => seen.push('chunk'),
      end: () => seen.push('end'),
      fail: () => seen.push('fail'),
    };
    const values = [1, 2, 3];
    const makeStream = () => ({
      controller: new AbortController(),
      iterator: function iterator() {
        let index = 0;
        return { next: async () => (index < values.length ? { done: false, value: values[index++] } : { done: true, value: undefined }) };
      },
    });
    const stream = makeStream();
    observeStream(stream, call as never, {
      onChunk(chunk) {
        if (chunk === 3) call.finishReasons = ['stop'];
      },
    });
    expect(inspect(stream)).toBe(inspect(makeStream()));
    const iterator = stream.iterator() as AsyncIterator<number> & AsyncIterable<number>;
    expect(Object.prototype.toString.call(iterator)).toBe('[object AsyncGenerator]');
    expect(inspect(iterator)).toBe('Object [AsyncGenerator] {}');
    expect(iterator[Symbol.asyncIterator]()).toBe(iterator);
    const read: number[] = [];
    for await (const value of iterator) read.push(value);
    expect(read).toEqual(values);
    expect(seen).toEqual(['chunk', 'chunk', 'chunk', 'end']);
    const again = stream.iterator();
    expect(Object.prototype.toString.call(again)).toBe('[object Object]');
  });
});
