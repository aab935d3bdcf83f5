/**
 * Every public helper fuzzed with telemetry that throws (issue 18, "go further" 2). fast-check
 * picks, independently for each method, whether it works, throws an Error, throws a non-error, or
 * (for factories) returns undefined: the tracer provider (`getTracer`), the tracer (`startSpan`,
 * `startActiveSpan`) and its spans (`spanContext`, `setAttribute`, `setAttributes`, `addEvent`,
 * `addLink`, `addLinks`, `setStatus`, `updateName`, `end`, `isRecording`, `recordException`); the
 * meter provider (`getMeter`), the meter's instrument factories and the instruments (`record`,
 * `add`); the logger provider (`getLogger`) and the logger (`emit`, `enabled`), registered through
 * `@opentelemetry/api` 1.10's `logs`, through `@opentelemetry/api-logs`, or both, or set on the
 * zero-code instrumentations; and `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN` unset, `logs` or
 * `logs/dup`. Under them it runs a few of: `withAgent`, `runTool`, `traceTool` (sync and async,
 * resolving and rejecting), model calls (plain, streamed, the SDKs' stream helpers, failing ones)
 * through `instrumentClient(client)` and through the zero-code instrumentations, against the
 * replay server.
 *
 * The property: the app's results and errors are what they are without any instrumentation (the
 * baselines are taken from an uninstrumented client before the faults), the helpers hand back the
 * very value or error, and nothing throws into the app: not the calls, not setting the providers,
 * and no uncaught exception or unhandled rejection afterwards.
 *
 * `FUZZ_SEED=<n>` replays one seed; `FUZZ_RUNS=<factor>` scales the run count.
 */
import { createRequire } from 'node:module';
import { logs, metrics, trace } from '@opentelemetry/api';
import type { Logger, LoggerProvider, Meter, MeterProvider, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import { logs as apiLogs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider as SDKLoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider as SDKMeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider as SDKTracerProvider } from '@opentelemetry/sdk-trace';
import * as AnthropicESM from '@anthropic-ai/sdk';
import * as OpenAIESM from 'openai';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, instrumentClient, OpenAIInstrumentation, runTool, traceTool, withAgent } from '../../src';
import { isOurs } from '../../src/genai-instrumentation';
import type { ReplayServer } from '../../src/testing/replay-server';
import { captureDiagSafely, FACTOR, fail, runs, show, throwingProxy } from '../helpers/hostile';
import { fixtureRequest, startFixtureServer } from '../helpers/replay';
import { errorShape } from '../helpers/scenario';
import { setupTracing } from '../helpers/tracing';

// ---------------------------------------------------------------------------------------------
// Sane telemetry, and the SDKs: a CommonJS copy the zero-code instrumentations patch, and the ES
// module copy (which no hook sees) for instrumentClient() and the baselines

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const tracing = setupTracing();
const saneTracerProvider = tracing.provider;
const saneMeterProvider = new SDKMeterProvider({ readers: [new TestReader()] });
const saneLoggerProvider = new SDKLoggerProvider({
  processors: [new SimpleLogRecordProcessor({ exporter: new InMemoryLogRecordExporter() })],
});
metrics.setGlobalMeterProvider(saneMeterProvider);
logs.setGlobalLoggerProvider(saneLoggerProvider);

const zeroCode = [new AnthropicInstrumentation(), new OpenAIInstrumentation()];
const require = createRequire(__filename);
const AnthropicCJS = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;
const OpenAICJS = require('openai').default as typeof import('openai').default;
const Anthropic = AnthropicESM.default;
const OpenAI = OpenAIESM.default;

/** What the hostile wrappers delegate to when a method is not faulted: real SDK objects, not registered. */
const innerTracerProvider = new SDKTracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: new InMemorySpanExporter() })] });
const innerMeterProvider = new SDKMeterProvider({ readers: [new TestReader()] });
const innerLoggerProvider = new SDKLoggerProvider({
  processors: [new SimpleLogRecordProcessor({ exporter: new InMemoryLogRecordExporter() })],
});

let server: ReplayServer;
let diagLines: string[] = [];

// ---------------------------------------------------------------------------------------------
// Faults

/**
 * `ok`: delegate; `throw`: throw an Error; `throwValue`: throw a non-error; `later`: delegate the
 * first two calls (of this object's method), then throw; for factories only, `undefined`: return
 * undefined, `proxy`: return a proxy whose every trap throws instead of the object.
 */
type Fault = 'ok' | 'throw' | 'throwValue' | 'later' | 'undefined' | 'proxy';

const SPAN_METHODS = [
  'spanContext',
  'setAttribute',
  'setAttributes',
  'addEvent',
  'addLink',
  'addLinks',
  'setStatus',
  'updateName',
  'end',
  'isRecording',
  'recordException',
] as const;
const INSTRUMENT_FACTORIES = [
  'createHistogram',
  'createCounter',
  'createUpDownCounter',
  'createGauge',
  'createObservableGauge',
  'createObservableCounter',
  'createObservableUpDownCounter',
] as const;

interface Faults {
  tracer: {
    where: 'none' | 'global' | 'instrumentation';
    getTracer: Fault;
    startSpan: Fault;
    startActiveSpan: Fault;
    span: Record<(typeof SPAN_METHODS)[number], Fault>;
  };
  meter: {
    where: 'none' | 'global' | 'instrumentation' | 'both';
    getMeter: Fault;
    factories: Record<(typeof INSTRUMENT_FACTORIES)[number], Fault>;
    record: Fault;
    add: Fault;
  };
  logger: {
    where: 'none' | 'api' | 'api-logs' | 'both' | 'instrumentation';
    getLogger: Fault;
    emit: Fault;
    enabled: Fault;
  };
  signal: '' | 'logs' | 'logs/dup';
}

const methodFault = fc.oneof(
  { arbitrary: fc.constant<Fault>('ok'), weight: 3 },
  { arbitrary: fc.constantFrom<Fault>('throw', 'throwValue', 'later'), weight: 1 },
);
const factoryFault = fc.oneof(
  { arbitrary: fc.constant<Fault>('ok'), weight: 3 },
  { arbitrary: fc.constantFrom<Fault>('throw', 'throwValue', 'later', 'undefined', 'proxy'), weight: 1 },
);
function record<K extends string>(keys: readonly K[], arb: fc.Arbitrary<Fault>): fc.Arbitrary<Record<K, Fault>> {
  return fc.record(Object.fromEntries(keys.map((key) => [key, arb]))) as unknown as fc.Arbitrary<Record<K, Fault>>;
}

const faultsArb: fc.Arbitrary<Faults> = fc.record({
  tracer: fc.record({
    where: fc.constantFrom('none' as const, 'global' as const, 'global' as const, 'instrumentation' as const),
    getTracer: factoryFault,
    startSpan: factoryFault,
    startActiveSpan: factoryFault,
    span: record(SPAN_METHODS, methodFault),
  }),
  meter: fc.record({
    where: fc.constantFrom('none' as const, 'global' as const, 'instrumentation' as const, 'both' as const),
    getMeter: factoryFault,
    factories: record(INSTRUMENT_FACTORIES, factoryFault),
    record: methodFault,
    add: methodFault,
  }),
  logger: fc.record({
    where: fc.constantFrom('none' as const, 'api' as const, 'api-logs' as const, 'both' as const, 'instrumentation' as const),
    getLogger: factoryFault,
    emit: methodFault,
    enabled: methodFault,
  }),
  signal: fc.constantFrom('' as const, 'logs' as const, 'logs/dup' as const),
});

/** What a faulted method does instead of its work. */
function faulted(fault: Fault, what: string): unknown {
  if (fault === 'throw' || fault === 'later') throw new Error(`${what} broke`);
  if (fault === 'throwValue') throw { broke: what };
  if (fault === 'proxy') return throwingProxy();
  return undefined;
}

/**
 * `method` under `fault`: the faulted behaviour, or `work` (delegation). A `later` fault lets the
 * first two calls through.
 */
function faultable<A extends unknown[], R>(fault: Fault, what: string, work: (...args: A) => R): (...args: A) => R {
  let calls = 0;
  return (...args: A) => {
    calls++;
    if (fault === 'ok' || (fault === 'later' && calls <= 2)) return work(...args);
    return faulted(fault, what) as R;
  };
}

function hostileSpan(inner: Span, faults: Faults['tracer']['span']): Span {
  const span: Record<string, unknown> = {};
  for (const method of SPAN_METHODS) {
    span[method] = faultable(faults[method], `span.${method}`, (...args: unknown[]) => {
      const result = (inner[method] as (...a: unknown[]) => unknown).apply(inner, args);
      return result === inner ? span : result;
    });
  }
  return span as unknown as Span;
}

function hostileTracer(inner: Tracer, faults: Faults['tracer']): Tracer {
  return {
    startSpan: faultable(faults.startSpan, 'tracer.startSpan', (...args: Parameters<Tracer['startSpan']>) =>
      hostileSpan(inner.startSpan(...args), faults.span),
    ),
    startActiveSpan: faultable(faults.startActiveSpan, 'tracer.startActiveSpan', (...args: unknown[]) => {
      const fn = args[args.length - 1] as (span: Span) => unknown;
      return (inner.startActiveSpan as (...a: unknown[]) => unknown)(...args.slice(0, -1), (span: Span) =>
        fn(hostileSpan(span, faults.span)),
      );
    }),
  } as Tracer;
}

function hostileTracerProvider(faults: Faults['tracer']): TracerProvider {
  return {
    getTracer: faultable(faults.getTracer, 'tracerProvider.getTracer', (name: string, version?: string, options?: object) =>
      hostileTracer(innerTracerProvider.getTracer(name, version, options), faults),
    ),
  };
}

function hostileInstrument(inner: Record<string, unknown>, faults: Faults['meter']): Record<string, unknown> {
  const instrument: Record<string, unknown> = {};
  for (const method of ['record', 'add', 'addCallback', 'removeCallback'] as const) {
    const fault = method === 'record' ? faults.record : method === 'add' ? faults.add : 'ok';
    instrument[method] = faultable(fault, `instrument.${method}`, (...args: unknown[]) =>
      (inner[method] as ((...a: unknown[]) => unknown) | undefined)?.apply(inner, args),
    );
  }
  return instrument;
}

function hostileMeterProvider(faults: Faults['meter']): MeterProvider {
  return {
    getMeter: faultable(faults.getMeter, 'meterProvider.getMeter', (name: string, version?: string, options?: object) => {
      const inner = innerMeterProvider.getMeter(name, version, options) as unknown as Record<
        string,
        (...a: unknown[]) => Record<string, unknown>
      >;
      const meter: Record<string, unknown> = {
        addBatchObservableCallback: () => {},
        removeBatchObservableCallback: () => {},
      };
      for (const factory of INSTRUMENT_FACTORIES) {
        meter[factory] = faultable(faults.factories[factory], `meter.${factory}`, (...args: unknown[]) =>
          hostileInstrument(inner[factory](...args), faults),
        );
      }
      return meter as unknown as Meter;
    }),
  };
}

function hostileLoggerProvider(faults: Faults['logger']): LoggerProvider {
  return {
    getLogger: faultable(faults.getLogger, 'loggerProvider.getLogger', (name: string, version?: string, options?: object) => {
      const inner = innerLoggerProvider.getLogger(name, version, options);
      return {
        emit: faultable(faults.emit, 'logger.emit', (record: Parameters<Logger['emit']>[0]) => inner.emit(record)),
        enabled: faultable(
          faults.enabled,
          'logger.enabled',
          (options?: Parameters<NonNullable<Logger['enabled']>>[0]) => inner.enabled?.(options) ?? true,
        ),
      } as Logger;
    }),
  };
}

/** Puts the faults in place. What setting a provider throws is a failure of the run (the app's setup code would get it). */
function install(faults: Faults): void {
  if (faults.signal) process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = faults.signal;
  else delete process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN;
  const tracerProvider = hostileTracerProvider(faults.tracer);
  if (faults.tracer.where === 'global') {
    trace.disable();
    trace.setGlobalTracerProvider(tracerProvider);
  } else if (faults.tracer.where === 'instrumentation') {
    for (const instrumentation of zeroCode) instrumentation.setTracerProvider(tracerProvider);
  }
  const meterProvider = hostileMeterProvider(faults.meter);
  if (faults.meter.where === 'global' || faults.meter.where === 'both') {
    metrics.disable();
    metrics.setGlobalMeterProvider(meterProvider);
  }
  if (faults.meter.where === 'instrumentation' || faults.meter.where === 'both') {
    for (const instrumentation of zeroCode) instrumentation.setMeterProvider(meterProvider);
  }
  const loggerProvider = hostileLoggerProvider(faults.logger);
  if (faults.logger.where === 'api' || faults.logger.where === 'both') {
    logs.disable();
    logs.setGlobalLoggerProvider(loggerProvider);
  }
  if (faults.logger.where === 'api-logs' || faults.logger.where === 'both') {
    if (faults.logger.where === 'api-logs') logs.disable();
    apiLogs.disable();
    apiLogs.setGlobalLoggerProvider(loggerProvider as unknown as Parameters<typeof apiLogs.setGlobalLoggerProvider>[0]);
  }
  if (faults.logger.where === 'instrumentation') {
    for (const instrumentation of zeroCode) instrumentation.setLoggerProvider(loggerProvider);
  }
}

/** Back to the sane providers, the zero-code instrumentations following the global ones. */
function restore(): void {
  delete process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN;
  trace.disable();
  trace.setGlobalTracerProvider(saneTracerProvider);
  metrics.disable();
  metrics.setGlobalMeterProvider(saneMeterProvider);
  logs.disable();
  apiLogs.disable();
  logs.setGlobalLoggerProvider(saneLoggerProvider);
  for (const instrumentation of zeroCode) {
    instrumentation.setConfig({});
    instrumentation.setTracerProvider(trace.getTracerProvider());
    instrumentation.setMeterProvider(saneMeterProvider);
    instrumentation.setLoggerProvider(logs.getLoggerProvider());
  }
}

// ---------------------------------------------------------------------------------------------
// The app's calls

type Provider = 'anthropic' | 'openai';

interface ModelCall {
  provider: Provider;
  fixture: string;
  run: (client: AnyClient, params: Record<string, unknown>) => Promise<unknown>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests to two SDKs
type AnyClient = any;

async function drain(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}

const MODEL_CALLS: Record<string, ModelCall> = {
  'anthropic create': {
    provider: 'anthropic',
    fixture: 'anthropic/messages-text',
    run: (c, p) => c.messages.create({ ...p, max_tokens: 100 }),
  },
  'anthropic create, streamed': {
    provider: 'anthropic',
    fixture: 'anthropic/messages-stream-text',
    run: async (c, p) => drain(await c.messages.create({ ...p, max_tokens: 200 })),
  },
  'anthropic messages.stream()': {
    provider: 'anthropic',
    fixture: 'anthropic/messages-stream-text',
    run: async (c, { stream: _stream, ...p }) => {
      const stream = c.messages.stream({ ...p, max_tokens: 200 });
      const events = await drain(stream);
      return { events, final: await stream.finalMessage() };
    },
  },
  'anthropic beta create': {
    provider: 'anthropic',
    fixture: 'anthropic/beta-messages-text',
    run: (c, p) => c.beta.messages.create({ ...p, max_tokens: 50 }),
  },
  'anthropic create, 429': {
    provider: 'anthropic',
    fixture: 'anthropic/messages-error-429',
    run: (c, p) => c.messages.create({ ...p, max_tokens: 50 }),
  },
  'anthropic create, streamed, error event': {
    provider: 'anthropic',
    fixture: 'anthropic/messages-stream-error-event',
    run: async (c, p) => drain(await c.messages.create({ ...p, max_tokens: 50 })),
  },
  'anthropic tool use': {
    provider: 'anthropic',
    fixture: 'anthropic/messages-tool-use',
    run: (c, p) => c.messages.create({ ...p, max_tokens: 200 }),
  },
  'anthropic tool result': {
    provider: 'anthropic',
    fixture: 'anthropic/messages-tool-result',
    run: (c, p) => c.messages.create({ ...p, max_tokens: 200 }),
  },
  'openai chat': { provider: 'openai', fixture: 'openai/chat-text', run: (c, p) => c.chat.completions.create(p) },
  'openai chat, streamed': {
    provider: 'openai',
    fixture: 'openai/chat-stream',
    run: async (c, p) => drain(await c.chat.completions.create(p)),
  },
  'openai chat.completions.stream()': {
    provider: 'openai',
    fixture: 'openai/chat-stream',
    run: async (c, { stream: _stream, ...p }) => {
      const stream = c.chat.completions.stream(p);
      const chunks = await drain(stream);
      return { chunks, final: await stream.finalChatCompletion() };
    },
  },
  'openai chat, 400': { provider: 'openai', fixture: 'openai/chat-error-400', run: (c, p) => c.chat.completions.create(p) },
  'openai chat tool calls': { provider: 'openai', fixture: 'openai/chat-tool-calls', run: (c, p) => c.chat.completions.create(p) },
  'openai chat tool results': { provider: 'openai', fixture: 'openai/chat-tool-results', run: (c, p) => c.chat.completions.create(p) },
  'openai responses': { provider: 'openai', fixture: 'openai/responses-text', run: (c, p) => c.responses.create(p) },
  'openai responses, streamed': {
    provider: 'openai',
    fixture: 'openai/responses-stream',
    run: async (c, p) => drain(await c.responses.create(p)),
  },
  'openai embeddings': { provider: 'openai', fixture: 'openai/embeddings', run: (c, p) => c.embeddings.create(p) },
  'anthropic beta.messages.toolRunner()': {
    provider: 'anthropic',
    fixture: 'anthropic/messages-tool-use',
    run: async (c, { tools, ...p }) => {
      const sunny = ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' });
      const runner = c.beta.messages.toolRunner({ ...p, max_tokens: 1024, tools: [{ ...(tools as object[])[0], run: sunny }] });
      return (await runner).content;
    },
  },
  'openai chat.completions.runTools()': {
    provider: 'openai',
    fixture: 'openai/chat-tool-calls',
    run: (c, { tools, ...p }) => {
      const { name, description, parameters } = (tools as Array<{ function: Record<string, unknown> }>)[0].function;
      const getWeather = ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 18 });
      return c.chat.completions
        .runTools({
          ...p,
          tools: [{ type: 'function', function: { function: getWeather, parse: JSON.parse, name, description, parameters } }],
        })
        .finalContent();
    },
  },
};
const CALL_NAMES = Object.keys(MODEL_CALLS);

/** What the app can observe of a call's outcome, comparable across clients and SDK copies. */
type Observed = { ok: true; value: string } | { ok: false; error: ReturnType<typeof errorShape> };

async function observe(call: ModelCall, client: AnyClient): Promise<Observed> {
  try {
    const value = await call.run(client, fixtureRequest(call.fixture));
    return { ok: true, value: JSON.stringify(value) };
  } catch (error) {
    return { ok: false, error: errorShape(error) };
  }
}

function newClient(provider: Provider, copy: 'esm' | 'cjs'): AnyClient {
  if (provider === 'anthropic') {
    const Client = copy === 'esm' ? Anthropic : AnthropicCJS;
    return new Client({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
  }
  const Client = copy === 'esm' ? OpenAI : OpenAICJS;
  return new Client({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
}

/** Each call's outcome without any instrumentation, taken before any fault. */
const baselines = new Map<string, Observed>();

type Mode = 'sync' | 'async';
type Op =
  | {
      k: 'model';
      call: string;
      via: 'zero-code' | 'instrumentClient';
      capture: false | true | 'EVENT_ONLY' | 'SPAN_AND_EVENT';
      fresh: boolean;
    }
  | { k: 'runTool' | 'traceTool'; mode: Mode; fails: boolean; callId: boolean }
  | { k: 'withAgent'; mode: Mode; fails: boolean; inside: Op[] };

const modelOp = fc.record({
  k: fc.constant('model' as const),
  call: fc.constantFrom(...CALL_NAMES),
  via: fc.constantFrom('zero-code' as const, 'instrumentClient' as const),
  capture: fc.constantFrom<false | true | 'EVENT_ONLY' | 'SPAN_AND_EVENT'>(false, true, 'EVENT_ONLY', 'SPAN_AND_EVENT'),
  fresh: fc.boolean(),
});
const toolOp = fc.record({
  k: fc.constantFrom('runTool' as const, 'traceTool' as const),
  mode: fc.constantFrom<Mode>('sync', 'async'),
  fails: fc.boolean(),
  callId: fc.boolean(),
});
const opArb: fc.Arbitrary<Op> = fc.oneof(
  modelOp,
  toolOp,
  fc.record({
    k: fc.constant('withAgent' as const),
    mode: fc.constantFrom<Mode>('sync', 'async'),
    fails: fc.boolean(),
    inside: fc.array(fc.oneof(modelOp, toolOp), { maxLength: 3 }),
  }),
);

let freshConfigs = 0;

/** A client for `op`: a zero-code one (the CommonJS copy), or an instrumentClient()ed ES module one. */
function clientFor(op: Extract<Op, { k: 'model' }>): AnyClient {
  const call = MODEL_CALLS[op.call];
  if (op.via === 'zero-code') {
    for (const instrumentation of zeroCode) instrumentation.setConfig({ captureMessageContent: op.capture });
    return newClient(call.provider, 'cjs');
  }
  // A config never seen makes instrumentClient() build a new instrumentation, under the faults.
  const config = op.fresh
    ? { captureMessageContent: op.capture, maxContentLength: 100_000 + freshConfigs++ }
    : { captureMessageContent: op.capture };
  const client = newClient(call.provider, 'esm');
  const returned = instrumentClient(client, config);
  if (returned !== client) fail('instrumentClient() returned another object');
  return client;
}

const TOOL_USE_IDS = ['toolu_01qZru8cdgXwJyMEbVaFvDsj', 'call_towiSyY2E2cNJtAdJGZDwU25'];

/** Runs `op` as an app would, checking what the app gets; returns when everything it started settled. */
async function runOp(op: Op, where: string): Promise<void> {
  if (op.k === 'model') {
    const observed = await observe(MODEL_CALLS[op.call], clientFor(op));
    expectEqual(`${where}: ${op.call} through ${op.via}`, observed, baselines.get(op.call));
    return;
  }
  const value = { result: op.k, nested: [1, 'two'] };
  const error = new RangeError(`${op.k} failed`);
  const body = op.mode === 'sync' ? () => settle(op.fails, value, error) : async () => settle(op.fails, value, error);
  if (op.k === 'withAgent') {
    const agentBody =
      op.mode === 'sync'
        ? body
        : async () => {
            for (const [index, inner] of op.inside.entries()) await runOp(inner, `${where} inside withAgent #${index}`);
            return body();
          };
    await expectOutcome(
      `${where}: withAgent`,
      op.mode,
      () => withAgent({ name: 'fuzzed_agent', model: 'claude-sonnet-5-5', maxToolCalls: 0 }, agentBody),
      op.fails,
      value,
      error,
    );
    return;
  }
  const callId = op.callId ? TOOL_USE_IDS[Number(op.mode === 'async')] : undefined;
  const traced =
    op.k === 'runTool'
      ? () => runTool({ name: 'fuzzed_tool', callId, arguments: { location: 'Lisbon' } }, body)
      : () => traceTool({ name: 'fuzzed_tool', callId: (_input: unknown) => callId }, (_input: unknown) => body())({ location: 'Lisbon' });
  await expectOutcome(`${where}: ${op.k}`, op.mode, traced, op.fails, value, error);
}

function settle(fails: boolean, value: unknown, error: unknown): unknown {
  if (fails) throw error;
  return value;
}

async function expectOutcome(what: string, mode: Mode, call: () => unknown, fails: boolean, value: unknown, error: unknown): Promise<void> {
  let result: unknown;
  try {
    result = call();
  } catch (thrown) {
    if (mode === 'sync' && fails && thrown === error) return;
    fail(`${what} threw ${thrown === error ? 'the error synchronously' : show(thrown)}`);
  }
  if (mode === 'sync') {
    if (fails) fail(`${what} returned ${show(result)} instead of throwing`);
    if (result !== value) fail(`${what} returned ${show(result)}, not the very value`);
    return;
  }
  try {
    const resolved = await result;
    if (fails) fail(`${what} resolved ${show(resolved)} instead of rejecting`);
    if (resolved !== value) fail(`${what} resolved ${show(resolved)}, not the very value`);
  } catch (rejected) {
    if (!fails || rejected !== error) fail(`${what} rejected with ${show(rejected)}`);
  }
}

function expectEqual(what: string, observed: Observed, baseline: Observed | undefined): void {
  if (baseline === undefined) fail(`${what}: no baseline`);
  if (JSON.stringify(observed) !== JSON.stringify(baseline))
    fail(
      `${what}: the app saw ${JSON.stringify(observed).slice(0, 300)}, without instrumentation ${JSON.stringify(baseline).slice(0, 300)}`,
    );
}

// ---------------------------------------------------------------------------------------------
// Uncaught problems: anything thrown or rejected outside the app's own calls

const uncaught: unknown[] = [];
const onUncaught = (problem: unknown) => uncaught.push(problem);

beforeAll(async () => {
  diagLines = captureDiagSafely();
  server = await startFixtureServer(0);
  // The ES module copy is one no hook saw: instrumentClient() is its way in.
  expect(isOurs(Anthropic.Messages.prototype.create)).toBe(false);
  expect(isOurs(AnthropicCJS.Messages.prototype.create)).toBe(true);
  for (const [name, call] of Object.entries(MODEL_CALLS)) {
    server.reset();
    baselines.set(name, await observe(call, newClient(call.provider, 'esm')));
  }
  process.on('unhandledRejection', onUncaught);
  process.on('uncaughtException', onUncaught);
});
afterAll(async () => {
  process.off('unhandledRejection', onUncaught);
  process.off('uncaughtException', onUncaught);
  restore();
  for (const instrumentation of zeroCode) instrumentation.disable();
  await server.close();
});
afterEach(() => restore());

describe('every public helper under throwing providers', () => {
  it('the baselines are what the fixtures say (the app gets answers and errors)', () => {
    expect(baselines.get('anthropic create')).toMatchObject({ ok: true });
    expect(baselines.get('anthropic create, 429')).toMatchObject({ ok: false, error: { name: 'RateLimitError', status: 429 } });
    expect(baselines.get('openai chat, 400')).toMatchObject({ ok: false, error: { name: 'BadRequestError', status: 400 } });
    expect(baselines.get('openai embeddings')).toMatchObject({ ok: true });
    expect(baselines.get('anthropic beta.messages.toolRunner()')).toEqual({ ok: true, value: expect.stringContaining('sunny in Lisbon') });
    expect(baselines.get('openai chat.completions.runTools()')).toEqual({
      ok: true,
      value: expect.stringContaining('18 °C in both Paris and London'),
    });
  });

  it('with sane providers, both ways of tracing a client make spans (so the faults below reach our code)', async () => {
    tracing.exporter.reset();
    for (const via of ['zero-code', 'instrumentClient'] as const) {
      for (const call of ['anthropic create', 'openai chat, streamed']) {
        await runOp({ k: 'model', call, via, capture: false, fresh: false }, 'sanity');
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(tracing.inferenceSpans().map((span) => span.name)).toEqual([
      'chat claude-sonnet-5-5',
      'chat gpt-4o-mini',
      'chat claude-sonnet-5-5',
      'chat gpt-4o-mini',
    ]);
  });

  it(
    'withAgent, runTool, traceTool, instrumentClient and zero-code model calls: the app sees the same results and errors, nothing throws into it',
    async () => {
      let reported = 0;
      await fc.assert(
        fc.asyncProperty(faultsArb, fc.array(opArb, { minLength: 1, maxLength: 3 }), async (faults, ops) => {
          uncaught.length = 0;
          diagLines.length = 0;
          server.reset();
          try {
            try {
              install(faults);
            } catch (problem) {
              fail(`setting the providers threw ${show(problem)}`);
            }
            for (const [index, op] of ops.entries()) await runOp(op, `op #${index}`);
            // Span ends, metrics and records that happen a few ticks after the app got its result.
            await new Promise((resolve) => setTimeout(resolve, 5));
            if (uncaught.length > 0)
              fail(`uncaught: ${uncaught.map((problem) => (problem instanceof Error ? problem.stack : show(problem))).join('\n')}`);
            reported += diagLines.filter((line) => line.includes(' broke')).length;
          } finally {
            restore();
          }
        }),
        runs(250, 40_000),
      );
      // The faults were met, and reported through diag rather than thrown.
      expect(reported).toBeGreaterThan(0);
    },
    60_000 * Math.max(1, FACTOR),
  );
});
