/**
 * Our Anthropic mapping against bytes a real provider sent: the third-party recordings in
 * `../shared/recordings/` (see its README) are turned into replay fixtures in a temp folder at test
 * time, served through the replay server, and called through the instrumented SDK. Each span's
 * response and usage attributes must equal what the recorded bodies say, computed here by plain
 * code that does not use the instrumentation's mapping.
 *
 * Optional: skipped when the folder is absent. The recordings are read in place, never copied
 * into the repository.
 *
 * The OpenAI recordings (`openai-*`) are replayed by recordings-openai.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation } from '../../src';
import { parseSSE, RECORDINGS, recordingsAvailable as available, servedRecordings, serializeSSE } from '../helpers/recordings';
import type { Json, RecordedExchange, SSEEvent } from '../helpers/recordings';
import { settle, setupTracing } from '../helpers/tracing';

const tracing = setupTracing();
const instrumentation = new AnthropicInstrumentation();
instrumentation.setTracerProvider(tracing.provider);
// Required after the instrumentation exists, as an app would under `--import`.
const require = createRequire(__filename);
const Anthropic = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;

interface Exchange {
  /** The fixture's name, from the recording's file name. */
  name: string;
  /** `messages.create` or `beta.messages.create`. */
  api: 'messages' | 'beta';
  path: string;
  request: Json;
  /** Whether the request came with the recording or was made up for an SSE-only one. */
  madeUpRequest: boolean;
  status: number;
  /** A JSON reply, or the recorded SSE text and its events. */
  body?: Json;
  sse?: { text: string; events: SSEEvent[] };
}

function readJSON(file: string): Json {
  return JSON.parse(readFileSync(join(RECORDINGS, file), 'utf8')) as Json;
}

/** Every Anthropic exchange in the folder, found by file name. */
function discover(): Exchange[] {
  if (!available) return [];
  const files = readdirSync(RECORDINGS)
    .filter((file) => file.startsWith('anthropic-'))
    .sort();
  const exchanges: Exchange[] = [];
  for (const file of files) {
    if (file.endsWith('.request.json')) {
      const stem = file.slice(0, -'.request.json'.length);
      const request = readJSON(file);
      const exchange: Exchange = { name: stem, api: 'messages', path: '/v1/messages', request, madeUpRequest: false, status: 200 };
      if (files.includes(`${stem}.response.sse`)) {
        const text = readFileSync(join(RECORDINGS, `${stem}.response.sse`), 'utf8');
        exchange.sse = { text, events: parseSSE(text) };
      } else {
        exchange.body = readJSON(`${stem}.response.json`);
      }
      exchanges.push(exchange);
    } else if (file.endsWith('.response.sse') && !files.includes(file.replace(/\.response\.sse$/, '.request.json'))) {
      // An SSE body with no request: a request is made up, and the fixture matches it.
      const stem = file.slice(0, -'.response.sse'.length);
      const text = readFileSync(join(RECORDINGS, file), 'utf8');
      const events = parseSSE(text);
      const start = events.map((event) => JSON.parse(event.data) as Json).find((data) => data.type === 'message_start');
      const request = {
        model: start?.message?.model ?? 'claude-unknown',
        max_tokens: 1024,
        stream: true,
        messages: [{ role: 'user', content: `Replay the recorded stream ${stem}.` }],
      };
      exchanges.push({
        name: stem,
        api: 'messages',
        path: '/v1/messages',
        request,
        madeUpRequest: true,
        status: 200,
        sse: { text, events },
      });
    } else if (file.endsWith('.turns.json')) {
      const stem = file.slice(0, -'.turns.json'.length);
      const turns = JSON.parse(readFileSync(join(RECORDINGS, file), 'utf8')) as Array<{
        method: string;
        path: string;
        request: Json;
        status: number;
        response: Json;
      }>;
      turns.forEach((turn, index) => {
        exchanges.push({
          name: `${stem}.turn-${index}`,
          api: turn.path.includes('beta=true') ? 'beta' : 'messages',
          path: turn.path,
          request: turn.request,
          madeUpRequest: false,
          status: turn.status,
          body: turn.response,
        });
      });
    }
  }
  return exchanges;
}

/** The exchange as the replay server is to answer it. */
function replayed(exchange: Exchange): RecordedExchange {
  const headers = {
    'content-type': exchange.sse ? 'text/event-stream; charset=utf-8' : 'application/json',
    'request-id': `req_replay_${exchange.name}`,
  };
  return {
    name: exchange.name,
    request: { method: 'POST', path: exchange.path, match: exchange.request },
    response: exchange.sse
      ? {
          status: exchange.status,
          headers,
          events: exchange.sse.events.map(({ event, data }) => (event === undefined ? { data } : { event, data })),
        }
      : { status: exchange.status, headers, body: exchange.body },
  };
}

interface Expected {
  id: unknown;
  model: unknown;
  finishReasons: unknown;
  inputTokens: unknown;
  outputTokens: unknown;
  cacheRead: unknown;
  cacheWrite: unknown;
  reasoningTokens: unknown;
}

function num(value: unknown): number | undefined {
  return typeof value === 'number' ? value : undefined;
}

/** What the span should say, from the recorded message and its usage. */
function expectedFrom(message: Json, usage: Json, stopReason: unknown): Expected {
  return {
    id: message.id,
    model: message.model,
    finishReasons: [stopReason],
    inputTokens: (num(usage.input_tokens) ?? 0) + (num(usage.cache_read_input_tokens) ?? 0) + (num(usage.cache_creation_input_tokens) ?? 0),
    outputTokens: num(usage.output_tokens),
    cacheRead: num(usage.cache_read_input_tokens),
    cacheWrite: num(usage.cache_creation_input_tokens),
    reasoningTokens: num((usage.output_tokens_details as Json | undefined)?.thinking_tokens),
  };
}

function expected(exchange: Exchange): Expected {
  if (exchange.body !== undefined) return expectedFrom(exchange.body, exchange.body.usage ?? {}, exchange.body.stop_reason);
  const data = exchange.sse!.events.map((event) => JSON.parse(event.data) as Json);
  const start = data.find((event) => event.type === 'message_start')!.message as Json;
  const lastDelta = data.filter((event) => event.type === 'message_delta').at(-1);
  // message_delta's usage is cumulative: its fields replace message_start's where it has them.
  const usage: Json = { ...start.usage };
  for (const [key, value] of Object.entries((lastDelta?.usage ?? {}) as Json)) {
    if (value !== null && value !== undefined) usage[key] = value;
  }
  return expectedFrom(start, usage, lastDelta?.delta?.stop_reason ?? start.stop_reason);
}

function actual(attributes: Attributes): Expected {
  return {
    id: attributes['gen_ai.response.id'],
    model: attributes['gen_ai.response.model'],
    finishReasons: attributes['gen_ai.response.finish_reasons'],
    inputTokens: attributes['gen_ai.usage.input_tokens'],
    outputTokens: attributes['gen_ai.usage.output_tokens'],
    cacheRead: attributes['gen_ai.usage.cache_read.input_tokens'],
    cacheWrite: attributes['gen_ai.usage.cache_write.input_tokens'],
    reasoningTokens: attributes['gen_ai.usage.reasoning.output_tokens'],
  };
}

const exchanges = discover();

describe.skipIf(!available)('real Anthropic recordings through the instrumented SDK', () => {
  const replay = servedRecordings(
    'anthropic',
    exchanges.map(replayed),
    (url) => new Anthropic({ apiKey: 'test-key', baseURL: url, maxRetries: 0 }),
  );
  beforeEach(() => {
    instrumentation.enable();
    tracing.exporter.reset();
  });

  it('finds the Anthropic exchanges the README lists, and replays their SSE bytes unchanged', () => {
    const names = exchanges.map((exchange) => exchange.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'anthropic-messages-stream.openllmetry-js.polly.0',
        'anthropic-messages-stream-tool_use.openllmetry.vcr.0',
        'anthropic-messages-tool_use-nonstream-gzip.openllmetry.vcr.0',
        'anthropic-messages-stream-thinking-tool_use.openinference.0',
        'anthropic-stream-tool_use.anthropic-sdk-ts',
      ]),
    );
    expect(names.filter((name) => name.startsWith('anthropic-beta-toolRunner.anthropic-sdk-ts.turn-'))).toHaveLength(10);
    expect(
      exchanges
        .filter((exchange) => exchange.madeUpRequest)
        .map((exchange) => exchange.name)
        .sort(),
    ).toEqual(['anthropic-messages-stream-thinking-tool_use.openinference.0', 'anthropic-stream-tool_use.anthropic-sdk-ts']);
    for (const exchange of exchanges.filter((candidate) => candidate.sse)) {
      // One data line per event, and written back exactly as recorded.
      expect(serializeSSE(exchange.sse!.events), exchange.name).toBe(exchange.sse!.text);
    }
  });

  for (const exchange of exchanges) {
    const streamed = exchange.sse !== undefined;
    it(`${exchange.name} (${exchange.api === 'beta' ? 'beta.' : ''}messages.create${streamed ? ', stream' : ''})`, async () => {
      const want = expected(exchange);
      const messages = exchange.api === 'beta' ? replay.client.beta.messages : replay.client.messages;
      const create = messages.create.bind(messages) as unknown as (body: Json) => Promise<unknown>;

      if (streamed) {
        const stream = (await create(exchange.request)) as AsyncIterable<unknown>;
        const received: unknown[] = [];
        for await (const event of stream) received.push(event);
        // The app sees every recorded event but the pings, which the SDK drops.
        const recorded = exchange.sse!.events.filter((event) => event.event !== 'ping').map((event) => JSON.parse(event.data) as unknown);
        expect(received).toEqual(recorded);
      } else {
        const message = await create(exchange.request);
        expect(message).toEqual(exchange.body);
      }
      await settle();

      expect(replay.server.requests.map((request) => request.fixture)).toEqual([exchange.name]);
      const spans = tracing.inferenceSpans();
      expect(spans).toHaveLength(1);
      const [span] = spans;
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.name).toBe(`chat ${exchange.request.model}`);
      expect(span.attributes['gen_ai.request.model']).toBe(exchange.request.model);
      expect(actual(span.attributes)).toEqual(want);
    });
  }
});
