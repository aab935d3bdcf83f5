/**
 * Content capture in O(cap) (issue 24). The recorder writes each content attribute only as far as
 * `maxContentLength` needs, reads a request's messages only as far as it writes, and leaves payloads
 * out as it goes. What it records must stay what it recorded before, byte for byte: the whole value
 * built, `JSON.stringify`'d, then cut by `truncateUtf8` (`recordedBefore` below restates that). The
 * properties compare the two on many shapes; the last tests show that what lies past the cap is never read.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { languageModelContent } from '../../src/ai-sdk/content';
import { messagesContent } from '../../src/anthropic/content';
import { ContentRecorder, lazyMessages, TRUNCATION_MARKER, truncateUtf8 } from '../../src/content';
import type { ChatMessage, ContentOptions, InputContent, Part, RedactContext, ToolDefinition } from '../../src/content';
import { blobWithoutPayload, jsonPrefix, LazyList, PayloadsLeftOut, withoutNestedPayloads } from '../../src/content-json';
import { generateContentContent } from '../../src/google/content';
import { chatContent } from '../../src/openai/chat-content';
import { responsesContent } from '../../src/openai/responses-content';

const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const FACTOR = Number(process.env.FUZZ_RUNS ?? 1) || 1;
const runs = (n: number) => ({ numRuns: Math.max(1, Math.round(n * FACTOR)), ...(SEED === undefined ? {} : { seed: SEED }) });

// ---------------------------------------------------------------------------------------------
// Values: what content holds, hostile shapes included

/** Code units that JSON escapes or that UTF-8 sizes differently, lone and paired surrogates among them. */
const unit = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('a', 'Z', '0', ' ', ',', ':', '{', '[') },
  fc.constantFrom('"', '\\', '\n', '\t', '\u0000', '\u001f', '\u007f', '\u2028', 'é', '€', '°', '中'),
  fc.constantFrom('😀', '\ud83d', '\ude00', '\udbff\udfff', '\ud800'),
);
const text = fc.string({ unit, maxLength: 40 });
const base64 = fc.base64String({ maxLength: 40 });
const dataURL = fc.tuple(fc.constantFrom('image/png', 'application/pdf', ''), base64).map(([mime, data]) => `data:${mime};base64,${data}`);

/** `JSON.rawJSON` (Node 22+), which TypeScript's ES2022 library does not declare. */
const rawJSON = (JSON as unknown as { rawJSON: (text: string) => object }).rawJSON;

/** Objects whose JSON form is not their fields: toJSON (which sees its key), boxed primitives, raw JSON, Dates, Buffers, Maps. */
const special = (inner: fc.Arbitrary<unknown>) =>
  fc.oneof(
    inner.map((value) => ({ hidden: 'never written', toJSON: (key: string) => ({ key, value }) })),
    fc.constant({ toJSON: () => undefined }),
    fc.oneof(fc.integer(), fc.double(), fc.boolean(), text).map((value) => Object(value) as object),
    fc.oneof(fc.integer(), text).map((value) => rawJSON(JSON.stringify(value))),
    fc.date({ noInvalidDate: false }),
    base64.map((data) => Buffer.from(data, 'base64')),
    fc.constant(new Map([['a', 1]])),
    fc.constant(new Uint8Array([1, 2, 3])),
  );

/** Base64 payloads as content and tool results carry them. */
const payload = fc.oneof(
  dataURL,
  fc.record({ type: fc.constant('base64'), media_type: fc.constant('image/png'), data: base64 }),
  fc.record({ mime_type: fc.constant('audio/wav'), data: base64 }),
  fc.record({ mimeType: fc.constant('application/pdf'), data: base64, name: text }),
  fc.record({ type: fc.constant('blob'), modality: fc.constant('image'), content: base64 }),
);

const { value: contentValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    text,
    fc.oneof(fc.integer(), fc.double(), fc.constantFrom(-0, NaN, Infinity, 1e21, 5e-7)),
    fc.constantFrom(true, false, null, undefined, () => 1, Symbol('s')),
    payload,
    special(tie('value')),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.sparseArray(tie('value'), { maxLength: 5 }),
    fc.dictionary(fc.oneof(text, fc.constantFrom('__proto__', '1', 'data', 'type', 'toJSON')), tie('value'), { maxKeys: 5 }),
    fc.dictionary(text, tie('value'), { maxKeys: 3, noNullPrototype: false }),
  ),
}));

/** A value nested deeper than payloads are searched (8) and than the writer writes itself (64). */
const deep = fc.tuple(fc.integer({ min: 1, max: 90 }), contentValue, fc.boolean()).map(([depth, leaf, inArrays]) => {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level++) value = inArrays ? [value, level] : { level, value };
  return value;
});

const anyValue = fc.oneof({ weight: 5, arbitrary: contentValue }, deep);

/** A limit anywhere, or around the whole text's length, where the cut is decided. */
function limitFor(whole: string | undefined, pick: { near: boolean; offset: number; anywhere: number }): number {
  return whole !== undefined && pick.near ? Math.max(0, whole.length + pick.offset) : pick.anywhere;
}
const limitPick = fc.record({ near: fc.boolean(), offset: fc.integer({ min: -4, max: 4 }), anywhere: fc.nat(300) });

/** `jsonPrefix` against the text it must be the start of: all of it when that fits, else more than the limit. */
function expectPrefixOf(whole: string | undefined, write: () => string, limit: number): void {
  if (whole === undefined) {
    expect(write).toThrow(TypeError);
    return;
  }
  const written = write();
  if (whole.length <= limit) expect(written).toBe(whole);
  else {
    expect(written.length).toBeGreaterThan(limit);
    expect(whole.startsWith(written)).toBe(true);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. The writer against JSON.stringify

describe('jsonPrefix', () => {
  it('writes what JSON.stringify writes, or the start of it past the limit', () => {
    fc.assert(
      fc.property(anyValue, limitPick, (value, pick) => {
        const whole = JSON.stringify(value);
        expectPrefixOf(whole, () => jsonPrefix(value, limitFor(whole, pick)), limitFor(whole, pick));
      }),
      runs(3000),
    );
  });

  it('leaves payloads out as withoutNestedPayloads does (PayloadsLeftOut), and writes a LazyList as its mapped array', () => {
    fc.assert(
      fc.property(anyValue, fc.array(anyValue, { maxLength: 4 }), limitPick, (value, items, pick) => {
        const stripped = JSON.stringify(withoutNestedPayloads(value, 0));
        expectPrefixOf(stripped, () => jsonPrefix(new PayloadsLeftOut(value), limitFor(stripped, pick)), limitFor(stripped, pick));
        const mapped = JSON.stringify(items.map((item) => ({ item })));
        expectPrefixOf(mapped, () => jsonPrefix(new LazyList(items, (item) => ({ item })), limitFor(mapped, pick)), limitFor(mapped, pick));
      }),
      runs(2000),
    );
  });

  it('throws where JSON.stringify throws once it gets there, and stops before a throw past the limit', () => {
    const cycle: Record<string, unknown> = { a: 'x' };
    cycle.self = cycle;
    expect(() => jsonPrefix(cycle, 1000)).toThrow(TypeError);
    expect(() => jsonPrefix({ n: 1n }, 1000)).toThrow(TypeError);
    expect(() => jsonPrefix(undefined, 1000)).toThrow(TypeError);
    expect(jsonPrefix({ long: 'x'.repeat(50), n: 1n }, 20)).toBe(`{"long":"${'x'.repeat(13)}`);
  });

  it('never splits a surrogate pair where a string is cut, and escapes a lone one as JSON.stringify does', () => {
    const pair = '😀';
    for (let limit = 0; limit < 12; limit++) {
      for (const value of [`ab${pair}${pair}cd`, `\ud83d${'a'.repeat(8)}`, `a\ude00\ud83d`]) {
        const written = jsonPrefix(value, limit);
        const whole = JSON.stringify(value);
        expect(whole.startsWith(written)).toBe(true);
        expect(written.length > limit || written === whole).toBe(true);
      }
    }
  });
});

describe('truncateUtf8', () => {
  /** The longest prefix of whole characters whose UTF-8 is at most `budget` bytes, found by trying every length. */
  function longestFitting(text: string, budget: number): string {
    for (let end = Math.min(text.length, budget); end > 0; end--) {
      const splitsPair = /[\ud800-\udbff]/.test(text[end - 1]) && /[\udc00-\udfff]/.test(text[end] ?? '');
      if (!splitsPair && Buffer.byteLength(text.slice(0, end), 'utf8') <= budget) return text.slice(0, end);
    }
    return '';
  }

  it('keeps the longest prefix that fits, lone surrogates counted as U+FFFD, and the marker after it', () => {
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), fc.integer({ min: 0, max: 120 }), (value, max) => {
        const cut = truncateUtf8(value, max);
        if (Buffer.byteLength(value, 'utf8') <= max) return void expect(cut).toBe(value);
        const marker = max >= Buffer.byteLength(TRUNCATION_MARKER) ? TRUNCATION_MARKER : '';
        expect(cut).toBe(longestFitting(value, max - Buffer.byteLength(marker)) + marker);
      }),
      runs(3000),
    );
  });

  it('cuts one-byte (Latin-1) text as long as it fits too, at every cap (TextEncoder.encodeInto stops short there on Node 26)', () => {
    for (let ascii = 0; ascii < 30; ascii++) {
      const value = `${'a'.repeat(ascii)}${'é°'.repeat(12)}abc`;
      for (let max = 0; max < 70; max++) {
        const marker = max >= Buffer.byteLength(TRUNCATION_MARKER) ? TRUNCATION_MARKER : '';
        const expected = Buffer.byteLength(value) <= max ? value : longestFitting(value, max - Buffer.byteLength(marker)) + marker;
        expect(truncateUtf8(value, max)).toBe(expected);
      }
    }
  });

  it('a cap that is not a whole number of bytes cuts at the whole bytes below it; one that is no number cuts nothing', () => {
    // 20.5 bytes less the marker's 14 leave 6.5: three é of two bytes each.
    expect(truncateUtf8('é'.repeat(20), 20.5)).toBe(`ééé${TRUNCATION_MARKER}`);
    expect(truncateUtf8('abc', Number.NaN)).toBe('abc');
  });
});

// ---------------------------------------------------------------------------------------------
// 2. The recorder against what it recorded before

/** The recorder before issue 24, restated: every message read, every payload stripped, the whole `JSON.stringify`'d, then cut. */
function recordedBefore(options: ContentOptions) {
  const cap = options.maxContentLength ?? 32768;
  const hooked = (part: Part, context: RedactContext) => (options.redact ? options.redact(part, context) : part);
  const kept = <T>(values: (T | undefined)[]) => values.filter((value): value is T => value !== undefined);
  const noPayload = (part: Part): Part => {
    if (options.captureBinaryContent) return part;
    if (part.type === 'blob') return typeof part.content === 'string' ? blobWithoutPayload(part) : part;
    if (!['tool_call_response', 'server_tool_call_response'].includes(part.type)) return part;
    const response = withoutNestedPayloads(part.response, 0);
    return response === part.response ? part : { ...part, response };
  };
  const partsOf = (parts: Part[], context: RedactContext) => kept(parts.map((part) => hooked(noPayload(part), context)));
  const messagesOf = (messages: Iterable<ChatMessage>, kind: 'input' | 'output') =>
    [...messages].map((message) => {
      const context: RedactContext = { kind, role: message.role };
      const result: ChatMessage = { ...message, parts: partsOf(message.parts, context) };
      if (message.name === undefined || options.redact === undefined) return result;
      const name = options.redact({ type: 'name', content: message.name }, context)?.content;
      if (typeof name === 'string') result.name = name;
      else delete result.name;
      return result;
    });
  const definitionsOf = (definitions: ToolDefinition[]) =>
    options.redact ? kept(definitions.map((definition) => hooked({ ...definition }, { kind: 'tool_definition' }))) : definitions;
  const cut = (value: unknown) => truncateUtf8(JSON.stringify(value), cap);
  return {
    input(input: InputContent) {
      const attributes: Record<string, string> = { 'gen_ai.input.messages': cut(messagesOf(input.messages, 'input')) };
      if (input.systemInstructions?.length)
        attributes['gen_ai.system_instructions'] = cut(partsOf(input.systemInstructions, { kind: 'system', role: 'system' }));
      if (input.toolDefinitions?.length) attributes['gen_ai.tool.definitions'] = cut(definitionsOf(input.toolDefinitions));
      return attributes;
    },
    output: (messages: ChatMessage[]) => ({ 'gen_ai.output.messages': cut(messagesOf(messages, 'output')) }),
    tool(value: unknown, kind: 'arguments' | 'result') {
      const redacted = hooked({ type: kind, content: options.captureBinaryContent ? value : withoutNestedPayloads(value, 0) }, { kind });
      if (redacted === undefined) return undefined;
      const recorded = redacted.content;
      return typeof recorded === 'string' ? truncateUtf8(recorded, cap) : cut(recorded === undefined ? null : recorded);
    },
  };
}

/** What `record` returned, or that it threw (the caller's guard then records no attribute). */
function outcome(record: () => unknown): { recorded: unknown } | 'threw' {
  try {
    return { recorded: record() };
  } catch {
    return 'threw';
  }
}

/** Redact hooks of several kinds: each rewrites, drops or keeps by the part's type. */
const redactHooks: Record<string, ContentOptions['redact']> = {
  none: undefined,
  keep: (part) => part,
  'drop text, rename names': (part) => (part.type === 'text' ? undefined : part.type === 'name' ? { ...part, content: 'someone' } : part),
  'mask tool values, drop names': (part, { kind }) =>
    part.type === 'name' ? undefined : kind === 'arguments' || kind === 'result' ? { ...part, content: '[masked]' } : part,
  'grow every part': (part) => ({ ...part, extra: 'é'.repeat(20) }),
};

const partArb: fc.Arbitrary<Part> = fc.oneof(
  { weight: 3, arbitrary: text.map((content) => ({ type: 'text', content })) },
  text.map((content) => ({ type: 'reasoning', content })),
  fc.record({
    type: fc.constant('blob'),
    modality: fc.constant('image'),
    mime_type: fc.constant('image/png'),
    content: fc.oneof(base64, fc.constant(undefined)),
  }),
  fc.record({ type: fc.constant('uri'), modality: fc.constant('image'), uri: fc.webUrl() }),
  fc.record({ type: fc.constantFrom('tool_call', 'server_tool_call'), id: text, name: text, arguments: anyValue }),
  fc.record({ type: fc.constantFrom('tool_call_response', 'server_tool_call_response'), id: text, response: anyValue }),
  fc.record({ type: text, payload: anyValue }),
);
const messageArb: fc.Arbitrary<ChatMessage> = fc.record(
  { role: fc.constantFrom('user', 'assistant', 'tool', 'system'), parts: fc.array(partArb, { maxLength: 4 }), name: text },
  { requiredKeys: ['role', 'parts'] },
);
const inputArb: fc.Arbitrary<InputContent> = fc.record(
  {
    messages: fc.array(messageArb, { maxLength: 6 }),
    systemInstructions: fc.array(partArb, { maxLength: 3 }),
    toolDefinitions: fc.array(
      fc.record({ type: fc.constant('function'), name: text, description: text, parameters: anyValue }, { requiredKeys: ['type'] }),
      { maxLength: 3 },
    ),
  },
  { requiredKeys: ['messages'] },
);
const optionsArb: fc.Arbitrary<ContentOptions> = fc.record({
  maxContentLength: fc.oneof(fc.nat(400), fc.constant(undefined), fc.integer({ min: 1000, max: 5000 })),
  captureBinaryContent: fc.boolean(),
  redact: fc.constantFrom(...Object.values(redactHooks)),
});

describe('the recorder records what it recorded before issue 24', () => {
  it('input messages, system instructions and tool definitions', () => {
    fc.assert(
      fc.property(inputArb, optionsArb, fc.boolean(), (input, options, lazily) => {
        // As a provider mapping hands them over: read one at a time, or an array.
        const messages = lazily ? lazyMessages(input.messages, (fields) => fields as unknown as ChatMessage) : input.messages;
        const recorded = new ContentRecorder('SPAN_ONLY', options).inputAttributes({ ...input, messages });
        expect(recorded).toEqual(recordedBefore(options).input(input));
      }),
      runs(1500),
    );
  });

  it('output messages', () => {
    fc.assert(
      fc.property(fc.array(messageArb, { maxLength: 4 }), optionsArb, (messages, options) => {
        expect(new ContentRecorder('SPAN_AND_EVENT', options).outputAttributes(messages)).toEqual(recordedBefore(options).output(messages));
      }),
      runs(1000),
    );
  });

  it('tool arguments and results', () => {
    fc.assert(
      fc.property(
        fc.oneof(anyValue, dataURL, text),
        fc.constantFrom('arguments', 'result') as fc.Arbitrary<'arguments' | 'result'>,
        optionsArb,
        (value, kind, options) => {
          // A value with no JSON form (a function, a toJSON that returns nothing) threw before and throws now: no attribute.
          expect(outcome(() => new ContentRecorder('SPAN_ONLY', options).toolValue(value, kind))).toEqual(
            outcome(() => recordedBefore(options).tool(value, kind)),
          );
        },
      ),
      runs(1500),
    );
  });

  it('a cut attribute still ends with the marker, never splitting a character', () => {
    const recorder = new ContentRecorder('SPAN_ONLY', { maxContentLength: 40 });
    // {"text":" and 15 a's are 24 bytes; one emoji more would be 28, past the 26 that the marker's 14 leave.
    expect(recorder.toolValue({ text: `${'a'.repeat(15)}😀😀😀😀😀` }, 'result')).toBe(`{"text":"${'a'.repeat(15)}${TRUNCATION_MARKER}`);
    // Two-byte characters: 9 + 8 × 2 = 25 bytes, a ninth would make 27.
    expect(recorder.toolValue({ text: 'é'.repeat(30) }, 'result')).toBe(`{"text":"${'é'.repeat(8)}${TRUNCATION_MARKER}`);
  });
});

// ---------------------------------------------------------------------------------------------
// 3. Each provider's long conversation, and what is read of it

/** Each provider's request: its list of turns under `key`, turn `n` as `turn(n)`, and the mapping that reads it. */
const conversations = {
  anthropic: {
    mapping: messagesContent,
    key: 'messages',
    rest: { system: 'Be brief.', tools: [{ name: 'read', input_schema: { type: 'object' } }] },
    turn: (n: number) =>
      n % 2 === 0
        ? {
            role: 'assistant',
            content: [
              { type: 'text', text: `turn ${n} 😀` },
              { type: 'tool_use', id: `t${n}`, name: 'read', input: { path: `f${n}` } },
            ],
          }
        : {
            role: 'user',
            content: [{ type: 'tool_result', tool_use_id: `t${n - 1}`, content: [{ type: 'text', text: `file ${n} "é"\n`.repeat(30) }] }],
          },
  },
  'openai chat': {
    mapping: chatContent,
    key: 'messages',
    rest: {},
    turn: (n: number) =>
      n % 2 === 0
        ? {
            role: 'assistant',
            name: 'agent',
            content: `turn ${n}`,
            tool_calls: [{ id: `c${n}`, type: 'function', function: { name: 'read', arguments: `{"path":"f${n}"}` } }],
          }
        : { role: 'tool', tool_call_id: `c${n - 1}`, content: `file ${n} \ud83d "é"\n`.repeat(30) },
  },
  'openai responses': {
    mapping: responsesContent,
    key: 'input',
    rest: { instructions: 'Be brief.' },
    turn: (n: number) =>
      n % 2 === 0
        ? { type: 'function_call', call_id: `c${n}`, name: 'read', arguments: `{"path":"f${n}"}` }
        : { type: 'function_call_output', call_id: `c${n - 1}`, output: [{ type: 'input_text', text: `file ${n}\n`.repeat(30) }] },
  },
  google: {
    mapping: generateContentContent,
    key: 'contents',
    rest: {},
    turn: (n: number) =>
      n % 2 === 0
        ? { role: 'model', parts: [{ functionCall: { id: `g${n}`, name: 'read', args: { path: `f${n}` } } }] }
        : {
            role: 'user',
            parts: [
              {
                functionResponse: {
                  id: `g${n - 1}`,
                  name: 'read',
                  response: { text: `file ${n}\n`.repeat(30), image: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
                },
              },
            ],
          },
  },
  'ai sdk': {
    mapping: languageModelContent,
    key: 'messages',
    rest: {},
    turn: (n: number) =>
      n % 2 === 0
        ? { role: 'assistant', content: [{ type: 'tool-call', toolCallId: `a${n}`, toolName: 'read', input: `{"path":"f${n}"}` }] }
        : {
            role: 'tool',
            content: [
              {
                type: 'tool-result',
                toolCallId: `a${n - 1}`,
                toolName: 'read',
                output: { type: 'text', value: `file ${n} data:image/png;base64,iVBORw0KGgo=\n`.repeat(30) },
              },
            ],
          },
  },
};

describe.each(Object.entries(conversations))('%s: a long conversation', (_name, { mapping, key, rest, turn }) => {
  const params = (turns: Record<string, unknown>[]) => ({ ...rest, [key]: turns });
  const turns = (count: number) => Array.from({ length: count }, (_, n) => turn(n) as Record<string, unknown>);

  it('is recorded as before at every cap, with or without a redact hook', () => {
    const request = params(turns(60));
    for (const maxContentLength of [0, 13, 14, 100, 1000, 4096, 32768, 1e9]) {
      for (const redact of [redactHooks.none, redactHooks['drop text, rename names']]) {
        const options = { maxContentLength, redact };
        expect(new ContentRecorder('SPAN_ONLY', options).inputAttributes(mapping.input(request))).toEqual(
          recordedBefore(options).input(mapping.input(request)),
        );
      }
    }
  });

  it('is read only as far as the cap: the same turns of 100 as of 10,000', () => {
    const read = (count: number) => {
      let reads = 0;
      // A turn counts each time the mapping reads its role or type, which it does as it maps the turn.
      const counted = turns(count).map(
        (fields) =>
          new Proxy(fields, { get: (target, name) => ((name === 'role' || name === 'type') && reads++, Reflect.get(target, name)) }),
      );
      const recorded = new ContentRecorder('SPAN_ONLY', { maxContentLength: 4096 }).inputAttributes(mapping.input(params(counted)));
      return { reads, recorded };
    };
    const few = read(100);
    const many = read(10_000);
    expect(many.recorded).toEqual(few.recorded);
    expect(many.reads).toBe(few.reads);
    expect(few.reads).toBeGreaterThan(0);
    expect(few.reads).toBeLessThan(100);
    expect((few.recorded['gen_ai.input.messages'] as string).endsWith(TRUNCATION_MARKER)).toBe(true);
  });
});

describe('what is past the cap is never read', () => {
  it('a tool result of a million items: only the items the cap records are read, and its payloads are left out as they are reached', () => {
    let reads = 0;
    const items = Array.from({ length: 1_000_000 }, (_, index) => ({ index, image: 'data:image/png;base64,iVBORw0KGgo=' }));
    const counted = new Proxy(items, {
      get: (target, key) => (typeof key === 'string' && /^\d+$/.test(key) && reads++, Reflect.get(target, key)),
    });
    const recorded = new ContentRecorder('SPAN_ONLY', { maxContentLength: 1000 }).toolValue({ items: counted }, 'result') as string;
    expect(recorded.startsWith('{"items":[{"index":0,"image":"data:image/png;base64,[9 bytes]"},')).toBe(true);
    expect(recorded.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(reads).toBeLessThan(30);
  });

  it('a redact hook sees the parts of the messages the cap reaches, not those past it', () => {
    const seen: string[] = [];
    const redact = (part: Part) => {
      seen.push(part.content as string);
      return part;
    };
    const messages = Array.from({ length: 1000 }, (_, index) => ({
      role: 'user',
      parts: [{ type: 'text', content: `message ${index} ${'x'.repeat(80)}` }],
    }));
    new ContentRecorder('SPAN_ONLY', { maxContentLength: 1000, redact }).inputAttributes({ messages });
    expect(seen.length).toBeGreaterThan(5);
    expect(seen.length).toBeLessThan(20);
  });
});
