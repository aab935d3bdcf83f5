/**
 * Bad input, fuzzed: property-based tests (fast-check) that feed random and mutated provider
 * payloads and request params into every mapping and stream accumulator. None may throw (nor make
 * a guard swallow a throw), every attribute value must be a valid OpenTelemetry attribute value,
 * token counts are never NaN or infinite, and every span ends exactly once.
 *
 * Realistic inputs start from the bundled fixtures (bodies, SSE event data, request `match`
 * bodies), read at test time, and are mutated at random. `FUZZ_SEED=<n>` replays one seed;
 * `FUZZ_RUNS=<factor>` scales every property's run count.
 */
import type { Attributes } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { messagesCreate } from '../../src/anthropic/messages';
import { ContentRecorder, TRUNCATION_MARKER, truncateUtf8 } from '../../src/content';
import type { ContentMapping } from '../../src/content';
import { InferenceCall } from '../../src/inference-call';
import { fingerprint } from '../../src/tools';
import type { ToolResult } from '../../src/tools';
import {
  runs,
  tracing,
  resetTelemetry,
  fail,
  show,
  checkAttributes,
  allNumbersNonNegative,
  checkMessages,
  checkInput,
  checkRecorded,
  SPECS,
  weirdValue,
  clone,
  bodyArb,
  shuffle,
  streamArb,
  paramsArb,
  APIError,
  telemetryArb,
  startCall,
  endingArb,
  finish,
  checkCall,
} from './setup';
import type { SpecCase, TelemetryChoice, Ending } from './setup';

// ---------------------------------------------------------------------------------------------
// 1. Request attributes

describe.each(SPECS)('$name: requestAttributes(random params)', (spec) => {
  it('never throws and writes only valid attribute values', () => {
    fc.assert(
      fc.property(paramsArb(spec.kind), (params) => {
        const target: Attributes = {};
        spec.spec.requestAttributes(params, target);
        checkAttributes(target, 'request');
      }),
      runs(1000),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 2. Whole calls: a body or a stream into a real span

/** One call fed a whole `body`, ended as `ending` says, and checked; its span. */
function bodyCall(spec: SpecCase, params: Record<string, unknown>, body: unknown, ending: Ending, choice: TelemetryChoice): ReadableSpan {
  resetTelemetry();
  const nonNegative = allNumbersNonNegative(body);
  const call = startCall(spec, params, choice);
  const mapping = spec.spec.content;
  // As the APIPromise observer does: the output is read from the body when the call ends.
  if (call.content !== undefined && mapping !== undefined) call.content.output = () => mapping.output(body);
  spec.spec.mapping.onBody(call, body);
  finish(call, ending.how === 'stream-end' ? { how: 'end' } : ending);
  checkCall(call, nonNegative, ending, choice);
  return spanOf(call);
}

/** One call fed `chunks` (copied: a handler may edit the chunk the app sees), ended, and checked; its span. */
function streamCall(
  spec: SpecCase,
  params: Record<string, unknown>,
  chunks: readonly unknown[],
  ending: Ending,
  choice: TelemetryChoice,
): ReadableSpan {
  resetTelemetry();
  const nonNegative = allNumbersNonNegative(chunks);
  const call = startCall(spec, params, choice);
  const handler = spec.spec.mapping.chunkHandler(call);
  const output = call.content !== undefined ? spec.spec.content?.streamOutput() : undefined;
  if (call.content !== undefined && output !== undefined) call.content.output = () => output.messages();
  for (const chunk of chunks.map(clone)) {
    call.markChunk();
    const deliver = handler.onChunk(chunk);
    if (deliver !== undefined && typeof deliver !== 'boolean') fail(`onChunk returned ${show(deliver)}`);
    output?.onChunk(chunk);
  }
  finish(call, ending);
  checkCall(call, nonNegative, ending, choice);
  return spanOf(call);
}

function spanOf(call: InferenceCall): ReadableSpan {
  const id = call.span.spanContext().spanId;
  return tracing.exporter.getFinishedSpans().find((span) => span.spanContext().spanId === id) as ReadableSpan;
}

/** Each input goes through twice: with content capture off, then on (span, event or both). */
const captureOn = telemetryArb.filter((choice) => choice.capture !== 'NO_CONTENT');
const off = (choice: TelemetryChoice): TelemetryChoice => ({ ...choice, capture: 'NO_CONTENT' });

describe.each(SPECS)('$name: a call fed a random body or stream', (spec) => {
  it('onBody(random body) then end/fail, capture off and on: never throws, valid attributes, finite usage, one end', () => {
    fc.assert(
      fc.property(paramsArb(spec.kind), bodyArb(spec.kind), captureOn, endingArb, (params, body, choice, ending) => {
        bodyCall(spec, params, body, ending, off(choice));
        bodyCall(spec, params, body, ending, choice);
      }),
      runs(1000),
    );
  });

  it('chunkHandler(call).onChunk(every chunk of a mutated stream) then end/fail, capture off and on: never throws, valid attributes, one end', () => {
    fc.assert(
      fc.property(paramsArb(spec.kind), streamArb(spec.kind), captureOn, endingArb, (params, chunks, choice, ending) => {
        streamCall(spec, params, chunks, ending, off(choice));
        streamCall(spec, params, chunks, ending, choice);
      }),
      runs(800),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Content mappings and the recorder

const CONTENT_SPECS = SPECS.filter((spec) => spec.spec.content !== undefined && spec.name !== 'openai chat (added usage)');

describe.each(CONTENT_SPECS)('$name: content mapping', (spec) => {
  const mapping = spec.spec.content as ContentMapping<unknown, unknown>;
  const whole = new ContentRecorder('SPAN_ONLY', { maxContentLength: Number.MAX_SAFE_INTEGER, captureBinaryContent: true });
  const recorderArb = fc.record({ max: fc.integer({ min: 0, max: 300 }), binary: fc.boolean() });
  /** What `record` records capped at `max`, checked against what it records uncapped. */
  const checkCapped = (max: number, binary: boolean, record: (recorder: ContentRecorder) => Attributes) =>
    checkRecorded(
      record(new ContentRecorder('SPAN_AND_EVENT', { maxContentLength: max, captureBinaryContent: binary })),
      record(new ContentRecorder('SPAN_AND_EVENT', { maxContentLength: Number.MAX_SAFE_INTEGER, captureBinaryContent: binary })),
      max,
    );

  it('input(random params): messages of {role, parts}; recorded as JSON, or cut to maxContentLength on a character boundary', () => {
    fc.assert(
      fc.property(paramsArb(spec.kind), recorderArb, (params, { max, binary }) => {
        const input = mapping.input(params);
        checkInput(input, 'input');
        checkCapped(max, binary, (recorder) => recorder.inputAttributes(input));
        checkAttributes(whole.inputAttributes(input), 'input content');
      }),
      runs(1000),
    );
  });

  it('output(random body): messages of {role, parts}; recorded likewise', () => {
    fc.assert(
      fc.property(bodyArb(spec.kind), recorderArb, (body, { max, binary }) => {
        const messages = mapping.output(body);
        checkMessages(messages, 'output');
        checkCapped(max, binary, (recorder) => recorder.outputAttributes(messages));
      }),
      runs(1000),
    );
  });

  it('streamOutput() fed a mutated stream: messages() of {role, parts}, asked at any point; recorded likewise', () => {
    fc.assert(
      fc.property(streamArb(spec.kind), fc.nat(), recorderArb, (chunks, askAt, { max, binary }) => {
        const stream = mapping.streamOutput();
        const ask = chunks.length === 0 ? 0 : askAt % (chunks.length + 1);
        chunks.forEach((chunk, index) => {
          if (index === ask) checkMessages(stream.messages(), 'stream (partial)');
          stream.onChunk(chunk);
        });
        const messages = stream.messages();
        checkMessages(messages, 'stream');
        checkCapped(max, binary, (recorder) => recorder.outputAttributes(messages));
      }),
      runs(1000),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// 4. Tool-result ids, fingerprints, truncation

describe.each(SPECS.filter((spec) => spec.spec.toolResults !== undefined))('$name: toolResults(random params)', (spec) => {
  it('never throws and returns results with non-empty string ids, failed either true or absent', () => {
    fc.assert(
      fc.property(paramsArb(spec.kind), (params) => {
        const results = (spec.spec.toolResults as (params: Record<string, unknown>) => ToolResult[])(params);
        const valid = (result: ToolResult) =>
          typeof result.id === 'string' && result.id !== '' && (result.failed === undefined || result.failed === true);
        if (!Array.isArray(results) || !results.every(valid)) fail(`results ${show(results)}`);
      }),
      runs(1000),
    );
  });
});

const FINGERPRINT = /^[A-Za-z0-9_-]{16}$/;
const everything = fc.anything({
  maxDepth: 3,
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
});

describe('fingerprint', () => {
  it('never throws on anything, and gives a 16-character base64url string or undefined', () => {
    fc.assert(
      fc.property(fc.oneof(everything, weirdValue, fc.string({ unit: 'binary' })), (value) => {
        const print = fingerprint(value);
        if (print !== undefined && !FINGERPRINT.test(print)) fail(`fingerprint ${show(print)}`);
      }),
      runs(1000),
    );
  });

  it('never throws on circular objects', () => {
    const sibling = fc.array(fc.record({ id: fc.integer(), name: fc.string({ maxLength: 4 }) }), { maxLength: 200 });
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), everything, { maxKeys: 4 }),
        fc.string(),
        sibling,
        fc.boolean(),
        (object, key, items, viaArray) => {
          const value = object as Record<string, unknown>;
          // A large sibling, serialised again at every level if the cycle is only noticed by the stack overflowing.
          value.items = items;
          // defineProperty, because assigning to a key named __proto__ would set the prototype instead.
          Object.defineProperty(value, key, { value: viaArray ? [1, value] : value, enumerable: true, writable: true, configurable: true });
          // Before the fix the cycle was found only when the stack overflowed: seconds beside a large
          // sibling, which the test timeout (not a timed assertion) would catch.
          const print = fingerprint(value);
          if (print !== undefined && !FINGERPRINT.test(print)) fail(`fingerprint ${show(print)}`);
          expect(fingerprint(value)).toBe(print);
        },
      ),
      runs(500),
    );
  });

  it('is the same for the same JSON object, whatever its key order and whether given as a string', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }), fc.integer(), (object, seed) => {
        const entries = Object.entries(object);
        shuffle(entries, seed);
        const reordered = Object.fromEntries(entries);
        const print = fingerprint(object);
        expect(print).toMatch(FINGERPRINT);
        expect(fingerprint(reordered)).toBe(print);
        expect(fingerprint(JSON.stringify(object))).toBe(print);
      }),
      runs(500),
    );
  });
});

/** Strings with every width of UTF-8 character: ASCII, 2- and 3-byte, astral (surrogate pairs). */
const unicodeText = fc.string({
  unit: fc.oneof(
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
    fc.constantFrom('a', 'é', '°', '€', '中', '🌞', '𝄞', '👍🏽', '\u0000', '\uFFFF'),
  ),
  maxLength: 60,
});

describe('truncateUtf8', () => {
  it('cuts well-formed text to at most max bytes, on a character boundary, marked; leaves text that fits alone', () => {
    fc.assert(
      fc.property(unicodeText, fc.integer({ min: 0, max: 260 }), (text, max) => {
        const cut = truncateUtf8(text, max);
        const bytes = Buffer.byteLength(text, 'utf8');
        if (bytes <= max) {
          expect(cut).toBe(text);
          return;
        }
        expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(max);
        expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
        // Marked whenever the marker fits.
        expect(cut.endsWith(TRUNCATION_MARKER)).toBe(max >= Buffer.byteLength(TRUNCATION_MARKER, 'utf8'));
        const kept = cut.endsWith(TRUNCATION_MARKER) ? cut.slice(0, -TRUNCATION_MARKER.length) : cut;
        expect(text.startsWith(kept)).toBe(true);
      }),
      runs(1000),
    );
  });

  it('never splits a surrogate pair, and stays within max bytes, even around lone surrogates', () => {
    const lone = fc.integer({ min: 0xd800, max: 0xdfff }).map((code) => String.fromCharCode(code));
    fc.assert(
      fc.property(
        fc.string({ unit: fc.oneof(lone, fc.constantFrom('a', '🌞', 'é', '中')), maxLength: 30 }),
        fc.integer({ min: 0, max: 100 }),
        (text, max) => {
          const cut = truncateUtf8(text, max);
          if (Buffer.byteLength(text, 'utf8') <= max) return void expect(cut).toBe(text);
          expect(Buffer.byteLength(cut, 'utf8')).toBeLessThanOrEqual(max);
          const kept = cut.endsWith(TRUNCATION_MARKER) ? cut.slice(0, -TRUNCATION_MARKER.length) : cut;
          expect(text.startsWith(kept)).toBe(true);
          // The cut falls between the halves of no pair.
          const last = kept.charCodeAt(kept.length - 1);
          const next = text.charCodeAt(kept.length);
          expect(last >= 0xd800 && last <= 0xdbff && next >= 0xdc00 && next <= 0xdfff).toBe(false);
        },
      ),
      runs(1000),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Regressions: what the fuzzer found, as plain cases (shrunk counterexamples)

describe('regressions found by fuzzing', () => {
  const OFF: TelemetryChoice = {
    capture: 'NO_CONTENT',
    maxContentLength: undefined,
    captureBinaryContent: false,
    semconvMode: 'latest',
    withMetrics: true,
  };
  const ON: TelemetryChoice = { ...OFF, capture: 'SPAN_AND_EVENT' };
  const [anthropic, chat] = SPECS;
  const unprintable = (text = '{"toString":1}') => JSON.parse(text) as Record<string, unknown>;

  const runBody = (spec: SpecCase, body: unknown, ending: Ending, choice = OFF) => bodyCall(spec, {}, body, ending, choice);
  const runStream = (spec: SpecCase, chunks: unknown[], choice = OFF) => streamCall(spec, {}, chunks, { how: 'stream-end' }, choice);

  it('Anthropic usage: finite parts whose sum overflows give no input token count, never Infinity', () => {
    const span = runBody(anthropic, { usage: { input_tokens: 7.976931348623158e307, cache_read_input_tokens: 1e308 } }, { how: 'end' });
    expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    expect(span.attributes['gen_ai.usage.cache_read.input_tokens']).toBe(1e308);
    const streamed = runStream(anthropic, [
      { type: 'message_start', message: { usage: { cache_read_input_tokens: 1e308, cache_creation_input_tokens: 1e308 } } },
      { type: 'message_delta', delta: { stop_reason: 'end_turn' } },
    ]);
    expect(streamed.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
  });

  it('a failure whose error the SDK cannot record (`code` with no callable toString, from an error body) still ends the span once', () => {
    for (const error of [
      new APIError({ code: unprintable() }),
      Object.assign(new TypeError('fetch failed'), { code: unprintable('{"toString":null,"valueOf":null}') }),
      Object.assign(new TypeError('fetch failed'), { name: unprintable() }),
    ]) {
      const span = runBody(chat, {}, { how: 'fail', error });
      expect(span.status.code).toBe(2);
      expect(span.attributes['error.type']).toBe(error.constructor.name);
      expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
    }
  });

  it('an Error whose message is not a string gives a span status without message (no invalid status for the SDK to drop)', () => {
    for (const message of [[], {}, NaN]) {
      // With capture on the status would carry the error's message: there is none to carry.
      const span = runBody(chat, {}, { how: 'fail', error: Object.assign(new Error(''), { message }) }, ON);
      expect(span.status).toEqual({ code: 2 });
      // With capture off (the default) it says the error's class only (see errors-privacy.test.ts).
      expect(runBody(chat, {}, { how: 'fail', error: Object.assign(new Error(''), { message }) }).status).toEqual({
        code: 2,
        message: 'Error',
      });
    }
  });

  const anthropicContent = () => messagesCreate.content as ContentMapping<unknown, unknown>;
  /** The output messages of one assistant message made of `parts`. */
  const assistantSaid = (...parts: unknown[]) => [{ role: 'assistant', parts }];

  it('Anthropic content: a role, block type or tool type that String() cannot convert does not throw', () => {
    const content = anthropicContent();
    expect([...content.input({ messages: [{ role: unprintable() }] }).messages]).toEqual([{ role: 'object', parts: [] }]);
    expect(content.input({ tools: [{ type: unprintable() }] }).toolDefinitions).toEqual([{ type: 'object', name: undefined }]);
    expect(content.output({ content: [{ type: unprintable('{"toString":null,"valueOf":null}') }] })).toEqual(
      assistantSaid({ type: 'object' }),
    );
    const span = runBody(anthropic, { content: [{ type: unprintable('{"toString":null,"valueOf":null}') }] }, { how: 'end' }, ON);
    expect(JSON.parse(span.attributes['gen_ai.output.messages'] as string)).toEqual(assistantSaid({ type: 'object' }));
  });

  it('Anthropic stream content: a block that starts with non-string text or thinking is streamed from empty (no throw, no "undefined")', () => {
    const stream = anthropicContent().streamOutput();
    stream.onChunk({ type: 'content_block_start', index: 0, content_block: { type: 'thinking', thinking: unprintable() } });
    stream.onChunk({ type: 'content_block_start', index: 1, content_block: { type: 'text' } });
    stream.onChunk({ type: 'content_block_delta', index: 1, delta: { type: 'text_delta', text: 'Hi' } });
    expect(stream.messages()).toEqual(assistantSaid({ type: 'reasoning', content: '' }, { type: 'text', content: 'Hi' }));
  });

  it('Anthropic stream content: a huge block index does not walk billions of holes', () => {
    for (const index of [1e9, 2 ** 32 - 2]) {
      const stream = anthropicContent().streamOutput();
      stream.onChunk({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } });
      stream.onChunk({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'a' } });
      stream.onChunk({ type: 'content_block_start', index, content_block: { type: 'text', text: 'b' } });
      expect(stream.messages()).toEqual(assistantSaid({ type: 'text', content: 'a' }, { type: 'text', content: 'b' }));
    }
  });

  it('Chat: a finish reason at a huge, negative or fractional choice index is kept in order without an array of millions', () => {
    for (const index of [1e9, 2 ** 32 - 2, -1, 1.5, 128]) {
      const streamed = runStream(chat, [
        {
          id: 'chatcmpl-1',
          choices: [
            { index: 0, delta: { content: 'x' }, finish_reason: 'stop' },
            { index, delta: {}, finish_reason: 'length' },
          ],
        },
      ]);
      expect(streamed.attributes['gen_ai.response.finish_reasons']).toEqual(['stop', 'length']);
      const body = runBody(chat, { choices: [{ index, finish_reason: 'stop', message: { content: 'x' } }] }, { how: 'end' });
      expect(body.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    }
    // A plausible index still places its reason, holes reading `error`.
    const streamed = runStream(chat, [{ choices: [{ index: 2, finish_reason: 'stop' }] }]);
    expect(streamed.attributes['gen_ai.response.finish_reasons']).toEqual(['error', 'error', 'stop']);
  });

  it('truncateUtf8 keeps to a cap smaller than its marker, dropping the marker', () => {
    expect(truncateUtf8('a', 0)).toBe('');
    expect(truncateUtf8('\ud800', 0)).toBe('');
    expect(truncateUtf8('abcdefghijklmnopq', 5)).toBe('abcde');
    expect(truncateUtf8('é🌞é', 5)).toBe('é');
    expect(truncateUtf8('abcdefghijklmnopq', 14)).toBe(TRUNCATION_MARKER);
    const recorded = new ContentRecorder('SPAN_ONLY', { maxContentLength: 0 }).outputAttributes([{ role: 'assistant', parts: [] }]);
    expect(recorded).toEqual({ 'gen_ai.output.messages': '' });
  });

  it('fingerprint of a cycle beside a large sibling is undefined (it used to take seconds)', () => {
    const value: Record<string, unknown> = { items: Array.from({ length: 1000 }, (_, id) => ({ id })) };
    value.self = value;
    expect(fingerprint(value)).toBeUndefined();
    expect(fingerprint({ b: [1, { c: 2 }], a: 'x' })).toBe(fingerprint('{"a":"x","b":[1,{"c":2}]}'));
  });
});
