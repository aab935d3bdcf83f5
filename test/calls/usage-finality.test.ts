/**
 * Token usage is reported only as the API gave it as final (issue 18, item 16): a stream left
 * before its final usage reports no output count rather than a placeholder or a running one.
 * - Anthropic: `message_start` carries the final input counts and a placeholder `output_tokens`
 *   (1, or a few); the output count comes from `message_delta`.
 * - OpenAI Chat Completions: OpenAI sends usage once, on the last chunk; OpenAI-compatible servers
 *   may send a running count on every chunk (vLLM's `continuous_usage_stats`): the output count is
 *   taken once the choices have finished (or from the usage-only chunk), input counts whenever given.
 * - OpenAI Responses: a response still `in_progress` carries no final output count.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, OpenAIInstrumentation } from '../../src';
import { startReplayServer } from '../../src/testing/replay-server';
import type { ReplayServer } from '../../src/testing/replay-server';
import { FIXTURES, PROMPTS } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

const tracing = setupTracing();
const anthropicInstrumentation = new AnthropicInstrumentation();
const openAIInstrumentation = new OpenAIInstrumentation();
for (const instrumentation of [anthropicInstrumentation, openAIInstrumentation]) instrumentation.setTracerProvider(tracing.provider);

const require = createRequire(__filename);
const compat = (name: string) => createRequire(join(__dirname, '..', '..', 'compat', name, 'package.json'));
const Anthropic = require('@anthropic-ai/sdk').default;
const Anthropic0 = compat('anthropic-sdk-0.133')('@anthropic-ai/sdk').default;
const OpenAI = require('openai').default;

const CHUNK = { id: 'chatcmpl-continuous', object: 'chat.completion.chunk', created: 1795251995, model: 'served-model' };
const chunk = (delta: object, finish: string | null, completionTokens: number) => ({
  data: {
    ...CHUNK,
    choices: [{ index: 0, delta, finish_reason: finish }],
    usage: { prompt_tokens: 9, completion_tokens: completionTokens, total_tokens: 9 + completionTokens },
  },
});
const RESPONSE = { id: 'resp_partial', object: 'response', model: 'gpt-5-mini-2025-08-07', output: [] };

/** Synthetic exchanges of OpenAI-compatible servers, written for this test. */
const SYNTHETIC = {
  'chat-continuous-usage': {
    meta: { synthetic: true, provider: 'openai', description: "vLLM's continuous_usage_stats: a running usage on every chunk" },
    request: {
      method: 'POST',
      path: '/v1/chat/completions',
      match: { model: 'served-model', messages: [{ role: 'user', content: 'Count to four.' }], stream: true },
    },
    response: {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      events: [
        chunk({ role: 'assistant', content: '' }, null, 0),
        chunk({ content: '1' }, null, 1),
        chunk({ content: ' 2' }, null, 2),
        chunk({ content: ' 3' }, null, 3),
        chunk({ content: ' 4' }, null, 4),
        chunk({}, 'stop', 5),
        { data: { ...CHUNK, choices: [], usage: { prompt_tokens: 9, completion_tokens: 5, total_tokens: 14 } } },
        { data: '[DONE]' },
      ],
    },
  },
  'responses-usage-in-progress': {
    meta: { synthetic: true, provider: 'openai', description: 'a running usage on the in-progress response events' },
    request: { method: 'POST', path: '/v1/responses', match: { model: 'gpt-5-mini', input: 'Count to four.', stream: true } },
    response: {
      status: 200,
      headers: { 'content-type': 'text/event-stream' },
      events: [
        {
          event: 'response.created',
          data: {
            type: 'response.created',
            sequence_number: 0,
            response: { ...RESPONSE, status: 'in_progress', usage: { input_tokens: 12, output_tokens: 0, total_tokens: 12 } },
          },
        },
        {
          event: 'response.in_progress',
          data: {
            type: 'response.in_progress',
            sequence_number: 1,
            response: { ...RESPONSE, status: 'in_progress', usage: { input_tokens: 12, output_tokens: 2, total_tokens: 14 } },
          },
        },
        {
          event: 'response.output_text.delta',
          data: {
            type: 'response.output_text.delta',
            sequence_number: 2,
            item_id: 'msg_1',
            output_index: 0,
            content_index: 0,
            delta: '1 2 3 4',
          },
        },
        {
          event: 'response.completed',
          data: {
            type: 'response.completed',
            sequence_number: 3,
            response: {
              ...RESPONSE,
              status: 'completed',
              usage: { input_tokens: 12, output_tokens: 7, total_tokens: 19, output_tokens_details: { reasoning_tokens: 3 } },
            },
          },
        },
      ],
    },
  },
};

let anthropicServer: ReplayServer;
let syntheticServer: ReplayServer;
let syntheticDir: string;

beforeAll(async () => {
  syntheticDir = mkdtempSync(join(tmpdir(), 'otel-genai-usage-'));
  for (const [name, fixture] of Object.entries(SYNTHETIC)) writeFileSync(join(syntheticDir, `${name}.json`), JSON.stringify(fixture));
  anthropicServer = await startReplayServer({ fixtures: join(FIXTURES, 'anthropic'), delayScale: 0.02 });
  syntheticServer = await startReplayServer({ fixtures: syntheticDir, delayScale: 0 });
});
afterAll(async () => {
  await Promise.all([anthropicServer.close(), syntheticServer.close()]);
  rmSync(syntheticDir, { recursive: true, force: true });
});
beforeEach(() => {
  tracing.exporter.reset();
  anthropicServer.reset();
  syntheticServer.reset();
});

/** Reads `stream`, leaving it with `break` after `take` chunks (all of them when undefined). */
async function read(stream: AsyncIterable<unknown>, take?: number): Promise<number> {
  let n = 0;
  for await (const _chunk of stream) if (++n === take) break;
  return n;
}

async function onlySpanAttributes() {
  await settle();
  const spans = tracing.inferenceSpans();
  expect(spans).toHaveLength(1);
  expect(spans[0].status.code).toBe(SpanStatusCode.UNSET);
  return spans[0].attributes;
}

describe('Anthropic: output usage from message_delta only', () => {
  for (const [version, SDK] of [
    ['1.x', Anthropic],
    ['0.133', Anthropic0],
  ] as const) {
    const client = () => new SDK({ apiKey: 'test-key', baseURL: anthropicServer.url, maxRetries: 0 });
    const ask = { model: 'claude-sonnet-5-5', max_tokens: 500, stream: true, messages: [{ role: 'user', content: PROMPTS.streamLong }] };

    it(`${version}: a stream left with break after message_start reports the input counts and no output count (not the placeholder 1)`, async () => {
      expect(await read(await client().messages.create(ask), 5)).toBe(5);
      const attributes = await onlySpanAttributes();
      expect(attributes['gen_ai.usage.input_tokens']).toBe(13);
      expect(attributes['gen_ai.usage.cache_read.input_tokens']).toBe(0);
      expect(attributes['gen_ai.usage.output_tokens']).toBeUndefined();
      expect(attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    });

    it(`${version}: read to its end, the output count of message_delta`, async () => {
      await read(await client().messages.create(ask));
      const attributes = await onlySpanAttributes();
      expect(attributes['gen_ai.usage.input_tokens']).toBe(13);
      expect(attributes['gen_ai.usage.output_tokens']).toBe(214);
    });
  }

  it('extended thinking: no reasoning count from message_start either; message_delta gives both', async () => {
    const client = new Anthropic({ apiKey: 'test-key', baseURL: anthropicServer.url, maxRetries: 0 });
    const ask = {
      model: 'claude-sonnet-5-5',
      max_tokens: 2000,
      stream: true,
      thinking: { type: 'enabled', budget_tokens: 1024 },
      messages: [{ role: 'user', content: PROMPTS.streamThinking }],
    };
    await read(await client.messages.create(ask), 2);
    let attributes = await onlySpanAttributes();
    expect(attributes['gen_ai.usage.input_tokens']).toBe(44);
    expect(attributes['gen_ai.usage.output_tokens']).toBeUndefined();
    expect(attributes['gen_ai.usage.reasoning.output_tokens']).toBeUndefined();
    tracing.exporter.reset();
    anthropicServer.reset();
    await read(await client.messages.create(ask));
    attributes = await onlySpanAttributes();
    expect(attributes['gen_ai.usage.output_tokens']).toBe(90);
    expect(attributes['gen_ai.usage.reasoning.output_tokens']).toBe(52);
  });
});

describe('OpenAI: no running usage reported as final', () => {
  const client = () => new OpenAI({ apiKey: 'test-key', baseURL: `${syntheticServer.url}/v1`, maxRetries: 0 });

  it('chat, a running usage on every chunk: left with break, the input count and no output count', async () => {
    const ask = SYNTHETIC['chat-continuous-usage'].request.match;
    expect(await read(await client().chat.completions.create(ask), 4)).toBe(4);
    const attributes = await onlySpanAttributes();
    expect(attributes['gen_ai.usage.input_tokens']).toBe(9);
    expect(attributes['gen_ai.usage.output_tokens']).toBeUndefined();
  });

  it('chat, a running usage on every chunk: read to its end, the final counts', async () => {
    await read(await client().chat.completions.create(SYNTHETIC['chat-continuous-usage'].request.match));
    const attributes = await onlySpanAttributes();
    expect(attributes['gen_ai.usage.input_tokens']).toBe(9);
    expect(attributes['gen_ai.usage.output_tokens']).toBe(5);
    expect(attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
  });

  it('chat, left with break right after the finishing chunk: its usage is final', async () => {
    expect(await read(await client().chat.completions.create(SYNTHETIC['chat-continuous-usage'].request.match), 6)).toBe(6);
    const attributes = await onlySpanAttributes();
    expect(attributes['gen_ai.usage.output_tokens']).toBe(5);
  });

  it('responses, usage on the in-progress events: left with break, the input count and no output count', async () => {
    expect(await read(await client().responses.create(SYNTHETIC['responses-usage-in-progress'].request.match), 2)).toBe(2);
    const attributes = await onlySpanAttributes();
    expect(attributes['gen_ai.usage.input_tokens']).toBe(12);
    expect(attributes['gen_ai.usage.output_tokens']).toBeUndefined();
  });

  it('responses, read to its end: the counts of response.completed', async () => {
    await read(await client().responses.create(SYNTHETIC['responses-usage-in-progress'].request.match));
    const attributes = await onlySpanAttributes();
    expect(attributes['gen_ai.usage.input_tokens']).toBe(12);
    expect(attributes['gen_ai.usage.output_tokens']).toBe(7);
    expect(attributes['gen_ai.usage.reasoning.output_tokens']).toBe(3);
  });
});
