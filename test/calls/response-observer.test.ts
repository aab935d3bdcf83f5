/**
 * Response observation behind one interface (src/response-observer.ts): the plain-promise observer
 * on any SDK's native promises and async iterables, and the model-call wrapper handing it whatever
 * the SDK's own observer does not recognise.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { abandonHeldCalls } from '../../src/abandonment';
import { AnthropicInstrumentation } from '../../src/anthropic/instrumentation';
import { InferenceCall } from '../../src/inference-call';
import type { CallTelemetry } from '../../src/inference-call';
import { PromiseResponseObserver, UNOBSERVED } from '../../src/response-observer';
import type { ResponseMapping } from '../../src/response-observer';
import { asRecord } from '../../src/values';
import { settle, setupTracing } from '../helpers/tracing';

const tracing = setupTracing();
const telemetry: CallTelemetry = {
  tracer: tracing.provider.getTracer('otel-genai'),
  semconvMode: 'latest',
  metrics: undefined,
  content: undefined,
  logger: { emit() {}, enabled: () => false } as unknown as CallTelemetry['logger'],
};

/** A mapping of a made-up SDK: bodies `{ id, done }`, chunks `{ text, done? }`. */
const mapping: ResponseMapping<unknown, unknown> = {
  onBody(call, body) {
    call.responseId = asRecord(body)?.id as string | undefined;
    call.finishReasons = ['stop'];
  },
  chunkHandler(call) {
    return {
      onChunk(chunk) {
        if (asRecord(chunk)?.done === true) call.finishReasons = ['stop'];
      },
    };
  },
};

const newCall = () => new InferenceCall(telemetry, 'chat m', { 'gen_ai.operation.name': 'chat' } as Attributes, {}, undefined, {});
const observer = new PromiseResponseObserver();
const onlySpan = () => {
  expect(tracing.spans()).toHaveLength(1);
  return tracing.spans()[0];
};

beforeEach(() => tracing.exporter.reset());

async function* chunks(count: number, done = true) {
  for (let index = 0; index < count; index++) yield { text: `t${index}`, done: done && index === count - 1 };
}

describe('PromiseResponseObserver', () => {
  it('a promise of a body: the app gets the very body; the span ends with what it said', async () => {
    const body = { id: 'resp_1' };
    const handed = observer.observe(Promise.resolve(body), newCall(), mapping) as Promise<unknown>;
    expect(handed).toBeInstanceOf(Promise);
    expect(await handed).toBe(body);
    expect(onlySpan().attributes['gen_ai.response.id']).toBe('resp_1');
  });

  it('a rejected promise: the app gets the very error; the span fails once', async () => {
    const error = new TypeError('fetch failed');
    await expect(observer.observe(Promise.reject(error), newCall(), mapping)).rejects.toBe(error);
    expect(onlySpan().status.code).toBe(SpanStatusCode.ERROR);
  });

  it('a promise of an async generator: the same generator, observed in place, ends with the stream', async () => {
    const generator = chunks(3);
    const keys = Reflect.ownKeys(generator);
    const handed = await (observer.observe(Promise.resolve(generator), newCall(), mapping) as Promise<AsyncGenerator>);
    expect(handed).toBe(generator);
    expect(Object.keys(handed)).toEqual(keys.filter((key) => typeof key === 'string'));
    const read = [];
    for await (const chunk of handed) read.push(chunk);
    expect(read).toHaveLength(3);
    await settle();
    expect(onlySpan().status.code).toBe(SpanStatusCode.UNSET);
    expect(onlySpan().attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThanOrEqual(0);
  });

  it('a stream that ends without its final chunk fails as incomplete_stream; one left with break does not fail', async () => {
    for await (const _chunk of (await observer.observe(Promise.resolve(chunks(2, false)), newCall(), mapping)) as AsyncGenerator) {
      // read to the end
    }
    for await (const _chunk of (await observer.observe(Promise.resolve(chunks(5)), newCall(), mapping)) as AsyncGenerator) break;
    await settle();
    expect(tracing.spans().map((span) => span.attributes['error.type'])).toEqual(['incomplete_stream', undefined]);
  });

  it('an iterable that hands out its iterator: the first iterator is observed', async () => {
    const iterable = { [Symbol.asyncIterator]: () => chunks(2) };
    expect(observer.observe(iterable, newCall(), mapping)).toBe(iterable);
    let count = 0;
    for await (const _chunk of iterable) count++;
    expect(count).toBe(2);
    await settle();
    expect(onlySpan().status.code).toBe(SpanStatusCode.UNSET);
  });

  it('a stream the app holds unread ends, marked abandoned, when the process ends', async () => {
    const stream = await (observer.observe(Promise.resolve(chunks(3)), newCall(), mapping) as Promise<unknown>);
    abandonHeldCalls();
    expect(onlySpan().attributes['otel_genai.abandoned']).toBe(true);
    expect(stream).toBeDefined();
  });

  it('what it does not recognise (a plain value) is left alone', () => {
    expect(observer.observe({ id: 'x' }, newCall(), mapping)).toBe(UNOBSERVED);
  });
});

describe('the model-call wrapper', () => {
  it("a Stainless SDK's method that returns a native promise (a mock, a wrapper) gets the plain observer: the span has the response", async () => {
    const instrumentation = new AnthropicInstrumentation({ enabled: false });
    instrumentation.setTracerProvider(tracing.provider);
    const message = { id: 'msg_plain_1', model: 'claude-x', stop_reason: 'end_turn', usage: { input_tokens: 3, output_tokens: 2 } };
    const Messages = { prototype: { create: async () => message } };
    instrumentation.getModuleDefinitions()[0].patch?.({ Anthropic: { Messages } }, '1.0.0');
    const resource = Object.create(Messages.prototype, { _client: { value: { baseURL: 'https://api.anthropic.com' } } });
    expect(await resource.create({ model: 'claude-x', messages: [] })).toBe(message);
    await settle();
    expect(onlySpan().attributes).toMatchObject({
      'gen_ai.response.id': 'msg_plain_1',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.output_tokens': 2,
    });
  });
});
