/**
 * What the fuzz properties (properties.test.ts) run on: the run settings (`FUZZ_SEED`, `FUZZ_RUNS`),
 * in-memory telemetry that counts span ends and what reaches `diag`, the checks every result must
 * pass, the fixtures to start from, and the arbitraries: weird values, mutations of a JSON tree, and
 * a grammar per registered provider mapping.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Attributes } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { beforeAll } from 'vitest';
import { registryEntries } from '../../src/registry';
import { ContentRecorder, TRUNCATION_MARKER } from '../../src/content';
import type { CaptureMode, ChatMessage, ContentMapping, InputContent } from '../../src/content';
import type { ModelCallSpec } from '../../src/genai-instrumentation';
import { InferenceCall } from '../../src/inference-call';
import type { CallTelemetry } from '../../src/inference-call';
import { GenAIMetrics } from '../../src/metrics';
import { isValidAttributeValue } from '../helpers/hostile';
import { captureDiag, setupTracing } from '../helpers/tracing';
// ---------------------------------------------------------------------------------------------
// Run settings

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const FACTOR = Number(process.env.FUZZ_RUNS ?? 1) || 1;
/** `n` runs (scaled); a property that gets slow (shrinking included) fails instead of stalling the suite. */
export const runs = (n: number) => ({
  numRuns: Math.max(1, Math.round(n * FACTOR)),
  interruptAfterTimeLimit: 60_000 * Math.max(1, FACTOR),
  markInterruptAsFailure: true,
  ...(SEED === undefined ? {} : { seed: SEED }),
});

// ---------------------------------------------------------------------------------------------
// Telemetry: a real tracer provider, logger provider and meter provider, all in memory

/** How many times each span (by id) reached the processors' `onEnd`. */
const endCounts = new Map<string, number>();
const endCounter: SpanProcessor = {
  onStart() {},
  onEnd(span) {
    const id = span.spanContext().spanId;
    endCounts.set(id, (endCounts.get(id) ?? 0) + 1);
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};
export const tracing = setupTracing([endCounter]);
const tracer = tracing.provider.getTracer('otel-genai');
const logRecords = new InMemoryLogRecordExporter();
logs.setGlobalLoggerProvider(new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logRecords })] }));
const logger = logs.getLogger('x');

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}
const metrics = new GenAIMetrics(new MeterProvider({ readers: [new TestReader()] }).getMeter('x'));

/** What the SDKs say to `diag` while a run goes on: a guard that caught a throw says `error …`. */
let diagLines: string[] = [];
beforeAll(() => {
  diagLines = captureDiag();
});

/**
 * Warnings that are the SDKs' own, about values given to them as they are: a negative or fractional
 * token count for a histogram, and the fields of an odd error that `recordException` reads itself
 * (an `Error` whose `name` or `message` is not a string) and drops from the exception event.
 */
const ALLOWED_WARNINGS = [
  /^warn negative value provided to histogram gen_ai\.client\.token\.usage/,
  /^warn INT value type cannot accept a floating-point value for gen_ai\.client\.token\.usage/,
  /^warn Invalid attribute value set for key: exception\.(type|message|stacktrace)$/,
  /^warn Failed to record an exception/,
];

export function resetTelemetry(): void {
  tracing.exporter.reset();
  logRecords.reset();
  endCounts.clear();
  diagLines.length = 0;
}

/**
 * What the SDK's own `recordException` throws for `error`, if anything (an `Error` whose `code` has
 * no callable `toString`, or whose `name` cannot be printed): the call's guard catches that one
 * throw and the span must still end.
 */
const probeTracer = new TracerProvider().getTracer('probe');
function recordExceptionThrows(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const span = probeTracer.startSpan('probe');
  try {
    span.recordException(error);
    return undefined;
  } catch (problem) {
    return String((problem as Error).message);
  } finally {
    span.end();
  }
}

function unexpectedDiag(failedWith?: unknown): string[] {
  const lines = [...diagLines];
  const sdkThrow = recordExceptionThrows(failedWith);
  let excused = false;
  return lines.filter((line) => {
    if (ALLOWED_WARNINGS.some((allowed) => allowed.test(line))) return false;
    if (!excused && sdkThrow !== undefined && line.startsWith('error otel-genai: telemetry step failed') && line.includes(sdkThrow)) {
      excused = true;
      return false;
    }
    return true;
  });
}

// ---------------------------------------------------------------------------------------------
// Checks

export function fail(message: string): never {
  throw new Error(message);
}

export function show(value: unknown): string {
  try {
    return typeof value === 'number' || typeof value === 'undefined'
      ? String(value)
      : (JSON.stringify(value) ?? String(value)).slice(0, 300);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

export function checkAttributes(attributes: Attributes | Record<string, unknown>, where: string): void {
  for (const [key, value] of Object.entries(attributes)) {
    if (!isValidAttributeValue(value)) fail(`${where}: invalid attribute value ${key}=${show(value)}`);
  }
}

const USAGE_PREFIX = 'gen_ai.usage.';

/** True when no number anywhere in `values` is negative: then no token count may be either. */
export function allNumbersNonNegative(...values: unknown[]): boolean {
  const seen = new Set<object>();
  const walk = (value: unknown): boolean => {
    if (typeof value === 'number') return !(value < 0);
    if (value === null || typeof value !== 'object' || seen.has(value)) return true;
    seen.add(value);
    return Object.values(value).every(walk);
  };
  return values.every(walk);
}

const CONTENT_KEYS = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.tool.definitions'];
const DEFAULT_MAX_CONTENT = 32768;

/** What the single span of one call must satisfy. */
function checkCallSpan(span: ReadableSpan, nonNegative: boolean, maxContent: number): void {
  checkAttributes(span.attributes, `span ${span.name}`);
  for (const [key, value] of Object.entries(span.attributes)) {
    if (!key.startsWith(USAGE_PREFIX)) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) fail(`${key}=${show(value)} is not a finite number`);
    if (nonNegative && value < 0) fail(`${key}=${value} is negative though no input number was`);
  }
  const reasons = span.attributes['gen_ai.response.finish_reasons'];
  if (reasons !== undefined && !(Array.isArray(reasons) && reasons.every((reason) => typeof reason === 'string'))) {
    fail(`finish_reasons=${show(reasons)} is not an array of strings`);
  }
  const errorType = span.attributes['error.type'];
  if (errorType !== undefined && (typeof errorType !== 'string' || errorType === '')) fail(`error.type=${show(errorType)}`);
  const status = span.status.message;
  if (status !== undefined && typeof status !== 'string') fail(`status message ${show(status)}`);
  for (const key of CONTENT_KEYS) {
    if (typeof span.attributes[key] === 'string') checkContentString(span.attributes[key] as string, maxContent);
  }
}

/**
 * A content attribute is valid UTF-8 within the cap, and JSON unless it was cut: then it ends with
 * the marker (when the cap leaves room for it).
 */
function checkContentString(value: string, max: number): void {
  if (Buffer.from(value, 'utf8').toString('utf8') !== value) fail(`content is not valid UTF-8: ${show(value)}`);
  if (Buffer.byteLength(value, 'utf8') > max) fail(`content of ${Buffer.byteLength(value, 'utf8')} bytes > ${max}`);
  if (value.endsWith(TRUNCATION_MARKER) || max < Buffer.byteLength(TRUNCATION_MARKER, 'utf8')) return;
  try {
    JSON.parse(value);
  } catch {
    fail(`content is neither JSON nor truncated: ${show(value)}`);
  }
}

export function checkMessages(messages: unknown, where: string): asserts messages is ChatMessage[] {
  if (!Array.isArray(messages)) fail(`${where}: not an array: ${show(messages)}`);
  for (const message of messages) {
    if (message === null || typeof message !== 'object') fail(`${where}: message ${show(message)}`);
    const { role, parts } = message as ChatMessage;
    if (typeof role !== 'string') fail(`${where}: role ${show(role)}`);
    if (!Array.isArray(parts)) fail(`${where}: parts ${show(parts)}`);
    for (const part of parts) {
      if (part === null || typeof part !== 'object' || typeof part.type !== 'string') fail(`${where}: part ${show(part)}`);
    }
  }
}

export function checkInput(input: InputContent, where: string): void {
  checkMessages([...input.messages], `${where} messages`);
  if (input.systemInstructions !== undefined && !Array.isArray(input.systemInstructions))
    fail(`${where}: system ${show(input.systemInstructions)}`);
  if (input.toolDefinitions !== undefined) {
    if (!Array.isArray(input.toolDefinitions)) fail(`${where}: tools ${show(input.toolDefinitions)}`);
    for (const tool of input.toolDefinitions) if (typeof tool?.type !== 'string') fail(`${where}: tool ${show(tool)}`);
  }
}

/**
 * Each attribute the small recorder wrote is the whole JSON when that fits in `max` bytes, else a
 * prefix of it cut on a character boundary, marked (when the marker fits), and at most `max` bytes.
 */
export function checkRecorded(small: Attributes, whole: Attributes, max: number): void {
  expectSameKeys(small, whole);
  for (const [key, value] of Object.entries(small)) {
    const full = whole[key] as string;
    if (typeof value !== 'string' || typeof full !== 'string') fail(`${key}: not a string: ${show(value)}`);
    JSON.parse(full);
    if (Buffer.from(value, 'utf8').toString('utf8') !== value) fail(`${key}: splits a character: ${show(value)}`);
    if (Buffer.byteLength(value, 'utf8') > max) fail(`${key}: ${Buffer.byteLength(value, 'utf8')} bytes > ${max}`);
    if (Buffer.byteLength(full, 'utf8') <= max) {
      if (value !== full) fail(`${key}: cut though it fits`);
      continue;
    }
    const marked = value.endsWith(TRUNCATION_MARKER);
    if (marked !== max >= Buffer.byteLength(TRUNCATION_MARKER, 'utf8')) fail(`${key}: cut to ${max} bytes, marked: ${marked}`);
    const kept = marked ? value.slice(0, -TRUNCATION_MARKER.length) : value;
    if (!full.startsWith(kept)) fail(`${key}: not a prefix of the whole value`);
  }
}

function expectSameKeys(a: object, b: object): void {
  const keys = (o: object) => Object.keys(o).sort().join(',');
  if (keys(a) !== keys(b)) fail(`keys differ: ${keys(a)} / ${keys(b)}`);
}

// ---------------------------------------------------------------------------------------------
// Fixtures: the realistic shapes to start from

/** Which grammar and corpus feed a mapping: each registered spec names its kind (src/registry.ts). */
type Kind = string;

interface Corpus {
  params: Record<string, unknown>[];
  bodies: unknown[];
  streams: unknown[][];
}

interface FixtureFile {
  meta: { provider?: string };
  request: { path: string; match?: Record<string, unknown> };
  response?: { body?: unknown; events?: Array<{ data: unknown }> };
  responses?: Array<{ body?: unknown; events?: Array<{ data: unknown }> }>;
}

const FIXTURES = join(__dirname, '..', '..', 'fixtures');

/** Every registered provider's model-call mappings (src/registry.ts): a new provider is fuzzed as the others are. */
export const SPECS: SpecCase[] = registryEntries().flatMap((entry) =>
  (entry.specs ?? []).map((spec) => ({ ...spec, folder: entry.fixtures ?? entry.key })),
);

/** The kind of a provider's fixture, by its API path: one of the kinds its registered specs name. */
function kindOf(provider: string, fixture: FixtureFile): Kind {
  const path = fixture.request.path;
  switch (provider) {
    case 'openai':
      if (path.includes('/chat/completions')) return 'chat';
      if (path.includes('/responses')) return 'responses';
      return 'embeddings';
    case 'google':
      return /:(batchEmbedContents|embedContent|predict)/.test(path) ? 'google-embeddings' : 'google';
    default:
      return SPECS.find((spec) => spec.folder === provider)?.kind ?? provider;
  }
}

/** What the SDK would yield for one SSE event: its data, parsed when it came as a string (`[DONE]` is never yielded). */
function eventChunk(data: unknown): unknown[] {
  if (typeof data !== 'string') return [data];
  try {
    return [JSON.parse(data)];
  } catch {
    return [];
  }
}

/** Every registered provider's fixtures (`fixtures/<its folder>/`), by kind. */
function loadCorpora(): Record<Kind, Corpus> {
  const corpora: Record<Kind, Corpus> = {};
  for (const spec of SPECS) corpora[spec.kind] ??= { params: [], bodies: [], streams: [] };
  for (const provider of new Set(SPECS.map((spec) => spec.folder))) {
    for (const file of readdirSync(join(FIXTURES, provider))
      .filter((name) => name.endsWith('.json'))
      .sort()) {
      const fixture = JSON.parse(readFileSync(join(FIXTURES, provider, file), 'utf8')) as FixtureFile;
      const corpus = (corpora[kindOf(provider, fixture)] ??= { params: [], bodies: [], streams: [] });
      if (fixture.request.match !== undefined) corpus.params.push(fixture.request.match);
      for (const response of fixture.responses ?? (fixture.response ? [fixture.response] : [])) {
        // Error bodies too: a body of the wrong shape is one more realistic input.
        if (response.body !== undefined) corpus.bodies.push(response.body);
        if (response.events !== undefined) corpus.streams.push(response.events.flatMap((event) => eventChunk(event.data)));
      }
    }
  }
  return corpora;
}

const CORPORA = loadCorpora();
const ALL_CHUNKS = Object.values(CORPORA).flatMap((corpus) => corpus.streams.flat());
const ALL_BODIES = Object.values(CORPORA).flatMap((corpus) => corpus.bodies);

// ---------------------------------------------------------------------------------------------
// Arbitraries: weird values

const WEIRD_NUMBERS = [
  NaN,
  Infinity,
  -Infinity,
  -1,
  0,
  -0,
  0.5,
  1.5,
  1e9,
  2 ** 31,
  2 ** 32 - 2,
  2 ** 32,
  Number.MAX_SAFE_INTEGER,
  1e308,
  Number.MAX_VALUE,
  -Number.MAX_VALUE,
  Number.MIN_VALUE,
];
const weirdNumber = fc.constantFrom(...WEIRD_NUMBERS);

/**
 * JSON objects that a plain `String(…)`, `+` or template literal cannot convert: their own
 * `toString` / `valueOf` are not functions. Parsed afresh each time, so that no run can change
 * another's.
 */
const UNPRINTABLE_JSON = ['{"toString":1}', '{"toString":null,"valueOf":null}', '{"valueOf":{},"toString":[]}'];
const unprintable = fc.constantFrom(...UNPRINTABLE_JSON).map((text) => JSON.parse(text) as Record<string, unknown>);

export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: weirdNumber, weight: 3 },
  {
    arbitrary: fc.constantFrom<unknown>(
      null,
      undefined,
      true,
      false,
      '',
      '[DONE]',
      'unknown_type',
      '{',
      '[]',
      'data:,',
      'data:image/png;base64,%%%',
    ),
    weight: 3,
  },
  { arbitrary: fc.constantFrom('[]', '{}', '[{}]', '{"":{}}').map((text) => JSON.parse(text) as unknown), weight: 1 },
  { arbitrary: unprintable, weight: 1 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 12 }), weight: 2 },
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 2 },
  { arbitrary: fc.anything({ maxDepth: 2 }), weight: 1 },
);
/** Huge finite numbers: each is a valid count, but two of them add up to Infinity. */
const hugeNumber = fc.constantFrom(1e308, Number.MAX_VALUE, 2 ** 1023);
const numberish = fc.oneof(
  { arbitrary: fc.nat(100_000), weight: 2 },
  { arbitrary: weirdNumber, weight: 2 },
  { arbitrary: hugeNumber, weight: 1 },
  { arbitrary: fc.double(), weight: 1 },
  { arbitrary: weirdValue, weight: 1 },
);

// ---------------------------------------------------------------------------------------------
// Arbitraries: mutations of a JSON tree

type Target = 'number' | 'string' | 'array' | 'object' | 'boolean';

type TreeMutation =
  | { op: 'delete'; at: number }
  | { op: 'set'; at: number; value: unknown }
  | { op: 'retype'; at: number; to: Target }
  | { op: 'nest'; at: number; inArray: boolean }
  | { op: 'number'; at: number; value: number }
  | { op: 'truncate'; at: number; length: number }
  | { op: 'unknownType'; at: number; type: string }
  | { op: 'duplicate'; at: number }
  | { op: 'addKey'; at: number; key: string; value: unknown };

const at = fc.nat();
const treeMutation: fc.Arbitrary<TreeMutation> = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at }),
  fc.record({ op: fc.constant('set' as const), at, value: weirdValue }),
  fc.record({ op: fc.constant('retype' as const), at, to: fc.constantFrom<Target>('number', 'string', 'array', 'object', 'boolean') }),
  fc.record({ op: fc.constant('nest' as const), at, inArray: fc.boolean() }),
  fc.record({ op: fc.constant('number' as const), at, value: fc.oneof(weirdNumber, fc.double()) }),
  fc.record({ op: fc.constant('truncate' as const), at, length: fc.nat(40) }),
  fc.record({
    op: fc.constant('unknownType' as const),
    at,
    type: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('unknown_block', 'web_search_tool_result', 'tool_use', 'text', 'image')),
  }),
  fc.record({ op: fc.constant('duplicate' as const), at }),
  fc.record({
    op: fc.constant('addKey' as const),
    at,
    key: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('index', 'type', 'usage', 'id', 'toString', '__proto__')),
    value: weirdValue,
  }),
);
const treeMutations = fc.array(treeMutation, { minLength: 1, maxLength: 6 });

type Container = Record<string, unknown> | unknown[];
interface Slot {
  parent: Container;
  key: string | number;
}

/** A deep copy of plain data (own enumerable keys, `__proto__` included as a plain key). */
export function clone<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(clone) as T;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    Object.defineProperty(copy, key, {
      value: clone((value as Record<string, unknown>)[key]),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return copy as T;
}

function slotsOf(root: unknown): Slot[] {
  const slots: Slot[] = [];
  const seen = new Set<object>();
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || seen.has(value)) return;
    seen.add(value);
    if (Array.isArray(value)) {
      value.forEach((item, index) => {
        slots.push({ parent: value, key: index });
        walk(item);
      });
      return;
    }
    for (const key of Object.keys(value)) {
      slots.push({ parent: value as Record<string, unknown>, key });
      walk((value as Record<string, unknown>)[key]);
    }
  };
  walk(root);
  return slots;
}

function retype(value: unknown, to: Target): unknown {
  switch (to) {
    case 'number':
      return typeof value === 'string'
        ? Number(value)
        : Array.isArray(value)
          ? value.length
          : typeof value === 'boolean'
            ? Number(value)
            : 7;
    case 'string':
      return value !== null && typeof value === 'object' ? (JSON.stringify(value) ?? '') : String(value);
    case 'array':
      return [value];
    case 'object':
      return Array.isArray(value) ? { ...value } : { value };
    case 'boolean':
      return !value;
  }
}

function set(slot: Slot, value: unknown): void {
  Object.defineProperty(slot.parent, slot.key, { value, enumerable: true, writable: true, configurable: true });
}

function get(slot: Slot): unknown {
  return (slot.parent as Record<string | number, unknown>)[slot.key];
}

/** `base` (copied) with `mutations` applied in turn; the root itself may be replaced. */
function mutate(base: unknown, mutations: readonly TreeMutation[]): unknown {
  const holder: Record<string, unknown> = { root: clone(base) };
  for (const mutation of mutations) {
    const all = slotsOf(holder);
    const pick = (slots: Slot[]) => (slots.length === 0 ? undefined : slots[mutation.at % slots.length]);
    switch (mutation.op) {
      case 'delete': {
        const slot = pick(all.filter((s) => s.parent !== holder));
        if (slot === undefined) break;
        if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
        else delete slot.parent[slot.key as string];
        break;
      }
      case 'set': {
        const slot = pick(all);
        if (slot !== undefined) set(slot, clone(mutation.value));
        break;
      }
      case 'retype': {
        const slot = pick(all);
        if (slot !== undefined) set(slot, retype(get(slot), mutation.to));
        break;
      }
      case 'nest': {
        const slot = pick(all);
        if (slot !== undefined) set(slot, mutation.inArray ? [get(slot)] : { [String(slot.key)]: get(slot) });
        break;
      }
      case 'number': {
        const slot = pick(all.filter((s) => typeof get(s) === 'number'));
        if (slot !== undefined) set(slot, mutation.value);
        break;
      }
      case 'truncate': {
        const slot = pick(all.filter((s) => typeof get(s) === 'string'));
        if (slot !== undefined) set(slot, (get(slot) as string).slice(0, mutation.length));
        break;
      }
      case 'unknownType': {
        const slot = pick(all.filter((s) => s.key === 'type'));
        if (slot !== undefined) set(slot, mutation.type);
        break;
      }
      case 'duplicate': {
        const slot = pick(all.filter((s) => Array.isArray(s.parent)));
        if (slot !== undefined) (slot.parent as unknown[]).splice(slot.key as number, 0, clone(get(slot)));
        break;
      }
      case 'addKey': {
        const containers = all
          .map(get)
          .filter((value): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value));
        if (containers.length > 0) set({ parent: containers[mutation.at % containers.length], key: mutation.key }, clone(mutation.value));
        break;
      }
    }
  }
  return holder.root;
}

function mutated(bases: readonly unknown[]): fc.Arbitrary<unknown> {
  if (bases.length === 0) return fc.jsonValue();
  return fc
    .tuple(fc.constantFrom(...bases), fc.oneof(fc.constant([] as TreeMutation[]), treeMutations))
    .map(([base, mutations]) => mutate(base, mutations));
}

// ---------------------------------------------------------------------------------------------
// Arbitraries: per-provider grammars, whose every field may be missing or of the wrong type, so
// that the mappings' deeper branches are reached often

/** Mostly the well-typed value, sometimes a weird one. */
const maybe = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ arbitrary, weight: 3 }, { arbitrary: weirdValue, weight: 1 });
/** A record whose keys are each there or not. */
const fields = <T extends Record<string, fc.Arbitrary<unknown>>>(model: T) => fc.record(model, { requiredKeys: [] });
const stringish = maybe(fc.oneof(fc.string({ maxLength: 10 }), fc.string({ unit: 'binary', maxLength: 10 })));
const idish = maybe(fc.constantFrom('toolu_1', 'toolu_2', 'call_1', 'call_2', 'msg_1', 'resp_1', ''));
/** Small indices mostly (so that deltas meet their starts), weird ones sometimes. */
const indexish = fc.oneof({ arbitrary: fc.nat(3), weight: 4 }, { arbitrary: numberish, weight: 1 });
const jsonText = fc.oneof(fc.json({ maxDepth: 2 }), fc.string({ maxLength: 12 }), fc.constantFrom('{"location":', '"}', '{}', ''));
const list = <T>(arbitrary: fc.Arbitrary<T>, maxLength = 4) => maybe(fc.array(arbitrary, { maxLength }));

const anthropicUsage = fields({
  input_tokens: numberish,
  output_tokens: numberish,
  cache_read_input_tokens: numberish,
  cache_creation_input_tokens: numberish,
  output_tokens_details: maybe(fields({ thinking_tokens: numberish })),
});
const openaiUsage = fields({
  prompt_tokens: numberish,
  completion_tokens: numberish,
  total_tokens: numberish,
  input_tokens: numberish,
  output_tokens: numberish,
  prompt_tokens_details: maybe(fields({ cached_tokens: numberish })),
  completion_tokens_details: maybe(fields({ reasoning_tokens: numberish })),
  input_tokens_details: maybe(fields({ cached_tokens: numberish })),
  output_tokens_details: maybe(fields({ reasoning_tokens: numberish })),
});

// Anthropic

const BLOCK_TYPES = [
  'text',
  'thinking',
  'tool_use',
  'server_tool_use',
  'web_search_tool_result',
  'image',
  'document',
  'tool_result',
  'redacted_thinking',
  'mystery',
];
const sourceArb = fields({
  type: maybe(fc.constantFrom('base64', 'url', 'file', 'text', 'other')),
  data: stringish,
  url: stringish,
  file_id: stringish,
  media_type: maybe(fc.constantFrom('image/png', 'application/pdf', 'text/plain')),
});
const blockArb: fc.Arbitrary<unknown> = fc.letrec<{ block: unknown }>((tie) => ({
  block: fc.record(
    {
      type: maybe(fc.constantFrom(...BLOCK_TYPES)),
      text: stringish,
      thinking: stringish,
      id: idish,
      name: stringish,
      input: weirdValue,
      tool_use_id: idish,
      content: maybe(fc.oneof(fc.string({ maxLength: 10 }), fc.array(tie('block'), { maxLength: 2 }))),
      source: maybe(sourceArb),
    },
    { requiredKeys: ['type'] },
  ),
})).block;
const anthropicMessage = fields({
  id: idish,
  type: maybe(fc.constant('message')),
  role: maybe(fc.constant('assistant')),
  model: stringish,
  content: list(maybe(blockArb)),
  stop_reason: maybe(fc.constantFrom('end_turn', 'tool_use', 'max_tokens', 'pause_turn', '')),
  usage: maybe(anthropicUsage),
});
const anthropicEvent: fc.Arbitrary<unknown> = fc.oneof(
  fc.record({ type: fc.constant('message_start'), message: maybe(anthropicMessage) }),
  { arbitrary: fc.record({ type: fc.constant('content_block_start'), index: indexish, content_block: maybe(blockArb) }), weight: 3 },
  {
    arbitrary: fc.record({
      type: fc.constant('content_block_delta'),
      index: indexish,
      delta: maybe(
        fields({
          type: maybe(fc.constantFrom('text_delta', 'input_json_delta', 'thinking_delta', 'signature_delta')),
          text: stringish,
          partial_json: maybe(jsonText),
          thinking: stringish,
        }),
      ),
    }),
    weight: 3,
  },
  fc.record({ type: fc.constant('content_block_stop'), index: indexish }),
  fc.record({ type: fc.constant('message_delta'), delta: maybe(fields({ stop_reason: stringish })), usage: maybe(anthropicUsage) }),
  fields({ type: maybe(fc.constantFrom('message_stop', 'ping', 'error', 'unknown_event')), error: weirdValue }),
);
const anthropicParams = fields({
  model: stringish,
  max_tokens: numberish,
  temperature: numberish,
  top_p: numberish,
  top_k: numberish,
  stop_sequences: maybe(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 })),
  stream: maybe(fc.boolean()),
  system: maybe(fc.oneof(fc.string({ maxLength: 10 }), fc.array(maybe(blockArb), { maxLength: 2 }))),
  messages: list(
    maybe(
      fields({
        role: maybe(fc.constantFrom('user', 'assistant')),
        content: maybe(fc.oneof(fc.string({ maxLength: 10 }), fc.array(maybe(blockArb), { maxLength: 3 }))),
      }),
    ),
  ),
  tools: list(
    maybe(
      fields({
        type: maybe(fc.constantFrom('custom', 'web_search_20250305', 'bash_20250124')),
        name: stringish,
        description: stringish,
        input_schema: weirdValue,
      }),
    ),
  ),
  output_config: maybe(fields({ effort: stringish, format: maybe(fields({ type: maybe(fc.constantFrom('json_schema', 'text')) })) })),
});

// OpenAI Chat Completions

const FINISH_REASONS = ['stop', 'length', 'tool_calls', 'content_filter', 'function_call', ''];
const chatToolCall = fields({
  index: indexish,
  id: idish,
  type: maybe(fc.constantFrom('function', 'custom')),
  function: maybe(fields({ name: stringish, arguments: maybe(jsonText) })),
  custom: maybe(fields({ name: stringish, input: stringish })),
});
const chatPartArb = fields({
  type: maybe(fc.constantFrom('text', 'refusal', 'image_url', 'input_audio', 'file', 'mystery')),
  text: stringish,
  refusal: stringish,
  image_url: maybe(
    fields({
      url: maybe(
        fc.constantFrom(
          'https://x/y.png',
          'data:image/png;base64,AAAA',
          'data:text/plain,hi%20there',
          'data:,%E0%A4%A',
          'DATA:;base64',
          'data:',
        ),
      ),
    }),
  ),
  input_audio: maybe(fields({ data: stringish, format: stringish })),
  file: maybe(
    fields({ file_id: idish, file_data: maybe(fc.constantFrom('data:application/pdf;base64,JVBER', 'JVBERi0', '')), filename: stringish }),
  ),
});
const chatChoice = fields({
  index: indexish,
  finish_reason: maybe(fc.constantFrom(...FINISH_REASONS)),
  delta: maybe(fields({ role: stringish, content: stringish, refusal: stringish, tool_calls: list(maybe(chatToolCall), 3) })),
  message: maybe(
    fields({
      role: stringish,
      content: maybe(fc.oneof(fc.string({ maxLength: 10 }), fc.array(chatPartArb, { maxLength: 2 }))),
      refusal: stringish,
      tool_calls: list(maybe(chatToolCall), 3),
    }),
  ),
});
const chatBody = fields({
  id: idish,
  object: maybe(fc.constantFrom('chat.completion', 'chat.completion.chunk')),
  model: stringish,
  system_fingerprint: stringish,
  service_tier: stringish,
  choices: list(maybe(chatChoice), 3),
  usage: maybe(fc.oneof(openaiUsage, fc.constant(null))),
});
const chatParams = fields({
  model: stringish,
  messages: list(
    maybe(
      fields({
        role: maybe(fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool', 'function')),
        content: maybe(fc.oneof(fc.string({ maxLength: 10 }), fc.array(chatPartArb, { maxLength: 3 }))),
        name: stringish,
        refusal: stringish,
        tool_calls: list(maybe(chatToolCall), 2),
        tool_call_id: idish,
      }),
    ),
  ),
  tools: list(
    maybe(
      fields({
        type: maybe(fc.constantFrom('function', 'custom')),
        function: maybe(fields({ name: stringish, description: stringish, parameters: weirdValue })),
      }),
    ),
  ),
  max_tokens: numberish,
  max_completion_tokens: numberish,
  temperature: numberish,
  top_p: numberish,
  frequency_penalty: numberish,
  presence_penalty: numberish,
  seed: numberish,
  n: numberish,
  stop: maybe(fc.oneof(fc.string({ maxLength: 5 }), fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }))),
  stream: maybe(fc.boolean()),
  service_tier: maybe(fc.constantFrom('auto', 'default', 'flex', '')),
  response_format: maybe(fields({ type: maybe(fc.constantFrom('text', 'json_object', 'json_schema', 'other')) })),
  reasoning_effort: stringish,
});

// OpenAI Responses

const STATUSES = ['completed', 'incomplete', 'failed', 'cancelled', 'queued', 'in_progress', 'weird'];
const responsesPartArb = fields({
  type: maybe(fc.constantFrom('input_text', 'output_text', 'refusal', 'input_image', 'input_file', 'input_audio', 'mystery')),
  text: stringish,
  refusal: stringish,
  image_url: maybe(fc.constantFrom('https://x/y.png', 'data:image/jpeg;base64,/9j/', 'data:bad')),
  file_id: idish,
  file_data: maybe(fc.constantFrom('data:application/pdf;base64,JVBER', 'JVBERi0')),
  file_url: stringish,
  input_audio: maybe(fields({ data: stringish, format: stringish })),
});
const responsesItem = fields({
  type: maybe(
    fc.constantFrom(
      'message',
      'function_call',
      'custom_tool_call',
      'function_call_output',
      'custom_tool_call_output',
      'reasoning',
      'computer_call',
      'web_search_call',
      'item_reference',
    ),
  ),
  role: maybe(fc.constantFrom('user', 'assistant', 'system', 'developer')),
  content: maybe(fc.oneof(fc.string({ maxLength: 10 }), fc.array(responsesPartArb, { maxLength: 3 }))),
  call_id: idish,
  name: stringish,
  arguments: maybe(jsonText),
  input: stringish,
  output: maybe(fc.oneof(fc.string({ maxLength: 10 }), fc.array(responsesPartArb, { maxLength: 2 }))),
  summary: list(maybe(fields({ type: stringish, text: stringish })), 2),
});
const responseArb = fields({
  id: idish,
  object: maybe(fc.constant('response')),
  model: stringish,
  status: maybe(fc.constantFrom(...STATUSES)),
  output: list(maybe(responsesItem)),
  usage: maybe(openaiUsage),
  incomplete_details: maybe(fields({ reason: stringish })),
  error: maybe(fields({ code: stringish, message: stringish })),
  service_tier: stringish,
});
const RESPONSE_EVENT_TYPES = ['response.created', 'response.in_progress', 'response.completed', 'response.incomplete', 'response.failed'];
const responsesEvent: fc.Arbitrary<unknown> = fc.oneof(
  {
    arbitrary: fc.record({ type: fc.constantFrom(...RESPONSE_EVENT_TYPES), response: maybe(responseArb), sequence_number: numberish }),
    weight: 3,
  },
  fields({
    type: maybe(
      fc.constantFrom('response.output_text.delta', 'response.output_item.added', 'response.output_item.done', 'error', 'unknown_event'),
    ),
    delta: stringish,
    item: maybe(responsesItem),
  }),
);
const responsesParams = fields({
  model: stringish,
  input: maybe(fc.oneof(fc.string({ maxLength: 10 }), fc.array(maybe(responsesItem), { maxLength: 4 }))),
  instructions: stringish,
  tools: list(
    maybe(
      fields({
        type: maybe(fc.constantFrom('function', 'web_search', 'custom')),
        name: stringish,
        description: stringish,
        parameters: weirdValue,
      }),
    ),
  ),
  max_output_tokens: numberish,
  temperature: numberish,
  top_p: numberish,
  stream: maybe(fc.boolean()),
  service_tier: stringish,
  reasoning: maybe(fields({ effort: stringish })),
  text: maybe(fields({ format: maybe(fields({ type: maybe(fc.constantFrom('text', 'json_schema', 'json_object')) })) })),
  previous_response_id: idish,
  conversation: maybe(fc.oneof(idish, fields({ id: idish }))),
});

// OpenAI embeddings

const embeddingsBody = fields({
  object: maybe(fc.constant('list')),
  model: stringish,
  data: list(maybe(fields({ index: indexish, embedding: maybe(fc.array(fc.double(), { maxLength: 3 })) }))),
  usage: maybe(fields({ prompt_tokens: numberish, total_tokens: numberish })),
});
const embeddingsParams = fields({
  model: stringish,
  input: weirdValue,
  encoding_format: maybe(fc.constantFrom('float', 'base64', '')),
  dimensions: numberish,
});

// Google Gen AI (@google/genai's camelCase objects)

const googlePart = fields({
  text: stringish,
  thought: maybe(fc.boolean()),
  thoughtSignature: stringish,
  inlineData: maybe(
    fields({ mimeType: maybe(fc.constantFrom('image/png', 'audio/wav', 'video/mp4', 'application/pdf', '')), data: stringish }),
  ),
  fileData: maybe(fields({ fileUri: stringish, mimeType: stringish })),
  functionCall: maybe(fields({ id: idish, name: maybe(fc.constantFrom('get_weather', 'convert_currency', '')), args: weirdValue })),
  functionResponse: maybe(
    fields({
      id: idish,
      name: maybe(fc.constantFrom('get_weather', 'convert_currency', '')),
      response: maybe(fc.oneof(weirdValue, fields({ error: weirdValue, output: weirdValue }))),
    }),
  ),
  executableCode: maybe(fields({ language: stringish, code: stringish })),
  codeExecutionResult: maybe(fields({ outcome: stringish, output: stringish })),
});
const googleContent = fields({ role: maybe(fc.constantFrom('user', 'model', 'function')), parts: list(maybe(googlePart)) });
const googleDetails = list(
  maybe(fields({ modality: maybe(fc.constantFrom('TEXT', 'IMAGE', 'AUDIO', 'VIDEO', 'DOCUMENT', 'text')), tokenCount: numberish })),
  3,
);
const googleUsage = fields({
  promptTokenCount: numberish,
  candidatesTokenCount: numberish,
  thoughtsTokenCount: numberish,
  cachedContentTokenCount: numberish,
  toolUsePromptTokenCount: numberish,
  totalTokenCount: numberish,
  promptTokensDetails: googleDetails,
  candidatesTokensDetails: googleDetails,
});
const googleResponse = fields({
  candidates: list(
    maybe(
      fields({
        content: maybe(googleContent),
        finishReason: maybe(fc.constantFrom('STOP', 'MAX_TOKENS', 'SAFETY', 'CONTINUATION', '')),
        index: indexish,
        continuationToken: stringish,
      }),
    ),
    3,
  ),
  usageMetadata: maybe(googleUsage),
  modelVersion: stringish,
  responseId: idish,
  promptFeedback: maybe(fields({ blockReason: maybe(fc.constantFrom('SAFETY', 'OTHER', '')) })),
});
const googleParams = fields({
  model: stringish,
  contents: maybe(
    fc.oneof(
      fc.string({ maxLength: 10 }),
      fc.array(maybe(googleContent), { maxLength: 4 }),
      fc.array(maybe(fc.oneof(googlePart, fc.string({ maxLength: 5 }))), { maxLength: 3 }),
      googlePart,
    ),
  ),
  config: maybe(
    fields({
      temperature: numberish,
      topP: numberish,
      topK: numberish,
      maxOutputTokens: numberish,
      candidateCount: numberish,
      seed: numberish,
      frequencyPenalty: numberish,
      presencePenalty: numberish,
      stopSequences: maybe(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 })),
      responseMimeType: maybe(fc.constantFrom('application/json', 'text/plain', 'text/x.enum', '')),
      responseSchema: weirdValue,
      responseModalities: list(maybe(fc.constantFrom('TEXT', 'IMAGE', 'AUDIO')), 2),
      thinkingConfig: maybe(fields({ thinkingBudget: numberish, thinkingLevel: stringish })),
      systemInstruction: maybe(fc.oneof(fc.string({ maxLength: 10 }), googleContent, fc.array(maybe(googlePart), { maxLength: 2 }))),
      tools: list(
        maybe(
          fields({
            functionDeclarations: list(
              maybe(fields({ name: stringish, description: stringish, parameters: weirdValue, parametersJsonSchema: weirdValue })),
            ),
            googleSearch: maybe(fc.constant({})),
          }),
        ),
      ),
    }),
  ),
});
const googleEmbeddingsBody = fields({
  embeddings: list(
    maybe(fields({ values: maybe(fc.array(fc.double(), { maxLength: 3 })), statistics: maybe(fields({ tokenCount: numberish })) })),
  ),
  usageMetadata: maybe(fields({ promptTokenCount: numberish })),
});
const googleEmbeddingsParams = fields({
  model: stringish,
  contents: weirdValue,
  config: maybe(fields({ outputDimensionality: numberish })),
});

const GRAMMAR: Record<Kind, { body: fc.Arbitrary<unknown>; chunk: fc.Arbitrary<unknown>; params: fc.Arbitrary<unknown> }> = {
  anthropic: { body: anthropicMessage, chunk: anthropicEvent, params: anthropicParams },
  chat: { body: chatBody, chunk: chatBody, params: chatParams },
  responses: { body: responseArb, chunk: responsesEvent, params: responsesParams },
  embeddings: { body: embeddingsBody, chunk: fc.oneof(anthropicEvent, chatBody, responsesEvent), params: embeddingsParams },
  google: { body: googleResponse, chunk: googleResponse, params: googleParams },
  'google-embeddings': { body: googleEmbeddingsBody, chunk: fc.oneof(googleResponse, chatBody), params: googleEmbeddingsParams },
};

/** A kind registered without a grammar here is still fuzzed: its fixtures mutated, and any JSON. */
function grammarOf(kind: Kind): { body: fc.Arbitrary<unknown>; chunk: fc.Arbitrary<unknown>; params: fc.Arbitrary<unknown> } {
  return GRAMMAR[kind] ?? { body: fc.jsonValue(), chunk: fc.jsonValue(), params: fc.object() };
}

/** Any provider's chunk, well-shaped or not, or a real one from another stream. */
const anyChunk: fc.Arbitrary<unknown> = fc.oneof(
  anthropicEvent,
  chatBody,
  responsesEvent,
  googleResponse,
  weirdValue,
  fc.constantFrom(...ALL_CHUNKS).map(clone),
);

export function bodyArb(kind: Kind): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: mutated(CORPORA[kind]?.bodies ?? []), weight: 4 },
    { arbitrary: grammarOf(kind).body, weight: 4 },
    { arbitrary: mutated(ALL_BODIES), weight: 1 },
    { arbitrary: fc.jsonValue(), weight: 1 },
    { arbitrary: fc.anything(), weight: 1 },
  );
}

type StreamMutation =
  | { op: 'drop'; at: number }
  | { op: 'duplicate'; at: number }
  | { op: 'move'; from: number; to: number }
  | { op: 'insert'; at: number; chunk: unknown }
  | { op: 'mutate'; at: number; mutations: TreeMutation[] }
  | { op: 'shuffle'; seed: number }
  | { op: 'cut'; at: number };

function streamMutation(kind: Kind): fc.Arbitrary<StreamMutation> {
  return fc.oneof(
    fc.record({ op: fc.constant('drop' as const), at }),
    fc.record({ op: fc.constant('duplicate' as const), at }),
    fc.record({ op: fc.constant('move' as const), from: at, to: at }),
    {
      arbitrary: fc.record({
        op: fc.constant('insert' as const),
        at,
        chunk: fc.oneof({ arbitrary: grammarOf(kind).chunk, weight: 3 }, { arbitrary: anyChunk, weight: 1 }),
      }),
      weight: 2,
    },
    { arbitrary: fc.record({ op: fc.constant('mutate' as const), at, mutations: treeMutations }), weight: 4 },
    fc.record({ op: fc.constant('shuffle' as const), seed: fc.integer() }),
    fc.record({ op: fc.constant('cut' as const), at }),
  );
}

/** A small seeded shuffle (mulberry32), so that a shuffle shrinks to its seed. */
export function shuffle<T>(items: T[], seed: number): void {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
}

function mutateStream(base: readonly unknown[], mutations: readonly StreamMutation[]): unknown[] {
  const chunks = base.map(clone);
  for (const mutation of mutations) {
    const index = (n: number) => (chunks.length === 0 ? 0 : n % chunks.length);
    switch (mutation.op) {
      case 'drop':
        chunks.splice(index(mutation.at), 1);
        break;
      case 'duplicate':
        if (chunks.length > 0) chunks.splice(index(mutation.at), 0, clone(chunks[index(mutation.at)]));
        break;
      case 'move': {
        if (chunks.length === 0) break;
        const [chunk] = chunks.splice(index(mutation.from), 1);
        chunks.splice(index(mutation.to), 0, chunk);
        break;
      }
      case 'insert':
        chunks.splice(chunks.length === 0 ? 0 : mutation.at % (chunks.length + 1), 0, clone(mutation.chunk));
        break;
      case 'mutate':
        if (chunks.length > 0) chunks[index(mutation.at)] = mutate(chunks[index(mutation.at)], mutation.mutations);
        break;
      case 'shuffle':
        shuffle(chunks, mutation.seed);
        break;
      case 'cut':
        chunks.length = index(mutation.at);
        break;
    }
  }
  return chunks;
}

export function streamArb(kind: Kind): fc.Arbitrary<unknown[]> {
  const streams = (CORPORA[kind]?.streams.length ?? 0) > 0 ? CORPORA[kind].streams : [[]];
  return fc.oneof(
    {
      arbitrary: fc
        .tuple(fc.constantFrom(...streams), fc.array(streamMutation(kind), { maxLength: 8 }))
        .map(([base, mutations]) => mutateStream(base, mutations)),
      weight: 5,
    },
    { arbitrary: fc.array(grammarOf(kind).chunk, { maxLength: 12 }), weight: 3 },
    { arbitrary: fc.array(anyChunk, { maxLength: 8 }), weight: 1 },
    { arbitrary: fc.array(fc.oneof(fc.jsonValue(), fc.anything()), { maxLength: 6 }), weight: 1 },
  );
}

export function paramsArb(kind: Kind): fc.Arbitrary<Record<string, unknown>> {
  // The instrumentation reads `record(args[0]) ?? {}`: any object, arrays included.
  const asParams = (value: unknown) => (value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {});
  return fc
    .oneof(
      { arbitrary: mutated(CORPORA[kind]?.params ?? []), weight: 4 },
      { arbitrary: grammarOf(kind).params, weight: 4 },
      { arbitrary: mutated(Object.values(CORPORA).flatMap((corpus) => corpus.params)), weight: 1 },
      { arbitrary: fc.object(), weight: 1 },
      { arbitrary: fc.array(fc.anything(), { maxLength: 3 }), weight: 1 },
    )
    .map(asParams);
}

export class APIError extends Error {
  constructor(fields: Record<string, unknown>) {
    super('api error');
    Object.assign(this, fields);
  }
}

/** What a call may fail with: SDK errors with odd fields (their `code`, `type` come from the error body), aborts, any thrown value. */
const errorArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.string().map((message) => new Error(message)),
  fc.constant(new DOMException('This operation was aborted', 'AbortError')),
  fc
    .record({ type: weirdValue, code: weirdValue, status: weirdValue, error: weirdValue }, { requiredKeys: [] })
    .map((fields) => new APIError(fields)),
  fc
    .record({ message: weirdValue, name: weirdValue, code: weirdValue }, { requiredKeys: [] })
    .map((fields) => Object.assign(new TypeError('fetch failed'), fields)),
  fc.anything(),
  weirdValue,
);

// ---------------------------------------------------------------------------------------------
// The specs under test

export interface SpecCase {
  name: string;
  kind: Kind;
  provider: string;
  /** Its provider's fixtures folder (fixtures/<folder>/). */
  folder: string;
  spec: ModelCallSpec<unknown, unknown>;
}

export interface TelemetryChoice {
  capture: CaptureMode;
  maxContentLength: number | undefined;
  captureBinaryContent: boolean;
  semconvMode: 'latest' | 'compat';
  withMetrics: boolean;
}

export const telemetryArb: fc.Arbitrary<TelemetryChoice> = fc.record({
  capture: fc.constantFrom<CaptureMode>('NO_CONTENT', 'SPAN_AND_EVENT', 'SPAN_ONLY', 'EVENT_ONLY'),
  maxContentLength: fc.option(fc.integer({ min: 0, max: 400 }), { nil: undefined }),
  captureBinaryContent: fc.boolean(),
  semconvMode: fc.constantFrom('latest' as const, 'compat' as const),
  withMetrics: fc.boolean(),
});

function telemetryOf(choice: TelemetryChoice): CallTelemetry {
  return {
    tracer,
    semconvMode: choice.semconvMode,
    metrics: choice.withMetrics ? metrics : undefined,
    content:
      choice.capture === 'NO_CONTENT'
        ? undefined
        : new ContentRecorder(choice.capture, {
            maxContentLength: choice.maxContentLength,
            captureBinaryContent: choice.captureBinaryContent,
          }),
    logger,
  };
}

export function startCall(spec: SpecCase, params: Record<string, unknown>, choice: TelemetryChoice): InferenceCall {
  const attributes: Attributes = {
    'gen_ai.operation.name': spec.spec.operation,
    'gen_ai.provider.name': spec.provider,
    'gen_ai.request.model': 'fuzz-model',
  };
  const request: Attributes = {};
  spec.spec.requestAttributes(params, request);
  const content = spec.spec.content as ContentMapping<unknown, unknown> | undefined;
  return new InferenceCall(telemetryOf(choice), `${spec.spec.operation} fuzz-model`, attributes, request, content, params);
}

export type Ending = { how: 'end' } | { how: 'stream-end' } | { how: 'fail'; error: unknown };
export const endingArb: fc.Arbitrary<Ending> = fc.oneof(
  fc.constant({ how: 'end' as const }),
  fc.constant({ how: 'stream-end' as const }),
  errorArb.map((error) => ({ how: 'fail' as const, error })),
);

/** Ends `call` as the SDK observers would, then again (a second end must change nothing). */
export function finish(call: InferenceCall, ending: Ending): void {
  if (ending.how === 'fail') call.fail(ending.error);
  else if (ending.how === 'end') call.end();
  // As a stream's end does: a stream without its final event failed.
  else if (call.finishReasons !== undefined) call.end();
  else call.fail(new Error('stream ended before its final event'), 'incomplete_stream');
  call.end();
  call.fail(new Error('late'));
}

/** The one span `call` produced: ended once, exported once, with valid attributes; events likewise. */
export function checkCall(call: InferenceCall, nonNegative: boolean, ending: Ending, choice: TelemetryChoice): void {
  const maxContent = choice.maxContentLength ?? DEFAULT_MAX_CONTENT;
  const problems = unexpectedDiag(ending.how === 'fail' ? ending.error : undefined);
  if (problems.length > 0) fail(`diag: ${problems.join(' | ')}`);
  const id = call.span.spanContext().spanId;
  const spans = tracing.exporter.getFinishedSpans().filter((span) => span.spanContext().spanId === id);
  if (spans.length !== 1 || endCounts.get(id) !== 1) fail(`span exported ${spans.length} times, ended ${endCounts.get(id) ?? 0} times`);
  if (!call.isEnded) fail('call not marked ended');
  checkCallSpan(spans[0], nonNegative, maxContent);
  const events = logRecords.getFinishedLogRecords();
  if (events.length > (choice.capture === 'SPAN_AND_EVENT' || choice.capture === 'EVENT_ONLY' ? 1 : 0))
    fail(`${events.length} content events`);
  for (const record of events) {
    checkAttributes(record.attributes, `event ${record.eventName}`);
    for (const key of CONTENT_KEYS) {
      if (typeof record.attributes[key] === 'string') checkContentString(record.attributes[key] as string, maxContent);
    }
  }
}
