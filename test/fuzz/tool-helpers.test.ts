/**
 * The tool and agent helpers fuzzed (issue 18, "go further" 1): `runTool`, `traceTool` and
 * `withAgent`, sync and async, resolving and rejecting, with content capture off and on (through
 * an instrumentation's `captureMessageContent`, for a tool call a traced response asked for, and
 * through `runTool`'s own `content` option), with and without a `redact` hook that throws or returns
 * odd values, over hostile values: circular objects, BigInts, throwing `toJSON` and getters,
 * proxies that throw on every trap, revoked proxies, frozen objects, huge strings, deep nesting,
 * odd errors and thrown non-errors; and over hostile options objects (getters that throw on
 * `name`, `arguments`, `callId`…, non-string names, proxies, null).
 *
 * Each property checks, for every run:
 * - identity: the app gets back exactly the value its function returned (synchronously, for a
 *   synchronous function) or exactly the error it threw; for an async function (or a sync one
 *   returning a promise or another thenable), a promise that settles with the very value or error
 *   that awaiting the function's own result gives; `traceTool` hands the function the very `this`
 *   and arguments;
 * - every span started (counted by a span processor's `onStart`) ends exactly once (`onEnd`), and
 *   `end()` is never called twice;
 * - every attribute value on spans, span events, links, log records and metric points is a valid
 *   OpenTelemetry attribute value (string, finite number, boolean, homogeneous array);
 * - capture off: no tool arguments or result on any span; capture on with plain JSON values and no
 *   hook: the result (and arguments) recorded exactly, so that the check can fail.
 *
 * A fourth property: a function that throws or rejects, whatever with, makes an ERROR span with
 * `error.type`. The tests after the properties are the minimal reproductions of what they found.
 *
 * `FUZZ_SEED=<n>` replays one seed; `FUZZ_RUNS=<factor>` scales the run counts.
 */
import { createRequire } from 'node:module';
import { diag, DiagLogLevel, logs, metrics, SpanStatusCode } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, runTool, traceTool, withAgent } from '../../src';
import { InferenceCall } from '../../src/inference-call';
import type { ReplayServer } from '../../src/testing/replay-server';
import {
  captureDiagSafely,
  errorSpec,
  FACTOR,
  fail,
  invalidAttributes,
  makeError,
  makeThenable,
  makeValue,
  runs,
  show,
  throwingProxy,
  TRAP_ERROR,
  valueSpec,
} from '../helpers/hostile';
import type { ErrorSpec, ValueSpec } from '../helpers/hostile';
import { fixtureRequest, startFixtureServer } from '../helpers/replay';
import { setupTracing } from '../helpers/tracing';

// ---------------------------------------------------------------------------------------------
// Telemetry: real SDK providers, in memory; a processor that counts starts and ends

/** Spans started in the current run (by id), and every span's end count. */
const starts = new Map<string, string>();
const ends = new Map<string, number>();
const counter: SpanProcessor = {
  onStart(span) {
    starts.set(span.spanContext().spanId, (span as unknown as ReadableSpan).name);
  },
  onEnd(span) {
    const id = span.spanContext().spanId;
    ends.set(id, (ends.get(id) ?? 0) + 1);
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};
const tracing = setupTracing([counter]);

class DeltaReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.DELTA });
  }
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}
const reader = new DeltaReader();
// Before the instrumentation exists: it takes its meter from the global provider when built.
metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
const logExporter = new InMemoryLogRecordExporter();
logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] }));

const instrumentation = new AnthropicInstrumentation();
const Anthropic = createRequire(__filename)('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;

let server: ReplayServer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
let client: any;
let diagLines: string[] = [];

/** A response asking for one tool call: a `runTool` with its id records under the instrumentation's content settings. */
const TOOL_USE_REQUEST = fixtureRequest('anthropic/messages-tool-use');
const TOOL_USE_ID = 'toolu_01qZru8cdgXwJyMEbVaFvDsj';

beforeAll(async () => {
  diagLines = captureDiagSafely();
  server = await startFixtureServer(0);
  client = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0, openTelemetry: false });
});
afterAll(async () => {
  await server.close();
  instrumentation.disable();
  delete process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN;
  delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
});

// ---------------------------------------------------------------------------------------------
// Scenario specs (plain data: a counterexample prints as data)

type Mode = 'sync' | 'async' | 'later';
type Outcome = { k: 'return'; v: ValueSpec } | { k: 'throw'; e: ErrorSpec };
type Source = 'none' | 'instrumentation' | 'option';
type CaptureSetting = boolean | 'NO_CONTENT' | 'SPAN_ONLY' | 'EVENT_ONLY' | 'SPAN_AND_EVENT' | 'span_only' | 7 | undefined;

type RedactSpec =
  | { k: 'none' }
  | { k: 'identity' }
  | { k: 'throw'; e: ErrorSpec }
  | { k: 'return'; v: ValueSpec }
  | { k: 'content'; v: ValueSpec }
  | { k: 'drop' }
  | { k: 'notAFunction' };

interface ContentSpec {
  capture: CaptureSetting;
  redact: RedactSpec;
  maxContentLength: number | undefined;
  captureBinaryContent: unknown;
}

/** One field of an options object: absent, the natural good value, an odd value, or a getter that throws (at once, or after `n` reads). */
type FieldSpec =
  | { k: 'absent' }
  | { k: 'good' }
  | { k: 'odd'; v: ValueSpec }
  | { k: 'prim'; v: string | number | boolean | null | undefined }
  | { k: 'throws' }
  | { k: 'throwsAfter'; n: number };

type OptionsSpec =
  { k: 'object'; frozen: boolean; fields: Record<string, FieldSpec> } | { k: 'proxy' } | { k: 'null' } | { k: 'undefined' };

const TOOL_FIELDS = ['name', 'callId', 'type', 'description', 'arguments', 'content'] as const;
const AGENT_FIELDS = [
  'name',
  'description',
  'version',
  'id',
  'conversationId',
  'provider',
  'model',
  'maxModelCalls',
  'maxToolCalls',
  'repeatThreshold',
] as const;

interface ToolCallSpec {
  mode: Mode;
  outcome: Outcome;
  options: OptionsSpec;
  /** `arguments` for runTool (when its field is good), the call's arguments for traceTool. */
  args: ValueSpec[];
}

interface Scenario {
  tool: ToolCallSpec;
  source: Source;
  content: ContentSpec;
  signal: '' | 'logs' | 'logs/dup';
  envCapture: string | undefined;
}

interface AgentScenario extends Scenario {
  agent: { mode: Mode; outcome: Outcome; options: OptionsSpec; modelCall: boolean; runsTool: boolean };
}

const modeArb = fc.constantFrom<Mode>('sync', 'async', 'later');
const outcomeArb = (hugeMax?: number): fc.Arbitrary<Outcome> =>
  fc.oneof(
    { arbitrary: fc.record({ k: fc.constant('return' as const), v: valueSpec(hugeMax) }), weight: 3 },
    { arbitrary: fc.record({ k: fc.constant('throw' as const), e: errorSpec() }), weight: 2 },
  );

const redactArb: fc.Arbitrary<RedactSpec> = fc.oneof(
  { arbitrary: fc.constant({ k: 'none' as const }), weight: 4 },
  { arbitrary: fc.constant({ k: 'identity' as const }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('throw' as const), e: errorSpec() }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('return' as const), v: valueSpec(1000) }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('content' as const), v: valueSpec(1000) }), weight: 1 },
  { arbitrary: fc.constant({ k: 'drop' as const }), weight: 1 },
  { arbitrary: fc.constant({ k: 'notAFunction' as const }), weight: 1 },
);

const contentArb: fc.Arbitrary<ContentSpec> = fc.record({
  capture: fc.constantFrom<CaptureSetting>(
    true,
    true,
    'SPAN_ONLY',
    'SPAN_AND_EVENT',
    false,
    'NO_CONTENT',
    'EVENT_ONLY',
    'span_only',
    7,
    undefined,
  ),
  redact: redactArb,
  maxContentLength: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.constantFrom(0, 1, 12, 64, 1000, -5, NaN, 1e9), weight: 1 },
  ),
  captureBinaryContent: fc.oneof(
    { arbitrary: fc.constant(undefined), weight: 4 },
    { arbitrary: fc.constantFrom<unknown>(true, false, 'yes', 0), weight: 1 },
  ),
});

const fieldArb: fc.Arbitrary<FieldSpec> = fc.oneof(
  { arbitrary: fc.constant({ k: 'good' as const }), weight: 12 },
  { arbitrary: fc.constant({ k: 'absent' as const }), weight: 2 },
  { arbitrary: fc.record({ k: fc.constant('odd' as const), v: valueSpec(5000) }), weight: 1 },
  {
    arbitrary: fc.record({
      k: fc.constant('prim' as const),
      v: fc.constantFrom<string | number | boolean | null | undefined>(
        '',
        0,
        -1,
        NaN,
        Infinity,
        1.5,
        true,
        null,
        undefined,
        'x'.repeat(300),
      ),
    }),
    weight: 1,
  },
  { arbitrary: fc.constant({ k: 'throws' as const }), weight: 1 },
  { arbitrary: fc.record({ k: fc.constant('throwsAfter' as const), n: fc.integer({ min: 1, max: 4 }) }), weight: 1 },
);

function optionsArb(fields: readonly string[]): fc.Arbitrary<OptionsSpec> {
  const record = Object.fromEntries(fields.map((field) => [field, fieldArb])) as Record<string, fc.Arbitrary<FieldSpec>>;
  return fc.oneof(
    { arbitrary: fc.record({ k: fc.constant('object' as const), frozen: fc.boolean(), fields: fc.record(record) }), weight: 20 },
    { arbitrary: fc.constantFrom<OptionsSpec>({ k: 'proxy' }, { k: 'null' }, { k: 'undefined' }), weight: 1 },
  );
}

/** Good options (all fields natural) with the given probability, otherwise hostile ones. */
const goodOptions = (fields: readonly string[]): OptionsSpec => ({
  k: 'object',
  frozen: false,
  fields: Object.fromEntries(fields.map((field) => [field, { k: 'good' as const }])),
});
const toolOptionsArb = fc.oneof(
  { arbitrary: fc.constant(goodOptions(TOOL_FIELDS)), weight: 1 },
  { arbitrary: optionsArb(TOOL_FIELDS), weight: 2 },
);
const agentOptionsArb = fc.oneof(
  { arbitrary: fc.constant(goodOptions(AGENT_FIELDS)), weight: 1 },
  { arbitrary: optionsArb(AGENT_FIELDS), weight: 2 },
);

const toolCallArb = (maxArgs: number): fc.Arbitrary<ToolCallSpec> =>
  fc.record({
    mode: modeArb,
    outcome: outcomeArb(),
    options: toolOptionsArb,
    args: fc.array(valueSpec(50_000), { minLength: 0, maxLength: maxArgs }),
  });

const scenarioFields = {
  source: fc.constantFrom<Source>('none', 'instrumentation', 'option'),
  content: contentArb,
  signal: fc.constantFrom<'' | 'logs' | 'logs/dup'>('', 'logs', 'logs/dup'),
  envCapture: fc.constantFrom<string | undefined>(undefined, undefined, 'true', 'SPAN_AND_EVENT', 'nonsense'),
};

const runToolScenario: fc.Arbitrary<Scenario> = fc.record({ tool: toolCallArb(1), ...scenarioFields });
const traceToolScenario: fc.Arbitrary<Scenario> = fc.record({ tool: toolCallArb(3), ...scenarioFields });
const agentScenario: fc.Arbitrary<AgentScenario> = fc.record({
  tool: toolCallArb(1),
  ...scenarioFields,
  agent: fc.record({ mode: modeArb, outcome: outcomeArb(), options: agentOptionsArb, modelCall: fc.boolean(), runsTool: fc.boolean() }),
});

// ---------------------------------------------------------------------------------------------
// Building what a spec describes

/** A redact hook as `spec` says (or `undefined`). */
function makeRedact(spec: RedactSpec): unknown {
  switch (spec.k) {
    case 'none':
      return undefined;
    case 'identity':
      return (part: unknown) => part;
    case 'throw':
      return () => {
        throw makeError(spec.e);
      };
    case 'return':
      return () => makeValue(spec.v);
    case 'content':
      return (part: { type?: unknown }) => ({ type: typeof part?.type === 'string' ? part.type : 'text', content: makeValue(spec.v) });
    case 'drop':
      return () => undefined;
    case 'notAFunction':
      return 5;
  }
}

function makeContentOptions(spec: ContentSpec): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  if (spec.capture !== undefined) options.captureMessageContent = spec.capture;
  const redact = makeRedact(spec.redact);
  if (redact !== undefined) options.redact = redact;
  if (spec.maxContentLength !== undefined) options.maxContentLength = spec.maxContentLength;
  if (spec.captureBinaryContent !== undefined) options.captureBinaryContent = spec.captureBinaryContent;
  return options;
}

/** An options object whose fields are as `spec` says; `good` gives each field's natural value. */
function makeOptions(spec: OptionsSpec, good: Record<string, () => unknown>): unknown {
  if (spec.k === 'proxy') return throwingProxy();
  if (spec.k === 'null') return null;
  if (spec.k === 'undefined') return undefined;
  const options: Record<string, unknown> = {};
  for (const [field, fieldSpec] of Object.entries(spec.fields)) {
    switch (fieldSpec.k) {
      case 'absent':
        break;
      case 'good': {
        const value = good[field]?.();
        if (value !== undefined) options[field] = value;
        break;
      }
      case 'odd':
        options[field] = makeValue(fieldSpec.v);
        break;
      case 'prim':
        options[field] = fieldSpec.v;
        break;
      case 'throws':
        Object.defineProperty(options, field, {
          enumerable: true,
          get() {
            throw new Error(`options.${field} refuses`);
          },
        });
        break;
      case 'throwsAfter': {
        let reads = 0;
        const value = good[field]?.();
        Object.defineProperty(options, field, {
          enumerable: true,
          get() {
            if (++reads > fieldSpec.n) throw new Error(`options.${field} refuses after ${fieldSpec.n} reads`);
            return value;
          },
        });
        break;
      }
    }
  }
  if (spec.frozen) Object.freeze(options);
  return options;
}

type Settled = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A function that settles as `outcome` says, and what its one call gave (`undefined` until it runs). */
interface AppFunction {
  fn: (...args: unknown[]) => unknown;
  produced: { ok: boolean; value: unknown };
  call: Settled | undefined;
}

/**
 * A function that settles as `outcome` says, sync or async, with one value or error made for the
 * run, recording what its call gave (the promise itself, for an async one) for the identity check.
 */
function makeFunction(mode: Mode, outcome: Outcome): AppFunction {
  const produced = outcome.k === 'return' ? { ok: true, value: makeValue(outcome.v) } : { ok: false, value: makeError(outcome.e) };
  const settle = () => {
    if (produced.ok) return produced.value;
    throw produced.value;
  };
  const body =
    mode === 'sync'
      ? settle
      : mode === 'async'
        ? async () => settle()
        : () =>
            new Promise((resolve, reject) => {
              setTimeout(() => (produced.ok ? resolve(produced.value) : reject(produced.value)), 0);
            });
  const app: AppFunction = {
    produced,
    call: undefined,
    fn: () => {
      if (app.call !== undefined) fail('the function ran twice');
      app.call = callSync(body);
      if (!app.call.ok) throw app.call.error;
      return app.call.value;
    },
  };
  return app;
}

/** How a call settles: synchronously (a value or a throw), or, for a promise-like, once awaited. */
function callSync(call: () => unknown): Settled {
  try {
    return { ok: true, value: call() };
  } catch (error) {
    return { ok: false, error };
  }
}

async function awaited(value: unknown): Promise<Settled> {
  try {
    return { ok: true, value: await value };
  } catch (error) {
    return { ok: false, error };
  }
}

function describeSettled(settled: Settled): string {
  return settled.ok ? `returned ${show(settled.value)}` : `threw ${settled.error === TRAP_ERROR ? 'TRAP_ERROR' : show(settled.error)}`;
}

function isThenable(value: unknown): boolean {
  try {
    return typeof (value as { then?: unknown } | null)?.then === 'function';
  } catch {
    // A `then` that cannot be read: not a thenable, returned as it is.
    return false;
  }
}

function handled(settled: Settled): void {
  try {
    if (settled.ok && settled.value instanceof Promise) settled.value.catch(() => undefined);
  } catch {
    // `instanceof` on a proxy that throws: not a promise of ours.
  }
}

const same = (a: Settled, b: Settled) => a.ok === b.ok && Object.is(a.ok ? a.value : a.error, b.ok ? b.value : b.error);

/**
 * The app's side: the helper's call must settle exactly as the function's own call did: the very
 * value or error, synchronously for a sync function; for an async one, a promise that settles with
 * the very value or error the function's own promise settles with.
 */
async function expectSame(what: string, mode: Mode, traced: Settled, app: AppFunction): Promise<void> {
  // Whatever fails below, no promise of the run is left rejected and unhandled.
  handled(traced);
  if (mode === 'sync') {
    const own = app.call;
    if (own === undefined) fail(`${what}: the function never ran (the helper ${describeSettled(traced)})`);
    // A sync function that returned a promise or another thenable: a promise of the same outcome
    // (README, "Agents and tools": "for a promise, a promise of the same value"), whatever `await` makes of it.
    if (!(own.ok && isThenable(own.value))) {
      if (!same(traced, own)) fail(`${what}: the function ${describeSettled(own)} synchronously, the helper ${describeSettled(traced)}`);
      return;
    }
  }
  if (!traced.ok) fail(`${what}: an async function's helper threw synchronously: ${describeSettled(traced)}`);
  const settled = await awaited(traced.value);
  const own = app.call;
  if (own === undefined) fail(`${what}: the function never ran (the helper's promise ${describeSettled(settled)})`);
  if (!own.ok) fail(`${what}: the async function threw synchronously`);
  const expected = await awaited(own.value);
  if (!same(settled, expected))
    fail(`${what}: the function's promise ${describeSettled(expected)}, the helper's ${describeSettled(settled)}`);
}

// ---------------------------------------------------------------------------------------------
// Checks on the telemetry of one run

const CONTENT_ATTRIBUTES = ['gen_ai.tool.call.arguments', 'gen_ai.tool.call.result'];
const MODES = ['NO_CONTENT', 'SPAN_ONLY', 'EVENT_ONLY', 'SPAN_AND_EVENT'];

/** Whether content settings put tool content on spans (as the README says `captureMessageContent` and the environment do). */
function capturesOnSpans(capture: CaptureSetting, env: string | undefined): boolean {
  let mode: string;
  if (capture === true) mode = 'SPAN_ONLY';
  else if (capture === false) mode = 'NO_CONTENT';
  else if (capture !== undefined) mode = typeof capture === 'string' && MODES.includes(capture) ? capture : 'NO_CONTENT';
  else if (env === undefined || env.trim() === '') mode = 'NO_CONTENT';
  else
    mode =
      env.trim().toLowerCase() === 'true'
        ? 'SPAN_ONLY'
        : MODES.includes(env.trim().toUpperCase())
          ? env.trim().toUpperCase()
          : 'NO_CONTENT';
  return mode === 'SPAN_ONLY' || mode === 'SPAN_AND_EVENT';
}

function resetRun(scenario: Scenario): void {
  starts.clear();
  tracing.exporter.reset();
  logExporter.reset();
  diagLines.length = 0;
  if (scenario.signal) process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = scenario.signal;
  else delete process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN;
  if (scenario.envCapture === undefined) delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;
  else process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = scenario.envCapture;
  instrumentation.setConfig({});
}

/** Waits (a few macrotasks at most) until every span started has ended. */
async function spansSettled(): Promise<void> {
  for (let attempt = 0; attempt < 20; attempt++) {
    if ([...starts.keys()].every((id) => ends.has(id))) return;
    await new Promise((resolve) => setTimeout(resolve, attempt < 5 ? 0 : 5));
  }
}

async function checkTelemetry(): Promise<ReadableSpan[]> {
  await spansSettled();
  const problems: string[] = [];
  for (const [id, name] of starts) {
    const count = ends.get(id) ?? 0;
    if (count !== 1) problems.push(`span ${name} started and ended ${count} times`);
  }
  for (const line of diagLines) if (line.includes('You can only call end() on a span once')) problems.push(`diag: ${line}`);
  const spans = tracing.exporter.getFinishedSpans();
  for (const span of spans) {
    problems.push(...invalidAttributes(span.attributes, `span ${span.name}`));
    for (const event of span.events) problems.push(...invalidAttributes(event.attributes, `span ${span.name} event ${event.name}`));
    for (const link of span.links) problems.push(...invalidAttributes(link.attributes, `span ${span.name} link`));
    if (span.status.message !== undefined && typeof span.status.message !== 'string')
      problems.push(`span ${span.name} status message ${show(span.status.message)}`);
  }
  for (const record of logExporter.getFinishedLogRecords())
    problems.push(...invalidAttributes(record.attributes, `log record ${record.eventName ?? ''}`));
  const { resourceMetrics } = await reader.collect();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) {
      for (const point of metric.dataPoints as Array<{ attributes: Record<string, unknown> }>)
        problems.push(...invalidAttributes(point.attributes, `metric ${metric.descriptor.name}`));
    }
  }
  if (problems.length > 0) fail(problems.join('\n'));
  return spans;
}

const toolSpans = (spans: ReadableSpan[]) => spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool');

// ---------------------------------------------------------------------------------------------
// One run

interface Prepared {
  /** The tool call id a traced response asked for (source `instrumentation`). */
  callId: string;
  /** `runTool`'s `content` option (source `option`). */
  contentOption: Record<string, unknown> | undefined;
}

/** Sets up the content source: an instrumentation whose traced response asked for the call, or a content option. */
async function prepare(scenario: Scenario): Promise<Prepared> {
  resetRun(scenario);
  if (scenario.source === 'instrumentation') {
    instrumentation.setConfig(makeContentOptions(scenario.content));
    const message = await client.messages.create(TOOL_USE_REQUEST);
    if (!message.content?.some((block: { id?: string }) => block.id === TOOL_USE_ID)) fail(`the model call returned ${show(message)}`);
    return { callId: TOOL_USE_ID, contentOption: undefined };
  }
  return { callId: 'call_fuzz_1', contentOption: scenario.source === 'option' ? makeContentOptions(scenario.content) : undefined };
}

function toolGood(prepared: Prepared, args: unknown, forTraceTool: boolean): Record<string, () => unknown> {
  return {
    name: () => 'lookup_record',
    callId: () => (forTraceTool ? () => prepared.callId : prepared.callId),
    type: () => 'function',
    description: () => 'Looks a record up.',
    arguments: () => args,
    content: () => prepared.contentOption,
  };
}

/** Whether the run's tool span must carry content (plain JSON values, no hook, every option natural). */
function expectsContent(scenario: Scenario): boolean {
  const { tool, source, content, envCapture } = scenario;
  if (source === 'none' || tool.options.k !== 'object') return false;
  if (!Object.values(tool.options.fields).every((field) => field.k === 'good')) return false;
  if (content.redact.k !== 'none' || content.maxContentLength !== undefined || content.captureBinaryContent !== undefined) return false;
  return capturesOnSpans(content.capture, envCapture);
}

/**
 * Capture is surely off for the tool span of this run (README, "Content capture", and the rules at
 * the top of src/tools.ts): a span tied to the instrumentation's response follows its settings; an
 * untied one records only under its own `content` option (an odd object there leaves the mode to
 * the environment).
 */
function contentOff(scenario: Scenario): boolean {
  const { tool, source, content, envCapture } = scenario;
  if (tool.options.k !== 'object') return true;
  const optionOff =
    tool.options.fields.content?.k !== 'odd' &&
    (source !== 'option' || !['good', 'throwsAfter'].includes(tool.options.fields.content?.k ?? ''));
  if (source !== 'instrumentation') return optionOff;
  const instrumentationOff = !capturesOnSpans(content.capture, envCapture);
  const callId = tool.options.fields.callId?.k;
  if (callId === 'good') return instrumentationOff;
  if (callId === 'throwsAfter') return instrumentationOff && optionOff;
  return optionOff;
}

function checkContent(
  scenario: Scenario,
  spans: ReadableSpan[],
  args: unknown,
  produced: { ok: boolean; value: unknown },
  traceToolArgs: unknown[] | undefined,
): void {
  const tools = toolSpans(spans);
  if (contentOff(scenario)) {
    for (const span of tools) {
      for (const key of CONTENT_ATTRIBUTES)
        if (span.attributes[key] !== undefined) fail(`capture off, yet ${span.name} has ${key}=${show(span.attributes[key])}`);
    }
  }
  if (!expectsContent(scenario) || tools.length !== 1) return;
  const [span] = tools;
  const recorded = (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value));
  const argumentsSpec = scenario.tool.args[0];
  const recordedArgs = traceToolArgs === undefined ? args : traceToolArgs.length === 1 ? traceToolArgs[0] : traceToolArgs;
  const argsJSON = traceToolArgs === undefined ? argumentsSpec?.k === 'json' : scenario.tool.args.every((spec) => spec.k === 'json');
  if (argsJSON && recordedArgs !== undefined && span.attributes['gen_ai.tool.call.arguments'] !== recorded(recordedArgs)) {
    fail(`capture on: arguments ${show(span.attributes['gen_ai.tool.call.arguments'])}, expected ${show(recorded(recordedArgs))}`);
  }
  if (scenario.tool.outcome.k === 'return' && scenario.tool.outcome.v.k === 'json' && produced.ok && produced.value !== undefined) {
    if (span.attributes['gen_ai.tool.call.result'] !== recorded(produced.value)) {
      fail(`capture on: result ${show(span.attributes['gen_ai.tool.call.result'])}, expected ${show(recorded(produced.value))}`);
    }
  }
}

async function runToolRun(scenario: Scenario): Promise<void> {
  const prepared = await prepare(scenario);
  const args = scenario.tool.args.length > 0 ? makeValue(scenario.tool.args[0]) : undefined;
  const options = makeOptions(scenario.tool.options, toolGood(prepared, args, false));
  const app = makeFunction(scenario.tool.mode, scenario.tool.outcome);
  const traced = callSync(() => runTool(options as never, app.fn));
  await expectSame('runTool', scenario.tool.mode, traced, app);
  const spans = await checkTelemetry();
  checkContent(scenario, spans, args, app.produced, undefined);
}

async function traceToolRun(scenario: Scenario): Promise<void> {
  const prepared = await prepare(scenario);
  const args = scenario.tool.args.map(makeValue);
  const options = makeOptions(scenario.tool.options, toolGood(prepared, undefined, true));
  const app = makeFunction(scenario.tool.mode, scenario.tool.outcome);
  let seen: { self: unknown; args: unknown[] } | undefined;
  const tool = function (this: unknown, ...received: unknown[]) {
    seen = { self: this, args: received };
    return app.fn();
  };
  const owner = { name: 'owner' };
  const traced = callSync(() => {
    const wrapped = traceTool(options as never, tool);
    return Reflect.apply(wrapped, owner, args);
  });
  await expectSame('traceTool', scenario.tool.mode, traced, app);
  if (seen === undefined) fail('traceTool: the tool function never ran');
  if (seen.self !== owner) fail('traceTool: the tool got another `this`');
  if (seen.args.length !== args.length || !seen.args.every((arg, index) => Object.is(arg, args[index])))
    fail('traceTool: the tool got other arguments');
  const spans = await checkTelemetry();
  checkContent(scenario, spans, undefined, app.produced, args);
}

async function withAgentRun(scenario: AgentScenario): Promise<void> {
  const prepared = await prepare(scenario);
  const { agent } = scenario;
  const agentOptions = makeOptions(agent.options, {
    name: () => 'planner',
    description: () => 'Plans trips.',
    version: () => '1.2.0',
    id: () => 'agent_123',
    conversationId: () => 'conv_123',
    provider: () => 'anthropic',
    model: () => 'claude-sonnet-5-5',
    maxModelCalls: () => 0,
    maxToolCalls: () => 0,
    repeatThreshold: () => 1,
  });
  const toolArgs = scenario.tool.args.length > 0 ? makeValue(scenario.tool.args[0]) : undefined;
  const toolOptions = makeOptions(scenario.tool.options, toolGood(prepared, toolArgs, false));
  const inner = makeFunction(scenario.tool.mode, scenario.tool.outcome);
  const outer = makeFunction(agent.mode, agent.outcome);
  const innerChecks: Array<Promise<void>> = [];
  const runInner = () => {
    if (!agent.runsTool) return;
    const traced = callSync(() => runTool(toolOptions as never, inner.fn));
    innerChecks.push(expectSame('runTool inside withAgent', scenario.tool.mode, traced, inner));
  };
  let body: () => unknown;
  if (agent.mode === 'sync') {
    body = () => {
      runInner();
      return outer.fn();
    };
  } else {
    body = async () => {
      if (agent.modelCall) await client.messages.create(TOOL_USE_REQUEST);
      runInner();
      return outer.fn();
    };
  }
  const traced = callSync(() => withAgent(agentOptions as never, body));
  handled(traced);
  const outerProblem = await expectSame('withAgent', agent.mode, traced, outer).then(
    () => undefined,
    (problem: unknown) => problem,
  );
  const innerSettled = await Promise.allSettled(innerChecks);
  if (outerProblem !== undefined) throw outerProblem;
  for (const settled of innerSettled) if (settled.status === 'rejected') throw settled.reason;
  await checkTelemetry();
}

// ---------------------------------------------------------------------------------------------
// The properties

const TIMEOUT = 60_000 * Math.max(1, FACTOR);

describe('runTool, fuzzed', () => {
  it(
    'the app gets its value or error back, every span ends once, every attribute is valid, capture off records nothing',
    async () => {
      await fc.assert(fc.asyncProperty(runToolScenario, runToolRun), runs(500));
    },
    TIMEOUT,
  );
});

describe('traceTool, fuzzed', () => {
  it(
    'the tool gets its this and arguments, the app its value or error, every span ends once, every attribute is valid',
    async () => {
      await fc.assert(fc.asyncProperty(traceToolScenario, traceToolRun), runs(500));
    },
    TIMEOUT,
  );
});

describe('withAgent, fuzzed', () => {
  it(
    'with tool calls and model calls inside: the app gets its values and errors back, every span ends once, every attribute is valid',
    async () => {
      await fc.assert(fc.asyncProperty(agentScenario, withAgentRun), runs(400));
    },
    TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// A failure is a failure: the span says so whatever was thrown

const failingArb = fc.record({
  helper: fc.constantFrom('runTool' as const, 'traceTool' as const, 'withAgent' as const),
  mode: modeArb,
  error: errorSpec(),
});

describe('a function that throws or rejects', () => {
  it(
    'makes an ERROR span with error.type, whatever it threw (undefined included)',
    async () => {
      await fc.assert(
        fc.asyncProperty(failingArb, async ({ helper, mode, error }) => {
          resetRun({ signal: '', envCapture: undefined } as Scenario);
          const app = makeFunction(mode, { k: 'throw', e: error });
          const call =
            helper === 'runTool'
              ? () => runTool({ name: 'failing_tool' }, app.fn)
              : helper === 'traceTool'
                ? () => traceTool({ name: 'failing_tool' }, app.fn)()
                : () => withAgent({ name: 'failing_agent' }, app.fn);
          await expectSame(helper, mode, callSync(call), app);
          const spans = await checkTelemetry();
          if (spans.length !== 1) fail(`${spans.length} spans`);
          const [span] = spans;
          if (span.status.code !== SpanStatusCode.ERROR || typeof span.attributes['error.type'] !== 'string') {
            fail(
              `${span.name}: status ${show(span.status)}, error.type ${show(span.attributes['error.type'])} for a function that threw ${show(app.produced.value)}`,
            );
          }
        }),
        runs(200),
      );
    },
    TIMEOUT,
  );
});

// ---------------------------------------------------------------------------------------------
// Minimal reproductions of what the properties found (each fails until its bug is fixed; see the
// report of issue 18's "go further" part)

describe('found by the properties above', () => {
  const quiet = { signal: '', envCapture: undefined } as Scenario;

  // Bug: src/tools.ts executeTool and src/agent.ts withAgent call isPromiseLike(result) outside any
  // try: reading `then` of the result throws into the app, and the span started never ends.
  const hostileResults: Array<[string, () => unknown]> = [
    ['a proxy that throws on every trap', () => throwingProxy()],
    ['an object whose `then` getter throws', () => makeValue({ k: 'thenGetterThrows' })],
    ['a revoked proxy', () => makeValue({ k: 'revoked' })],
  ];
  for (const [what, make] of hostileResults) {
    it(`runTool and withAgent return ${what} as it is, synchronously, and end their span`, async () => {
      resetRun(quiet);
      const value = make();
      const fromTool = callSync(() => runTool({ name: 'sync_tool' }, () => value));
      const fromAgent = callSync(() => withAgent({ name: 'sync_agent' }, () => value));
      expect(fromTool.ok && fromTool.value === value).toBe(true);
      expect(fromAgent.ok && fromAgent.value === value).toBe(true);
      await spansSettled();
      expect(tracing.exporter.getFinishedSpans().map((span) => span.name)).toEqual(['execute_tool sync_tool', 'invoke_agent sync_agent']);
    });
  }

  // Bug: src/tools.ts executeTool and src/agent.ts withAgent hand the app `result.then(onEnd, onFail)`
  // for any thenable: a thenable whose `then` returns nothing (not Promises/A+, but common when hand
  // written) makes the app's `await` give undefined; one whose `then` throws throws into the app
  // synchronously and leaves the span open.
  for (const how of ['minimal', 'throwing', 'compliant', 'rejecting'] as const) {
    it(`runTool and withAgent of a sync function returning a ${how} thenable: awaiting what they return gives what awaiting the thenable gives`, async () => {
      resetRun(quiet);
      const expected = await awaited(makeThenable(how));
      for (const helper of [
        (fn: () => unknown) => runTool({ name: 'thenable_tool' }, fn),
        (fn: () => unknown) => withAgent({ name: 'thenable_agent' }, fn),
      ]) {
        const traced = callSync(() => helper(() => makeThenable(how)));
        expect(traced.ok).toBe(true);
        const settled = await awaited(traced.ok ? traced.value : undefined);
        expect(settled).toEqual(expected);
        expect(same(settled, expected)).toBe(true);
      }
      await spansSettled();
      expect(tracing.exporter.getFinishedSpans().map((span) => span.name)).toEqual([
        'execute_tool thenable_tool',
        'invoke_agent thenable_agent',
      ]);
    });
  }

  // Bug: src/tools.ts traceTool reads its options (`options.callId?.(...)`, `{ ...options }`)
  // outside any try: a getter that throws, a callId that is not a function, null options throw
  // into the app at each call, and the tool never runs.
  it('traceTool with options it cannot read runs the tool untraced instead of throwing into the app', () => {
    const refuses = () => {
      throw new Error('options refuse');
    };
    const calls: unknown[] = [];
    const tool = (input: unknown) => {
      calls.push(input);
      return 'ran';
    };
    const cases: unknown[] = [
      null,
      undefined,
      throwingProxy(),
      Object.defineProperty({}, 'name', { enumerable: true, get: refuses }),
      Object.defineProperty({ name: 'x' }, 'callId', { enumerable: true, get: refuses }),
      Object.defineProperty({ name: 'x' }, 'description', { enumerable: true, get: refuses }),
      { name: 'x', callId: refuses },
      { name: 'x', callId: 'call_not_a_function' },
    ];
    const outcomes = cases.map((options) => callSync(() => traceTool(options as never, tool)('input')));
    expect(outcomes.map((outcome) => (outcome.ok ? outcome.value : `threw ${String((outcome.error as Error)?.message)}`))).toEqual(
      cases.map(() => 'ran'),
    );
    expect(calls).toHaveLength(cases.length);
  });

  // Bug: src/tools.ts endTool and src/agent.ts AgentRun.end test `error !== undefined` for "it
  // failed": a tool or agent that throws undefined (a bare `Promise.reject()`) is recorded a success.
  it('a tool or agent run that throws undefined, or rejects with nothing, is an error span', async () => {
    resetRun(quiet);
    expect(
      callSync(() =>
        runTool({ name: 'throws_nothing' }, () => {
          throw undefined;
        }),
      ),
    ).toEqual({ ok: false, error: undefined });
    await expect(runTool({ name: 'rejects_nothing' }, () => Promise.reject())).rejects.toBeUndefined();
    await expect(withAgent({ name: 'rejects_nothing' }, () => Promise.reject())).rejects.toBeUndefined();
    await spansSettled();
    expect(tracing.exporter.getFinishedSpans().map((span) => [span.name, span.status.code, span.attributes['error.type']])).toEqual([
      ['execute_tool throws_nothing', SpanStatusCode.ERROR, '_OTHER'],
      ['execute_tool rejects_nothing', SpanStatusCode.ERROR, '_OTHER'],
      ['invoke_agent rejects_nothing', SpanStatusCode.ERROR, '_OTHER'],
    ]);
  });

  // Bug: src/errors.ts recordException starts with `error instanceof Error`, unguarded, which throws
  // for a proxy; endTool, AgentRun.end and InferenceCall.fail call it inside the same guard as
  // setStatus, so a tool, run or model call that fails with one ends with its status UNSET.
  it('a tool, agent run or model call that fails with a proxy gets an ERROR span, ended', async () => {
    resetRun(quiet);
    const thrown = throwingProxy();
    expect(
      callSync(() =>
        runTool({ name: 'proxy_tool' }, () => {
          throw thrown;
        }),
      ).ok,
    ).toBe(false);
    await expect(
      withAgent({ name: 'proxy_agent' }, async () => {
        throw thrown;
      }),
    ).rejects.toBe(thrown);
    const call = new InferenceCall(
      {
        tracer: tracing.provider.getTracer('otel-genai'),
        semconvMode: 'latest',
        metrics: undefined,
        content: undefined,
        logger: logs.getLogger('x'),
      },
      'chat claude-sonnet-5-5',
      { 'gen_ai.operation.name': 'chat' },
      {},
      undefined,
      {},
    );
    call.fail(thrown);
    await spansSettled();
    expect(tracing.exporter.getFinishedSpans().map((span) => [span.name, span.status.code, span.attributes['error.type']])).toEqual([
      ['execute_tool proxy_tool', SpanStatusCode.ERROR, '_OTHER'],
      ['invoke_agent proxy_agent', SpanStatusCode.ERROR, '_OTHER'],
      ['chat claude-sonnet-5-5', SpanStatusCode.ERROR, '_OTHER'],
    ]);
  });

  // Bug: src/tools.ts toolAttributes / toolTiming and src/agent.ts AgentRun copy option values onto
  // span and metric attributes unchecked: an object name becomes a map attribute, a missing name
  // an `undefined` metric attribute, Infinity a non-finite one.
  it('options of the wrong type give no invalid span or metric attribute', async () => {
    resetRun(quiet);
    const odd = { toString: () => 'odd' };
    runTool({ name: odd, callId: { id: 1 }, type: ['function', 1], description: Infinity } as never, () => 'ok');
    runTool({} as never, () => 'ok');
    withAgent(
      { name: odd, description: {}, id: ['a', 2], version: Infinity, conversationId: {}, provider: {}, model: { name: 'm' } } as never,
      () => 'ok',
    );
    await expect(checkTelemetry()).resolves.toBeDefined();
  });

  // Bug: src/errors.ts reportFailure (used by every guard) lets a throwing diag logger's error out:
  // a telemetry step that fails under an app's diag logger that throws (one that formats the
  // error's fields, say) throws into the app, and the span never ends.
  it('a diag logger that throws: the app still gets its value, and the span ends', async () => {
    resetRun(quiet);
    const brokenLogger = () => {
      throw new Error('diag logger broke');
    };
    diag.setLogger({ error: brokenLogger, warn: () => {}, info: () => {}, debug: () => {}, verbose: () => {} }, DiagLogLevel.WARN);
    try {
      const redact = () => {
        throw new Error('redact broke');
      };
      const outcome = callSync(() =>
        runTool({ name: 'logged_tool', content: { captureMessageContent: true, redact } }, () => 'tool value'),
      );
      instrumentation.setConfig({ captureMessageContent: true, redact });
      const message = await awaited(client.messages.create(TOOL_USE_REQUEST));
      expect(outcome).toEqual({ ok: true, value: 'tool value' });
      expect(message.ok).toBe(true);
      await spansSettled();
      expect(tracing.exporter.getFinishedSpans().map((span) => span.name)).toEqual(['execute_tool logged_tool', 'chat claude-sonnet-5-5']);
    } finally {
      diagLines = captureDiagSafely();
      instrumentation.setConfig({});
    }
  });
});
