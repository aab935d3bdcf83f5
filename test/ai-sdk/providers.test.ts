/**
 * The AI SDK instrumentation with real provider packages, `@ai-sdk/openai` 4 and `@ai-sdk/anthropic`
 * 4 (which call the providers' HTTP APIs with `fetch`, not through the `openai` / `@anthropic-ai/sdk`
 * clients), against the replay server: plain, streamed and multi-step calls, a failing tool, retries,
 * an abort, embeddings; and a tool whose own `openai` call nests under its `execute_tool` span.
 */
import { createRequire } from 'node:module';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AISDKInstrumentation, OpenAIInstrumentation } from '../../src';
import { startReplayServer } from '../../src/testing/replay-server';
import type { ReplayServer } from '../../src/testing/replay-server';
import type { AI } from '../helpers/ai-sdk';
import { loadAI, named, nameTree, parentOf } from '../helpers/ai-sdk';
import { FIXTURES } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

const tracing = setupTracing();
const aiSdk = new AISDKInstrumentation();
const openaiInstrumentation = new OpenAIInstrumentation();
aiSdk.setTracerProvider(tracing.provider);
openaiInstrumentation.setTracerProvider(tracing.provider);
// Required after the OpenAI instrumentation exists, as an app's would be under the register.
const OpenAI = createRequire(__filename)('openai').default as typeof import('openai').default;

type Providers = {
  openai: typeof import('@ai-sdk/openai', { with: { 'resolution-mode': 'import' } });
  anthropic: typeof import('@ai-sdk/anthropic', { with: { 'resolution-mode': 'import' } });
};

let ai: AI;
let server: ReplayServer;
let openai: ReturnType<Providers['openai']['createOpenAI']>;
let anthropic: ReturnType<Providers['anthropic']['createAnthropic']>;
beforeAll(async () => {
  ({ ai } = await loadAI());
  // Recorded delays at a fifth: long enough for an abort mid-stream.
  server = await startReplayServer({ fixtures: FIXTURES, delayScale: 0.2 });
  const [{ createOpenAI }, { createAnthropic }] = await Promise.all([import('@ai-sdk/openai'), import('@ai-sdk/anthropic')]);
  openai = createOpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1` });
  anthropic = createAnthropic({ apiKey: 'test-key', baseURL: `${server.url}/v1` });
});
afterAll(async () => {
  aiSdk.disable();
  openaiInstrumentation.disable();
  await server.close();
});
beforeEach(() => {
  tracing.exporter.reset();
  server.reset();
});

function ours(): ReadableSpan[] {
  return tracing.genAISpans();
}

function weatherTool(description: string, execute: (input: { location: string }) => Promise<unknown>) {
  return {
    get_weather: ai.tool({
      description: 'Get the current weather for a city.',
      inputSchema: ai.jsonSchema<{ location: string }>({
        type: 'object',
        properties: { location: { type: 'string', description } },
        required: ['location'],
      }),
      execute,
    }),
  };
}

describe('@ai-sdk/openai', () => {
  it('a chat call: provider, API, server, response and usage; one span, nothing from the OpenAI SDK instrumentation', async () => {
    const result = await ai.generateText({
      model: openai.chat('gpt-4o-mini'),
      system: 'You are a helpful assistant. Keep answers short.',
      prompt: 'What is the capital of Japan? Reply in one short sentence.',
      maxRetries: 0,
    });
    expect(result.text).toContain('Tokyo');
    await settle();
    expect(ours()).toHaveLength(1);
    const [chat] = ours();
    expect(chat.name).toBe('chat gpt-4o-mini');
    expect(chat.kind).toBe(SpanKind.CLIENT);
    expect(chat.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'openai.api.type': 'chat_completions',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(server.url).port),
      'gen_ai.response.id': 'chatcmpl-EKKmXZWWm5HPa6EeFUJFOrNXA6Whw',
      'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 31,
      'gen_ai.usage.output_tokens': 8,
    });
  });

  it('a stream: usage from its finish part, and the app reads the same parts as without the instrumentation', async () => {
    const read = async () => {
      const result = ai.streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'Name three fruits that are red.', maxRetries: 0 });
      const parts: unknown[] = [];
      for await (const part of result.fullStream) parts.push(part);
      return parts;
    };
    aiSdk.disable();
    const bare = await read();
    aiSdk.enable();
    const traced = await read();
    expect(strip(traced)).toEqual(strip(bare));
    await settle();
    const [chat] = ours();
    expect(chat.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'chatcmpl-E4wYmX1oTuZ6qw3HQtjWWZzhHn8VZ',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 13,
      'gen_ai.usage.output_tokens': 7,
    });
    expect(chat.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
  });

  it("a multi-step tool loop: invoke_agent → chat, two execute_tool, chat; the tool's own openai call nests under its execute_tool", async () => {
    const client = new OpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const result = await ai.generateText({
      model: openai.chat('gpt-4o-mini'),
      prompt: "What's the weather like in Paris and London right now?",
      tools: weatherTool('City name, e.g. Paris', async ({ location }) => {
        if (location === 'Paris') {
          await client.chat.completions.create({
            model: 'gpt-4o-mini',
            messages: [
              { role: 'system', content: 'You are a helpful assistant. Keep answers short.' },
              { role: 'user', content: 'What is the capital of Japan? Reply in one short sentence.' },
            ],
          });
        }
        return { location, temperature_c: 18 };
      }),
      stopWhen: ai.isStepCount(3),
      maxRetries: 0,
      telemetry: { functionId: 'weather' },
    });
    expect(result.steps).toHaveLength(2);
    await settle();
    // The two tools run side by side: which starts first is theirs to say.
    const [tree] = nameTree(ours());
    expect(tree.name).toBe('invoke_agent weather');
    expect(tree.children.map((child) => child.name)).toEqual([
      'chat gpt-4o-mini',
      'execute_tool get_weather',
      'execute_tool get_weather',
      'chat gpt-4o-mini',
    ]);
    const tools = named(ours(), 'execute_tool get_weather');
    expect(tools.map((tool) => tool.attributes['gen_ai.tool.call.id']).sort()).toEqual([
      'call_2syLe4iVWPM1EuaRQS9PYAa6',
      'call_towiSyY2E2cNJtAdJGZDwU25',
    ]);
    const [agent] = named(ours(), 'invoke_agent weather');
    expect(agent.attributes).toMatchObject({
      'otel_genai.agent.model_calls': 3,
      'otel_genai.agent.tool_calls': 2,
      'gen_ai.usage.input_tokens': 64 + 131 + 31,
    });
    // The Paris tool's own call through the openai client: under that tool's span (the OpenAI instrumentation's span).
    const paris = tools.find((tool) => tool.attributes['gen_ai.tool.call.id'] === 'call_towiSyY2E2cNJtAdJGZDwU25');
    const nested = ours().filter((span) => parentOf(span, ours()) === paris);
    expect(nested.map((span) => [span.name, span.attributes['gen_ai.response.id']])).toEqual([
      ['chat gpt-4o-mini', 'chatcmpl-EKKmXZWWm5HPa6EeFUJFOrNXA6Whw'],
    ]);
  });

  it('a retried call (HTTP 503, then the answer) is one chat span; the server saw both attempts', async () => {
    const result = await ai.generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'What is 12 times 13?' });
    expect(result.text).toBe('12 times 13 is 156.');
    expect(server.requests.map((request) => request.fixture)).toEqual([
      'ai-sdk/openai-chat-retry-after-ms',
      'ai-sdk/openai-chat-retry-after-ms',
    ]);
    await settle();
    expect(ours()).toHaveLength(1);
    expect(ours()[0].status.code).toBe(SpanStatusCode.UNSET);
    expect(ours()[0].attributes['gen_ai.response.id']).toBe('chatcmpl-AiSdkRetry0001');
  });

  it('retries that run out: one chat span, error.type server_error from the error body, the app gets the RetryError', async () => {
    const error = await ai
      .generateText({ model: openai.chat('gpt-4o-mini'), prompt: 'Say hello. (Every attempt fails.)', maxRetries: 2 })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ai.RetryError);
    expect(server.requests).toHaveLength(3);
    await settle();
    expect(ours()).toHaveLength(1);
    expect(ours()[0].status.code).toBe(SpanStatusCode.ERROR);
    expect(ours()[0].attributes['error.type']).toBe('server_error');
    // With capture off: the class, the HTTP status and the documented type, none of the provider's text.
    expect(ours()[0].status.message).toBe('APICallError: HTTP 503 server_error');
  });

  it('an abort mid-stream: the chat span ends as AbortError when the app aborts', async () => {
    const controller = new AbortController();
    const result = ai.streamText({
      model: openai.chat('gpt-4o-mini'),
      prompt: 'Explain how a bicycle gear system works.',
      abortSignal: controller.signal,
      maxRetries: 0,
      onError: () => {},
    });
    let deltas = 0;
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta' && ++deltas === 3) controller.abort();
    }
    await settle(100);
    const [chat] = ours();
    expect(chat.status.code).toBe(SpanStatusCode.ERROR);
    expect(chat.attributes['error.type']).toBe('AbortError');
  });

  it('embedMany: one embeddings span with the usage and the server', async () => {
    const result = await ai.embedMany({
      model: openai.embedding('text-embedding-3-small'),
      values: ['The quick brown fox', 'jumps over the lazy dog'],
      maxRetries: 0,
    });
    expect(result.embeddings).toHaveLength(2);
    await settle();
    const [span] = ours();
    expect(span.name).toBe('embeddings text-embedding-3-small');
    expect(span.attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 10,
    });
  });
});

describe('@ai-sdk/anthropic', () => {
  it('a messages call: anthropic, the message id, end_turn, usage', async () => {
    const result = await ai.generateText({
      model: anthropic('claude-sonnet-5-5'),
      prompt: 'What is the capital of France? Answer in one word.',
      maxRetries: 0,
    });
    expect(result.text).toBe('Paris');
    await settle();
    const [chat] = ours();
    expect(chat.name).toBe('chat claude-sonnet-5-5');
    expect(chat.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.response.id': 'msg_01EDxgC9HgnvgQyQRUejyWUH',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 21,
      'gen_ai.usage.output_tokens': 4,
    });
    // @ai-sdk/anthropic does not report the request's URL with its result (@ai-sdk/openai does).
    expect(chat.attributes['server.address']).toBeUndefined();
  });

  it('a streamed tool loop (streamText): the agent tree, each streamed turn with its usage', async () => {
    const result = ai.streamText({
      model: anthropic('claude-sonnet-5-5'),
      prompt: 'What is the weather like in Lisbon right now?',
      tools: weatherTool('City and country, e.g. Lisbon, Portugal', async ({ location }) => ({
        location,
        temperature_c: 19,
        conditions: 'sunny',
      })),
      stopWhen: ai.isStepCount(3),
      maxRetries: 0,
    });
    expect(await result.text).toContain('sunny in Lisbon');
    await settle();
    expect(nameTree(ours())).toEqual([
      {
        name: 'invoke_agent',
        children: [
          { name: 'chat claude-sonnet-5-5', children: [] },
          { name: 'execute_tool get_weather', children: [] },
          { name: 'chat claude-sonnet-5-5', children: [] },
        ],
      },
    ]);
    const [first, second] = named(ours(), 'chat claude-sonnet-5-5');
    expect(first.attributes).toMatchObject({
      'gen_ai.response.id': 'msg_01SrLk9VqT3xWm7PzN4bYc2D',
      'gen_ai.response.finish_reasons': ['tool_use'],
      'gen_ai.usage.input_tokens': 583,
      'gen_ai.usage.output_tokens': 64,
    });
    expect(second.attributes).toMatchObject({
      'gen_ai.response.id': 'msg_01WbN6cRt4YzQk8LmV2pXs9H',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.output_tokens': 18,
    });
    expect(named(ours(), 'execute_tool get_weather')[0].attributes['gen_ai.tool.call.id']).toBe('toolu_01Hn5tVx8QkWm2Lr7PzY4cJd');
  });

  it('a failing tool in a streamed loop: its span is the error, the model is told, the run ends well', async () => {
    const result = ai.streamText({
      model: anthropic('claude-sonnet-5-5'),
      prompt: 'What is the weather like in Lisbon right now?',
      tools: weatherTool('City and country, e.g. Lisbon, Portugal', async () => {
        throw new RangeError('weather service unavailable');
      }),
      stopWhen: ai.isStepCount(3),
      maxRetries: 0,
    });
    expect(await result.text).toContain('unavailable');
    await settle();
    const [tool] = named(ours(), 'execute_tool get_weather');
    expect(tool.status.code).toBe(SpanStatusCode.ERROR);
    expect(tool.attributes['error.type']).toBe('RangeError');
    expect(named(ours(), 'invoke_agent')[0].status.code).toBe(SpanStatusCode.UNSET);
    expect(server.requests.map((request) => request.fixture)).toEqual([
      'ai-sdk/anthropic-messages-stream-tool-use-lisbon',
      'ai-sdk/anthropic-messages-stream-tool-error-lisbon',
    ]);
  });
});

describe('a provider package built on the openai client', () => {
  // Such a provider's model call goes through `openai`'s chat.completions.create, which the OpenAI
  // instrumentation traces too: the SDK-level instrumentations leave a call made inside an AI SDK
  // model call alone (src/ai-sdk/marker.ts), so that it has one span.
  it('gets one span per model call', async () => {
    const client = new OpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
    const model = {
      specificationVersion: 'v4' as const,
      provider: 'community-openai.chat',
      modelId: 'gpt-4o-mini',
      supportedUrls: {},
      async doGenerate() {
        const completion = await client.chat.completions.create({
          model: 'gpt-4o-mini',
          messages: [
            { role: 'system', content: 'You are a helpful assistant. Keep answers short.' },
            { role: 'user', content: 'What is the capital of Japan? Reply in one short sentence.' },
          ],
        });
        return {
          content: [{ type: 'text' as const, text: completion.choices[0].message.content ?? '' }],
          finishReason: { unified: 'stop' as const, raw: completion.choices[0].finish_reason },
          usage: {
            inputTokens: { total: 31, noCache: 31, cacheRead: 0, cacheWrite: 0 },
            outputTokens: { total: 8, text: 8, reasoning: 0 },
          },
          warnings: [],
        };
      },
      async doStream(): Promise<never> {
        throw new Error('not used');
      },
    };
    await ai.generateText({ model, prompt: 'What is the capital of Japan? Reply in one short sentence.', maxRetries: 0 });
    await settle();
    expect(ours().filter((span) => span.kind === SpanKind.CLIENT)).toHaveLength(1);
  });
});

/** The parts without the AI SDK's own timings, which differ from run to run. */
function strip(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(strip);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'performance' && key !== 'headers' && key !== 'timestamp')
      .map(([key, item]) => [key, strip(item)]),
  );
}
