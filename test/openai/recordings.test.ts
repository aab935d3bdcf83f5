/**
 * Our OpenAI mapping against bytes the real API sent: the third-party `openai-*` recordings in
 * `../shared/recordings/` (see its README) are turned into replay fixtures in a temp folder at test
 * time, served through the replay server, and called through the instrumented `openai` SDK with the
 * recorded request body. The app must receive every recorded chunk, and each span's response and
 * usage attributes must equal what the recorded chunks say, computed here by plain code that does
 * not use the instrumentation's mapping.
 *
 * Optional: skipped when the folder is absent. The recordings are read in place, never copied
 * into the repository. A recording with several turns (`NAME.0`, `NAME.1`) is one exchange per turn.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../../src';
import { parseSSE, RECORDINGS, recordingsAvailable as available, servedRecordings, serializeSSE } from '../helpers/recordings';
import type { Json, RecordedExchange, SSEEvent } from '../helpers/recordings';
import { settle, setupTracing } from '../helpers/tracing';

const tracing = setupTracing();
const instrumentation = new OpenAIInstrumentation();
instrumentation.setTracerProvider(tracing.provider);
// Required after the instrumentation exists, as an app would under `--import`.
const require = createRequire(__filename);
const OpenAI = require('openai').default as typeof import('openai').default;

interface Exchange {
  /** The fixture's name: the recording's file stem, turn included (`NAME.0`). */
  name: string;
  api: 'chat' | 'responses';
  path: string;
  request: Json;
  sse: { text: string; events: SSEEvent[] };
}

const openAIFiles = available
  ? readdirSync(RECORDINGS)
      .filter((file) => file.startsWith('openai-'))
      .sort()
  : [];

/** Every OpenAI exchange in the folder: a `.request.json` and its `.response.sse`. */
function discover(): Exchange[] {
  const exchanges: Exchange[] = [];
  for (const file of openAIFiles.filter((candidate) => candidate.endsWith('.request.json'))) {
    const stem = file.slice(0, -'.request.json'.length);
    const sseFile = `${stem}.response.sse`;
    if (!openAIFiles.includes(sseFile)) continue; // reported by the discovery test
    const text = readFileSync(join(RECORDINGS, sseFile), 'utf8');
    const api = stem.startsWith('openai-responses') ? 'responses' : 'chat';
    exchanges.push({
      name: stem,
      api,
      path: api === 'responses' ? '/v1/responses' : '/v1/chat/completions',
      request: JSON.parse(readFileSync(join(RECORDINGS, file), 'utf8')) as Json,
      sse: { text, events: parseSSE(text) },
    });
  }
  return exchanges;
}

/** The exchange as the replay server is to answer it. */
function replayed(exchange: Exchange): RecordedExchange {
  return {
    name: exchange.name,
    request: { method: 'POST', path: exchange.path, match: exchange.request },
    response: {
      status: 200,
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-request-id': `req_replay_${exchange.name}` },
      events: exchange.sse.events.map(({ event, data }) => (event === undefined ? { data } : { event, data })),
    },
  };
}

/** The recorded events as the app should see them: parsed JSON, without the `[DONE]` sentinel. */
function recordedData(exchange: Exchange): Json[] {
  return exchange.sse.events.filter((event) => event.data !== '[DONE]').map((event) => JSON.parse(event.data) as Json);
}

const ATTRIBUTES = [
  'gen_ai.response.id',
  'gen_ai.response.model',
  'gen_ai.response.finish_reasons',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.usage.cache_read.input_tokens',
  'gen_ai.usage.cache_write.input_tokens',
  'gen_ai.usage.reasoning.output_tokens',
  'openai.response.system_fingerprint',
  'openai.response.service_tier',
] as const;
type Expected = Record<(typeof ATTRIBUTES)[number], unknown>;

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The last non-empty string the chunks give for a field (they all repeat the same one). */
function lastString(chunks: Json[], field: string): string | undefined {
  let found: string | undefined;
  for (const chunk of chunks) found = str(chunk[field]) ?? found;
  return found;
}

/** Chat Completions: id and model from the chunks, one finish reason per choice index, usage from the usage chunk. */
function expectedChat(chunks: Json[]): Expected {
  const reasons = new Map<number, string>();
  for (const chunk of chunks) {
    for (const choice of (chunk.choices ?? []) as Json[]) {
      if (typeof choice.finish_reason === 'string') reasons.set(choice.index as number, choice.finish_reason);
    }
  }
  const indices = [...reasons.keys()].sort((a, b) => a - b);
  const usage = chunks.filter((chunk) => chunk.usage !== null && typeof chunk.usage === 'object').at(-1)?.usage as Json | undefined;
  return {
    'gen_ai.response.id': lastString(chunks, 'id'),
    'gen_ai.response.model': lastString(chunks, 'model'),
    'gen_ai.response.finish_reasons': indices.length === 0 ? undefined : indices.map((index) => reasons.get(index)),
    'gen_ai.usage.input_tokens': num(usage?.prompt_tokens),
    'gen_ai.usage.output_tokens': num(usage?.completion_tokens),
    'gen_ai.usage.cache_read.input_tokens': num(usage?.prompt_tokens_details?.cached_tokens),
    'gen_ai.usage.cache_write.input_tokens': undefined,
    'gen_ai.usage.reasoning.output_tokens': num(usage?.completion_tokens_details?.reasoning_tokens),
    'openai.response.system_fingerprint': lastString(chunks, 'system_fingerprint'),
    'openai.response.service_tier': lastString(chunks, 'service_tier'),
  };
}

/** Responses: everything from the final response object (`response.completed` / `.incomplete`). */
function expectedResponses(events: Json[]): Expected {
  const final = events.filter((event) => event.type === 'response.completed' || event.type === 'response.incomplete').at(-1)
    ?.response as Json;
  expect(final, 'a response.completed or response.incomplete event').toBeDefined();
  let reason: string;
  if (final.status === 'completed') {
    reason = ((final.output ?? []) as Json[]).some((item) => item.type === 'function_call') ? 'tool_calls' : 'stop';
  } else {
    reason = str(final.incomplete_details?.reason) ?? 'incomplete';
  }
  const usage = (final.usage ?? undefined) as Json | undefined;
  return {
    'gen_ai.response.id': final.id,
    'gen_ai.response.model': final.model,
    'gen_ai.response.finish_reasons': [reason],
    'gen_ai.usage.input_tokens': num(usage?.input_tokens),
    'gen_ai.usage.output_tokens': num(usage?.output_tokens),
    'gen_ai.usage.cache_read.input_tokens': num(usage?.input_tokens_details?.cached_tokens),
    'gen_ai.usage.cache_write.input_tokens': undefined,
    'gen_ai.usage.reasoning.output_tokens': num(usage?.output_tokens_details?.reasoning_tokens),
    'openai.response.system_fingerprint': undefined,
    'openai.response.service_tier': str(final.service_tier),
  };
}

function actual(attributes: Attributes): Expected {
  return Object.fromEntries(ATTRIBUTES.map((key) => [key, attributes[key]])) as Expected;
}

/** Tool call ids in chat chunks, in the order they first appear. */
function toolCallIds(chunks: Json[]): string[] {
  const ids: string[] = [];
  for (const chunk of chunks) {
    for (const choice of (chunk.choices ?? []) as Json[]) {
      for (const call of (choice.delta?.tool_calls ?? []) as Json[]) {
        if (typeof call.id === 'string') ids.push(call.id);
      }
    }
  }
  return ids;
}

const exchanges = discover();

describe.skipIf(!available)('real OpenAI recordings through the instrumented SDK', () => {
  const replay = servedRecordings(
    'openai',
    exchanges.map(replayed),
    (url) => new OpenAI({ apiKey: 'test-key', baseURL: `${url}/v1`, maxRetries: 0 }),
  );
  /** What the app received, by exchange, for the checks that span turns. */
  const received = new Map<string, Json[]>();
  beforeEach(() => {
    instrumentation.setConfig({});
    instrumentation.enable();
    tracing.exporter.reset();
  });

  it('finds the OpenAI exchanges the README lists, each request with its SSE, and replays the bytes unchanged', () => {
    expect(exchanges.map((exchange) => exchange.name)).toEqual(
      expect.arrayContaining([
        'openai-chat-stream-tool_calls.otel-js-contrib.nock.0',
        'openai-chat-stream-tool_calls.otel-js-contrib.nock.1',
        'openai-chat-stream-multi-tool_calls.openllmetry-js.polly.0',
        'openai-chat-stream-multi-tools.otel-python-contrib.vcr.0',
        'openai-responses-stream.otel-python-contrib.vcr.0',
      ]),
    );
    // Every openai-* file is part of an exchange: no request without its stream, no stream without its request.
    const used = exchanges.flatMap((exchange) => [`${exchange.name}.request.json`, `${exchange.name}.response.sse`]);
    expect(openAIFiles.filter((file) => !used.includes(file))).toEqual([]);
    for (const exchange of exchanges) {
      expect(exchange.request.stream, exchange.name).toBe(true);
      // One data line per event, and written back exactly as recorded.
      expect(serializeSSE(exchange.sse.events), exchange.name).toBe(exchange.sse.text);
      // Chat Completions streams have no `event:` lines and end in [DONE]; Responses streams name every event.
      if (exchange.api === 'chat') {
        expect(
          exchange.sse.events.every((event) => event.event === undefined),
          exchange.name,
        ).toBe(true);
        expect(exchange.sse.events.at(-1)?.data, exchange.name).toBe('[DONE]');
      } else {
        expect(
          exchange.sse.events.every((event) => event.event === (JSON.parse(event.data) as Json).type),
          exchange.name,
        ).toBe(true);
      }
    }
  });

  for (const exchange of exchanges) {
    it(`${exchange.name} (${exchange.api === 'chat' ? 'chat.completions' : 'responses'}.create, stream)`, async () => {
      const recorded = recordedData(exchange);
      const want = exchange.api === 'chat' ? expectedChat(recorded) : expectedResponses(recorded);
      const create =
        exchange.api === 'chat'
          ? (replay.client.chat.completions.create.bind(replay.client.chat.completions) as unknown as (
              body: Json,
            ) => Promise<AsyncIterable<Json>>)
          : (replay.client.responses.create.bind(replay.client.responses) as unknown as (body: Json) => Promise<AsyncIterable<Json>>);

      const stream = await create(exchange.request);
      const chunks: Json[] = [];
      for await (const chunk of stream) chunks.push(chunk);
      received.set(exchange.name, chunks);
      await settle();

      // The app sees every recorded chunk, as recorded, but the [DONE] the SDK consumes.
      expect(chunks).toEqual(recorded);
      if (exchange.api === 'chat') {
        expect(toolCallIds(chunks)).toEqual(toolCallIds(recorded));
        // Usage only where the request asked for it.
        const askedForUsage = exchange.request.stream_options?.include_usage === true;
        expect(recorded.some((chunk) => chunk.usage !== null && typeof chunk.usage === 'object')).toBe(askedForUsage);
      }

      expect(replay.server.requests.map((request) => request.fixture)).toEqual([exchange.name]);
      const spans = tracing.inferenceSpans();
      expect(spans).toHaveLength(1);
      const [span] = spans;
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.name).toBe(`chat ${exchange.request.model}`);
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.request.model': exchange.request.model,
        'gen_ai.request.stream': true,
        'openai.api.type': exchange.api === 'chat' ? 'chat_completions' : 'responses',
      });
      expect(span.attributes['error.type']).toBeUndefined();
      expect(actual(span.attributes)).toEqual(want);
    });
  }

  it('the follow-up turn sends back the tool call ids the app received in the first turn', () => {
    const first = received.get('openai-chat-stream-tool_calls.otel-js-contrib.nock.0');
    const followUp = exchanges.find((exchange) => exchange.name === 'openai-chat-stream-tool_calls.otel-js-contrib.nock.1');
    expect(first, 'turn 0 ran').toBeDefined();
    const ids = toolCallIds(first!);
    expect(ids).toHaveLength(2);
    const messages = followUp!.request.messages as Json[];
    const assistant = messages.find((message) => message.role === 'assistant');
    expect((assistant?.tool_calls as Json[]).map((call) => call.id)).toEqual(ids);
    expect(messages.filter((message) => message.role === 'tool').map((message) => message.tool_call_id)).toEqual(ids);
  });
});
