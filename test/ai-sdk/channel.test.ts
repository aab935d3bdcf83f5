/**
 * The AI SDK instrumentation (ai 7's `ai:telemetry` channel) with the AI SDK's own mock models
 * (`ai/test`): the tree of a run, model call and tool spans, streams, retries, aborts, content,
 * metrics, the @ai-sdk/otel rule, enable/disable, and an app that is never broken by telemetry.
 */
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { context, metrics, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Tracer, TracerProvider } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData, SumMetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AISDKInstrumentation, withAgent } from '../../src';
import { abandonHeldCalls } from '../../src/abandonment';
import { insideAISDKModelCall } from '../../src/ai-sdk/marker';
import { StreamObserver, tapStream } from '../../src/ai-sdk/model-call';
import type { AISDKModelCall } from '../../src/ai-sdk/model-call';
import { providerName } from '../../src/ai-sdk/provider';
import type { AI, AITest } from '../helpers/ai-sdk';
import {
  loadAI,
  named,
  nameTree,
  parentOf,
  partStream,
  textParts,
  textResult,
  toolCallParts,
  toolCallsResult,
  usage,
  weatherTools,
} from '../helpers/ai-sdk';
import { captureDiag, settle, setupTracing } from '../helpers/tracing';

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const tracing = setupTracing();
const instrumentation = new AISDKInstrumentation();
instrumentation.setTracerProvider(tracing.provider);
const channel = diagnosticsChannel.tracingChannel('ai:telemetry');

let ai: AI;
let aiTest: AITest;
let reader: TestReader;
beforeAll(async () => {
  ({ ai, aiTest } = await loadAI());
});
beforeEach(() => {
  tracing.exporter.reset();
  reader = new TestReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  instrumentation.setMeterProvider(meterProvider);
  metrics.disable();
  metrics.setGlobalMeterProvider(meterProvider);
});
afterAll(() => instrumentation.disable());

const app = (): Tracer => trace.getTracer('app');

/** Runs `fn` inside an app span `app`, which ends after it. */
async function inAppSpan<T>(fn: () => Promise<T>): Promise<T> {
  const span = app().startSpan('app');
  try {
    return await context.with(trace.setSpan(context.active(), span), fn);
  } finally {
    span.end();
  }
}

function ours(): ReadableSpan[] {
  return tracing.genAISpans();
}

async function metricData(): Promise<Map<string, HistogramMetricData | SumMetricData>> {
  const { resourceMetrics } = await reader.collect();
  const found = new Map<string, HistogramMetricData | SumMetricData>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) found.set(metric.descriptor.name, metric as HistogramMetricData | SumMetricData);
  }
  return found;
}

describe('generateText', () => {
  it('a plain call is one CLIENT chat span under the app span, with the provider, request, response and usage', async () => {
    const model = new aiTest.MockLanguageModelV4({
      provider: 'anthropic.messages',
      modelId: 'claude-sonnet-5-5',
      doGenerate: { ...textResult('Paris.'), usage: usage(30, 4, { cacheRead: 20, cacheWrite: 5, reasoning: 1 }) },
    });
    const result = await inAppSpan(() =>
      ai.generateText({
        model,
        prompt: 'What is the capital of France?',
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        maxOutputTokens: 64,
        seed: 7,
        stopSequences: ['\n\n'],
        reasoning: 'low',
      }),
    );
    expect(result.text).toBe('Paris.');
    await settle();
    const spans = tracing.spans();
    expect(nameTree(spans)).toEqual([{ name: 'app', children: [{ name: 'chat claude-sonnet-5-5', children: [] }] }]);
    const [chat] = ours();
    expect(chat.kind).toBe(SpanKind.CLIENT);
    expect(chat.status.code).toBe(SpanStatusCode.UNSET);
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'claude-sonnet-5-5',
      'gen_ai.request.temperature': 0.2,
      'gen_ai.request.top_p': 0.9,
      'gen_ai.request.top_k': 40,
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.seed': 7,
      'gen_ai.request.stop_sequences': ['\n\n'],
      'gen_ai.request.reasoning.level': 'low',
      'gen_ai.response.id': 'resp-text',
      'gen_ai.response.model': 'mock-model-2026',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 30,
      'gen_ai.usage.output_tokens': 4,
      'gen_ai.usage.cache_read.input_tokens': 20,
      'gen_ai.usage.cache_write.input_tokens': 5,
      'gen_ai.usage.reasoning.output_tokens': 1,
    });
    // Not a stream; no content with capture off.
    expect(chat.attributes['gen_ai.request.stream']).toBeUndefined();
    expect(chat.attributes['gen_ai.input.messages']).toBeUndefined();
    expect(chat.attributes['gen_ai.output.messages']).toBeUndefined();
  });

  it('a run that loops over tools is an invoke_agent span: chat, the tools, chat; signals and agent name from functionId', async () => {
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: [
        toolCallsResult([
          { id: 'call_paris', name: 'get_weather', input: { location: 'Paris' } },
          { id: 'call_london', name: 'get_weather', input: { location: 'London' } },
        ]),
        toolCallsResult([{ id: 'call_paris_2', name: 'get_weather', input: { location: 'Paris' } }], 'resp-tools-2'),
        textResult('Paris and London are both mild.'),
      ],
    });
    const result = await inAppSpan(() =>
      ai.generateText({
        model,
        prompt: 'Weather in Paris and London?',
        tools: weatherTools(ai),
        stopWhen: ai.isStepCount(5),
        telemetry: { functionId: 'weather-agent' },
      }),
    );
    expect(result.text).toBe('Paris and London are both mild.');
    await settle();
    expect(nameTree(tracing.spans())).toEqual([
      {
        name: 'app',
        children: [
          {
            name: 'invoke_agent weather-agent',
            children: [
              { name: 'chat mock-model-id', children: [] },
              { name: 'execute_tool get_weather', children: [] },
              { name: 'execute_tool get_weather', children: [] },
              { name: 'chat mock-model-id', children: [] },
              { name: 'execute_tool get_weather', children: [] },
              { name: 'chat mock-model-id', children: [] },
            ],
          },
        ],
      },
    ]);
    const [agent] = named(ours(), 'invoke_agent weather-agent');
    expect(agent.kind).toBe(SpanKind.INTERNAL);
    expect(agent.attributes).toMatchObject({
      'gen_ai.operation.name': 'invoke_agent',
      'gen_ai.agent.name': 'weather-agent',
      'otel_genai.agent.model_calls': 3,
      'otel_genai.agent.tool_calls': 3,
      // Paris was asked for twice with the same arguments.
      'otel_genai.agent.max_tool_repeats': 2,
      'gen_ai.usage.input_tokens': 350,
      'gen_ai.usage.output_tokens': 52,
      'gen_ai.response.finish_reasons': ['end_turn'],
    });
    const tools = named(ours(), 'execute_tool get_weather');
    expect(tools.map((tool) => tool.attributes['gen_ai.tool.call.id'])).toEqual(['call_paris', 'call_london', 'call_paris_2']);
    expect(tools[0].attributes).toMatchObject({
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.type': 'function',
      'gen_ai.tool.description': 'Get the current weather for a city.',
    });
    // Equal arguments, equal fingerprint; different, different. The arguments themselves are not recorded.
    expect(tools[0].attributes['otel_genai.tool.arguments_fingerprint']).toBe(tools[2].attributes['otel_genai.tool.arguments_fingerprint']);
    expect(tools[0].attributes['otel_genai.tool.arguments_fingerprint']).not.toBe(
      tools[1].attributes['otel_genai.tool.arguments_fingerprint'],
    );
    expect(tools[0].attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    const chats = named(ours(), 'chat mock-model-id');
    expect(chats.map((chat) => chat.attributes['gen_ai.response.finish_reasons'])).toEqual([['tool_use'], ['tool_use'], ['end_turn']]);
  });

  it('a run without tools to execute has no invoke_agent span', async () => {
    const model = new aiTest.MockLanguageModelV4({ doGenerate: textResult('Hi.') });
    // A tool without execute: the model may ask for it, the app answers it. Not an agent loop.
    const tools = { lookup: ai.tool({ inputSchema: ai.jsonSchema({ type: 'object' }) }) };
    await ai.generateText({ model, prompt: 'Hello', tools });
    await settle();
    expect(ours().map((span) => span.name)).toEqual(['chat mock-model-id']);
  });

  it('a failing tool: its execute_tool span is an error with the error class as error.type and no message; the run goes on', async () => {
    class WeatherServiceError extends Error {}
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: [
        toolCallsResult([{ id: 'call_1', name: 'get_weather', input: { location: 'Lisbon' } }]),
        textResult('The weather service is down.'),
      ],
    });
    const result = await ai.generateText({
      model,
      prompt: 'Weather in Lisbon?',
      tools: weatherTools(ai, async () => {
        throw new WeatherServiceError('secret internal host weather-7.internal refused');
      }),
      stopWhen: ai.isStepCount(3),
    });
    expect(result.text).toBe('The weather service is down.');
    await settle();
    const [tool] = named(ours(), 'execute_tool get_weather');
    expect(tool.status.code).toBe(SpanStatusCode.ERROR);
    expect(tool.attributes['error.type']).toBe('WeatherServiceError');
    expect(tool.attributes['gen_ai.tool.call.id']).toBe('call_1');
    expect(JSON.stringify(tool.events)).not.toContain('weather-7.internal');
    expect(tool.status.message ?? '').not.toContain('weather-7.internal');
    const [agent] = named(ours(), 'invoke_agent');
    expect(agent.status.code).toBe(SpanStatusCode.UNSET);
    // The model call that carries the failure back is a second chat span, as for any tool result.
    expect(named(ours(), 'chat mock-model-id')).toHaveLength(2);
  });

  it("what a tool does nests under its execute_tool span: the app's spans, and a nested AI SDK run", async () => {
    const inner = new aiTest.MockLanguageModelV4({ modelId: 'inner-model', doGenerate: textResult('sub-answer') });
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: [toolCallsResult([{ id: 'call_1', name: 'get_weather', input: { location: 'Oslo' } }]), textResult('Done.')],
    });
    await ai.generateText({
      model,
      prompt: 'Weather in Oslo?',
      tools: weatherTools(ai, async () => {
        await app().startActiveSpan('db.query', async (span) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          span.end();
        });
        return (await ai.generateText({ model: inner, prompt: 'sub-question' })).text;
      }),
      stopWhen: ai.isStepCount(3),
    });
    await settle();
    const spans = tracing.spans();
    const [tool] = named(spans, 'execute_tool get_weather');
    expect(parentOf(named(spans, 'db.query')[0], spans)).toBe(tool);
    expect(parentOf(named(spans, 'chat inner-model')[0], spans)).toBe(tool);
  });

  it("inside the app's own withAgent, the run adds no second invoke_agent: its calls count for the app's agent", async () => {
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: [toolCallsResult([{ id: 'call_1', name: 'get_weather', input: { location: 'Rome' } }]), textResult('Sunny.')],
    });
    await withAgent({ name: 'travel-assistant' }, () =>
      ai.generateText({ model, prompt: 'Rome?', tools: weatherTools(ai), stopWhen: ai.isStepCount(3) }),
    );
    await settle();
    expect(nameTree(ours())).toEqual([
      {
        name: 'invoke_agent travel-assistant',
        children: [
          { name: 'chat mock-model-id', children: [] },
          { name: 'execute_tool get_weather', children: [] },
          { name: 'chat mock-model-id', children: [] },
        ],
      },
    ]);
    expect(named(ours(), 'invoke_agent travel-assistant')[0].attributes).toMatchObject({
      'otel_genai.agent.model_calls': 2,
      'otel_genai.agent.tool_calls': 1,
    });
  });

  it('the tool calls the app answers itself (tools without execute) get inferred execute_tool spans', async () => {
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: [toolCallsResult([{ id: 'call_manual', name: 'lookup', input: { q: 'x' } }]), textResult('Found it.')],
    });
    const tools = { lookup: ai.tool({ inputSchema: ai.jsonSchema({ type: 'object' }) }) };
    const first = await ai.generateText({ model, prompt: 'Find x', tools });
    const toolMessage = {
      role: 'tool' as const,
      content: [
        {
          type: 'tool-result' as const,
          toolCallId: 'call_manual',
          toolName: 'lookup',
          output: { type: 'error-text' as const, value: 'not found' },
        },
      ],
    };
    await ai.generateText({ model, messages: [{ role: 'user', content: 'Find x' }, ...first.response.messages, toolMessage], tools });
    await settle();
    const [inferred] = named(ours(), 'execute_tool lookup');
    expect(inferred.attributes).toMatchObject({
      'gen_ai.tool.call.id': 'call_manual',
      'otel_genai.tool.inferred': true,
      'error.type': 'tool_error',
    });
  });
});

describe('the helpers built on generateText and single model calls', () => {
  it('ToolLoopAgent: its generate() is the same agent tree', async () => {
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: [toolCallsResult([{ id: 'call_1', name: 'get_weather', input: { location: 'Porto' } }]), textResult('Mild.')],
    });
    const agent = new ai.ToolLoopAgent({ model, tools: weatherTools(ai), telemetry: { functionId: 'porto-agent' } });
    expect((await agent.generate({ prompt: 'Porto?' })).text).toBe('Mild.');
    await settle();
    expect(nameTree(ours())).toEqual([
      {
        name: 'invoke_agent porto-agent',
        children: [
          { name: 'chat mock-model-id', children: [] },
          { name: 'execute_tool get_weather', children: [] },
          { name: 'chat mock-model-id', children: [] },
        ],
      },
    ]);
  });

  it('structured output (Output.object): the model call says gen_ai.output.type json', async () => {
    const model = new aiTest.MockLanguageModelV4({ doGenerate: textResult('{"city":"Oslo","celsius":3}') });
    const result = await ai.generateText({
      model,
      prompt: 'Weather as JSON.',
      output: ai.Output.object({
        schema: ai.jsonSchema<{ city: string; celsius: number }>({
          type: 'object',
          properties: { city: { type: 'string' }, celsius: { type: 'number' } },
        }),
      }),
    });
    expect(result.output).toEqual({ city: 'Oslo', celsius: 3 });
    await settle();
    expect(ours()[0].attributes['gen_ai.output.type']).toBe('json');
  });

  it('experimental_extract: one chat span with its usage and response', async () => {
    const model = new aiTest.Experimental_ExtractionMockModelV4({
      provider: 'openai.extraction',
      modelId: 'gpt-5-mini',
      doExtract: async () => ({
        answers: { city: { type: 'text' as const, value: 'Lisbon' } },
        usage: { inputTokens: 42, outputTokens: 3 },
        warnings: [],
        response: { id: 'resp-extract', modelId: 'gpt-5-mini-2026' },
      }),
    });
    const result = await ai.experimental_extract({ model, state: 'I live in Lisbon.', fields: { city: { type: 'text' } } });
    expect(result.answers.city).toMatchObject({ value: 'Lisbon' });
    await settle();
    const [chat] = ours();
    expect(chat.name).toBe('chat gpt-5-mini');
    expect(chat.kind).toBe(SpanKind.CLIENT);
    expect(chat.attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 42,
      'gen_ai.usage.output_tokens': 3,
      'gen_ai.response.id': 'resp-extract',
      'gen_ai.response.model': 'gpt-5-mini-2026',
    });
  });
});

describe('retries', () => {
  const overloaded = () =>
    new ai.APICallError({
      message: 'Overloaded',
      url: 'https://api.example.test/v1/messages',
      requestBodyValues: {},
      statusCode: 529,
      responseHeaders: { 'retry-after-ms': '1' },
      isRetryable: true,
      data: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } },
    });

  it('a call the AI SDK retries is one chat span: the failed attempt inside it, no error', async () => {
    let attempts = 0;
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: async () => {
        attempts++;
        if (attempts === 1) throw overloaded();
        return textResult('Hello.');
      },
    });
    const result = await ai.generateText({ model, prompt: 'Say hello.' });
    expect(result.text).toBe('Hello.');
    expect(attempts).toBe(2);
    await settle();
    const spans = ours();
    expect(spans.map((span) => span.name)).toEqual(['chat mock-model-id']);
    expect(spans[0].status.code).toBe(SpanStatusCode.UNSET);
    expect(spans[0].attributes['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    const duration = (await metricData()).get('gen_ai.client.inference.duration') as HistogramMetricData;
    expect(duration.dataPoints).toHaveLength(1);
    expect(duration.dataPoints[0].attributes['error.type']).toBeUndefined();
  });

  it('a streamed call the AI SDK retries is one chat span too, its usage from the stream that came', async () => {
    let attempts = 0;
    const model = new aiTest.MockLanguageModelV4({
      doStream: async () => {
        attempts++;
        if (attempts === 1) throw overloaded();
        return { stream: partStream(textParts(['Hel', 'lo.'])) };
      },
    });
    expect(await ai.streamText({ model, prompt: 'Say hello.' }).text).toBe('Hello.');
    expect(attempts).toBe(2);
    await settle();
    const spans = ours();
    expect(spans.map((span) => span.name)).toEqual(['chat mock-model-id']);
    expect(spans[0].status.code).toBe(SpanStatusCode.UNSET);
    expect(spans[0].attributes['gen_ai.usage.output_tokens']).toBe(2);
  });

  it("when the retries run out, the one chat span fails with the provider's documented error type, the run with RetryError", async () => {
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: async () => {
        throw overloaded();
      },
    });
    const error = await ai
      .generateText({ model, prompt: 'Say hello.', maxRetries: 2, tools: weatherTools(ai) })
      .catch((caught: unknown) => caught as Error);
    expect(error).toBeInstanceOf(ai.RetryError);
    await settle();
    const chats = named(ours(), 'chat mock-model-id');
    expect(chats).toHaveLength(1);
    expect(chats[0].status.code).toBe(SpanStatusCode.ERROR);
    expect(chats[0].attributes['error.type']).toBe('overloaded_error');
    expect(chats[0].attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
    const [agent] = named(ours(), 'invoke_agent');
    expect(agent.attributes['error.type']).toBe('RetryError');
    expect(agent.attributes['otel_genai.agent.model_calls']).toBe(1);
  });

  it('an error that is not retried ends its span at once, typed APICallError without a documented type', async () => {
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: async () => {
        throw new ai.APICallError({
          message: 'Bad request about the user prompt',
          url: 'https://x.test',
          requestBodyValues: {},
          statusCode: 400,
          isRetryable: false,
        });
      },
    });
    await expect(ai.generateText({ model, prompt: 'Say hello.' })).rejects.toThrow();
    await settle();
    const [chat] = ours();
    expect(chat.attributes['error.type']).toBe('APICallError');
    expect(chat.status.message ?? '').not.toContain('user prompt');
  });
});

describe('streamText', () => {
  it('a stream: usage, finish reason, response id and time to first chunk from its parts; the span ends when the stream does', async () => {
    const model = new aiTest.MockLanguageModelV4({
      doStream: async () => ({ stream: partStream(textParts(['Once', ' upon', ' a time.']), 5) }),
    });
    const result = ai.streamText({ model, prompt: 'A story.' });
    let text = '';
    for await (const delta of result.textStream) {
      text += delta;
      // The span is open while the stream is read.
      expect(ours()).toHaveLength(0);
    }
    expect(text).toBe('Once upon a time.');
    await settle();
    const [chat] = ours();
    expect(chat.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.id': 'resp-stream',
      'gen_ai.response.model': 'mock-model-2026',
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.input_tokens': 40,
      'gen_ai.usage.output_tokens': 3,
    });
    expect(chat.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    const data = await metricData();
    expect((data.get('gen_ai.client.inference.time_to_first_chunk') as HistogramMetricData).dataPoints[0].value.count).toBe(1);
    // Two chunk gaps after the first output chunk.
    expect((data.get('gen_ai.client.inference.time_per_output_chunk') as HistogramMetricData).dataPoints[0].value.count).toBe(2);
  });

  it('the app reads the very same parts in the same order as without the instrumentation', async () => {
    const read = async () => {
      const model = new aiTest.MockLanguageModelV4({
        doStream: [
          { stream: partStream(toolCallParts({ id: 'call_1', name: 'get_weather', input: { location: 'Kyiv' } })) },
          { stream: partStream(textParts(['Cold', ' and', ' clear.'])) },
        ],
      });
      const result = ai.streamText({ model, prompt: 'Weather in Kyiv?', tools: weatherTools(ai), stopWhen: ai.isStepCount(3) });
      const parts: unknown[] = [];
      for await (const part of result.fullStream) parts.push(part);
      return parts;
    };
    instrumentation.disable();
    expect(channel.hasSubscribers).toBe(false);
    const bare = await read();
    instrumentation.enable();
    const traced = await read();
    // Equal but for the AI SDK's own timings (`performance`), which differ from run to run.
    expect(withoutTimings(traced)).toEqual(withoutTimings(bare));
    expect(withoutTimings(traced)).not.toEqual(withoutTimings(bare.slice(1)));
    expect(traced.length).toBeGreaterThan(10);
    await settle();
    expect(nameTree(ours())).toEqual([
      {
        name: 'invoke_agent',
        children: [
          { name: 'chat mock-model-id', children: [] },
          { name: 'execute_tool get_weather', children: [] },
          { name: 'chat mock-model-id', children: [] },
        ],
      },
    ]);
  });

  it('a consumer that stops reading early (break): the chat span ends, not as an error; the run, which the AI SDK leaves unfinished, ends as abandoned', async () => {
    const model = new aiTest.MockLanguageModelV4({ doStream: async () => ({ stream: partStream(textParts(['a', 'b', 'c', 'd']), 5) }) });
    const result = ai.streamText({ model, prompt: 'Letters.', tools: weatherTools(ai) });
    for await (const delta of result.textStream) {
      expect(delta).toBe('a');
      break;
    }
    await settle(100);
    // The AI SDK read the model's stream on to its end: the chat span is complete, no error.
    const [chat] = ours();
    expect(chat.name).toBe('chat mock-model-id');
    expect(chat.status.code).toBe(SpanStatusCode.UNSET);
    expect(chat.attributes['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    // The run never ends in the AI SDK: it ends when the app drops it (collected), or at exit, as here.
    expect(named(ours(), 'invoke_agent')).toEqual([]);
    abandonHeldCalls();
    await settle();
    const [agent] = named(ours(), 'invoke_agent');
    expect(agent.attributes).toMatchObject({ 'otel_genai.abandoned': true, 'otel_genai.agent.model_calls': 1 });
    expect(agent.status.code).toBe(SpanStatusCode.UNSET);
    // Nothing of it keeps the channel subscribed.
    instrumentation.disable();
    expect(channel.hasSubscribers).toBe(false);
    instrumentation.enable();
    void result;
  });

  it('an abort mid-stream ends the chat span and the run as AbortError', async () => {
    const model = new aiTest.MockLanguageModelV4({
      doStream: async () => ({ stream: partStream(textParts(['a', 'b', 'c', 'd', 'e']), 10) }),
    });
    const controller = new AbortController();
    const result = ai.streamText({ model, prompt: 'Letters.', abortSignal: controller.signal, tools: weatherTools(ai), onError: () => {} });
    const seen: string[] = [];
    for await (const part of result.fullStream) {
      seen.push(part.type);
      if (part.type === 'text-delta') controller.abort();
    }
    expect(seen).toContain('abort');
    await settle(100);
    const [chat] = named(ours(), 'chat mock-model-id');
    expect(chat.status.code).toBe(SpanStatusCode.ERROR);
    expect(chat.attributes['error.type']).toBe('AbortError');
    expect(chat.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
    const [agent] = named(ours(), 'invoke_agent');
    expect(agent.attributes['error.type']).toBe('AbortError');
    // The AI SDK never ends the aborted step's operation: once the run has ended nothing is left under
    // way, and a disabled instrumentation leaves the channel (the AI SDK skips it again).
    instrumentation.disable();
    expect(channel.hasSubscribers).toBe(false);
    instrumentation.enable();
  });

  it('a stream that ends without its finish part is an incomplete_stream error', async () => {
    const model = new aiTest.MockLanguageModelV4({ doStream: async () => ({ stream: partStream(textParts(['half']).slice(0, 4)) }) });
    const result = ai.streamText({ model, prompt: 'Cut.', onError: () => {} });
    for await (const part of result.fullStream) void part;
    await settle();
    const [chat] = ours();
    expect(chat.status.code).toBe(SpanStatusCode.ERROR);
    expect(chat.attributes['error.type']).toBe('incomplete_stream');
  });

  it("an in-stream error part: the provider's documented error type, its text not recorded", async () => {
    const parts = [
      ...textParts(['x']).slice(0, 4),
      { type: 'error' as const, error: { type: 'overloaded_error', message: 'Overloaded while reading your secret prompt' } },
      { type: 'finish' as const, finishReason: { unified: 'error' as const, raw: undefined }, usage: usage(5, 1) },
    ];
    const model = new aiTest.MockLanguageModelV4({ doStream: async () => ({ stream: partStream(parts) }) });
    const result = ai.streamText({ model, prompt: 'Hi.', onError: () => {} });
    for await (const part of result.fullStream) void part;
    await settle();
    const [chat] = ours();
    expect(chat.status.code).toBe(SpanStatusCode.ERROR);
    expect(chat.attributes['error.type']).toBe('overloaded_error');
    expect(JSON.stringify([chat.attributes, chat.events, chat.status])).not.toContain('secret prompt');
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBe(5);
  });

  it('with recordInputs: false the AI SDK publishes no result: the streamed call ends with its step, without usage', async () => {
    const model = new aiTest.MockLanguageModelV4({ doStream: async () => ({ stream: partStream(textParts(['one', ' two']), 20) }) });
    const started = Date.now();
    const result = ai.streamText({ model, prompt: 'Count.', telemetry: { recordInputs: false } });
    expect(await result.text).toBe('one two');
    await settle();
    const [chat] = ours();
    expect(chat.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
    // It lasted as long as the stream (several 20 ms parts), not until the stream was handed over.
    const durationMs = chat.duration[0] * 1e3 + chat.duration[1] / 1e6;
    expect(durationMs).toBeGreaterThanOrEqual(60);
    expect(Date.now() - started).toBeGreaterThanOrEqual(durationMs - 5);
  });
});

function withoutTimings(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutTimings);
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  return Object.fromEntries(
    Object.entries(value)
      .filter(([key]) => key !== 'performance')
      .map(([key, item]) => [key, withoutTimings(item)]),
  );
}

describe('the pass-through stream', () => {
  function observerCall(): { observer: StreamObserver; ended: string[] } {
    const ended: string[] = [];
    const call = {
      isEnded: false,
      content: undefined,
      markChunk() {},
      applyResponse() {},
      addToolCall() {},
      applyFinishReason() {},
      applyUsage() {},
      end() {
        ended.push('end');
        this.isEnded = true;
      },
      fail(_error: unknown, type?: string) {
        ended.push(`fail ${type}`);
        this.isEnded = true;
      },
      failWith(error: unknown) {
        ended.push(`failWith ${(error as Error)?.name}`);
        this.isEnded = true;
      },
    };
    return { observer: new StreamObserver(call as unknown as AISDKModelCall), ended };
  }

  it('hands on the same part objects in the same order, reading only when the consumer reads', async () => {
    const parts = textParts(['a', 'b', 'c']);
    let pulls = 0;
    const source = new ReadableStream<unknown>(
      {
        pull(controller) {
          const part = parts[pulls++];
          if (part === undefined) controller.close();
          else controller.enqueue(part);
        },
      },
      { highWaterMark: 0 },
    );
    const { observer, ended } = observerCall();
    const tapped = tapStream(source, observer);
    await settle();
    // Nothing read ahead: the source is not even locked before the first read.
    expect(pulls).toBe(0);
    expect(source.locked).toBe(false);
    const reader = tapped.getReader();
    const got: unknown[] = [];
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      got.push(value);
      expect(pulls).toBe(got.length);
    }
    expect(got).toHaveLength(parts.length);
    got.forEach((part, index) => expect(part).toBe(parts[index]));
    expect(ended).toEqual(['end']);
  });

  it('passes the source error through unchanged, and a cancel with its reason', async () => {
    const boom = new TypeError('terminated');
    const erroring = new ReadableStream({
      pull(controller) {
        controller.error(boom);
      },
    });
    const first = observerCall();
    const reader = tapStream(erroring, first.observer).getReader();
    await expect(reader.read()).rejects.toBe(boom);
    expect(first.ended).toEqual(['failWith TypeError']);

    let cancelledWith: unknown;
    const cancellable = new ReadableStream({
      pull(controller) {
        controller.enqueue({ type: 'text-delta', id: 't', delta: 'x' });
      },
      cancel(reason) {
        cancelledWith = reason;
      },
    });
    const second = observerCall();
    const tapped = tapStream(cancellable, second.observer).getReader();
    await tapped.read();
    await tapped.cancel('enough');
    expect(cancelledWith).toBe('enough');
    // A consumer that stops early: not a failure.
    expect(second.ended).toEqual(['end']);

    const third = observerCall();
    const aborted = tapStream(new ReadableStream({ pull() {} }), third.observer);
    await aborted.cancel(new DOMException('This operation was aborted', 'AbortError'));
    expect(third.ended).toEqual(['failWith AbortError']);
  });
});

describe('embeddings', () => {
  it("embed and embedMany are embeddings spans with input tokens; embedMany's chunked calls inside one span", async () => {
    const model = new aiTest.MockEmbeddingModelV4({
      provider: 'openai.embedding',
      modelId: 'text-embedding-3-small',
      maxEmbeddingsPerCall: 1,
      doEmbed: async ({ values }) => ({ embeddings: values.map(() => [0.1, 0.2, 0.3]), usage: { tokens: 4 }, warnings: [] }),
    });
    await ai.embed({ model, value: 'one' });
    await ai.embedMany({ model, values: ['one', 'two', 'three'] });
    await settle();
    const spans = ours();
    expect(spans.map((span) => span.name)).toEqual(['embeddings text-embedding-3-small', 'embeddings text-embedding-3-small']);
    expect(spans[0].kind).toBe(SpanKind.CLIENT);
    expect(spans[0].attributes).toMatchObject({
      'gen_ai.operation.name': 'embeddings',
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.input_tokens': 4,
    });
    expect(spans[1].attributes['gen_ai.usage.input_tokens']).toBe(12);
    const duration = (await metricData()).get('gen_ai.client.embeddings.duration') as HistogramMetricData;
    expect(duration.dataPoints[0].value.count).toBe(2);
  });
});

describe('content capture', () => {
  afterEach(() => instrumentation.setConfig({}));

  it("off by default; on, the messages, system instructions, tool definitions and tool arguments and results in the conventions' shapes", async () => {
    instrumentation.setConfig({ captureMessageContent: true });
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: [
        {
          ...toolCallsResult([{ id: 'call_1', name: 'get_weather', input: { location: 'Lima' } }]),
          content: [
            { type: 'text' as const, text: 'Checking.' },
            ...toolCallsResult([{ id: 'call_1', name: 'get_weather', input: { location: 'Lima' } }]).content,
          ],
        },
        textResult('Lima is warm.'),
      ],
    });
    await ai.generateText({
      model,
      system: 'You are terse.',
      prompt: 'Weather in Lima?',
      tools: weatherTools(ai),
      stopWhen: ai.isStepCount(3),
    });
    await settle();
    const [first, second] = named(ours(), 'chat mock-model-id');
    expect(JSON.parse(first.attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'You are terse.' }]);
    expect(JSON.parse(first.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Lima?' }] },
    ]);
    expect(JSON.parse(first.attributes['gen_ai.output.messages'] as string)).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Checking.' },
          { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { location: 'Lima' } },
        ],
      },
    ]);
    expect(JSON.parse(first.attributes['gen_ai.tool.definitions'] as string)).toEqual([
      {
        type: 'function',
        name: 'get_weather',
        description: 'Get the current weather for a city.',
        parameters: expect.objectContaining({ type: 'object' }),
      },
    ]);
    expect(JSON.parse(second.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'Weather in Lima?' }] },
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Checking.' },
          { type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { location: 'Lima' } },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: { location: 'Lima', temperature_c: 18 } }] },
    ]);
    const [tool] = named(ours(), 'execute_tool get_weather');
    expect(JSON.parse(tool.attributes['gen_ai.tool.call.arguments'] as string)).toEqual({ location: 'Lima' });
    expect(JSON.parse(tool.attributes['gen_ai.tool.call.result'] as string)).toEqual({ location: 'Lima', temperature_c: 18 });
  });

  it("a stream's reply is built from its parts", async () => {
    instrumentation.setConfig({ captureMessageContent: 'SPAN_ONLY' });
    const model = new aiTest.MockLanguageModelV4({
      doStream: async () => ({ stream: partStream(textParts(['Bright', ' and', ' cold.'])) }),
    });
    await ai.streamText({ model, prompt: 'Weather?' }).consumeStream();
    await settle();
    const [chat] = ours();
    expect(JSON.parse(chat.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Bright and cold.' }] },
    ]);
  });

  it('the redact hook sees every part', async () => {
    instrumentation.setConfig({
      captureMessageContent: true,
      redact: (part) => (part.type === 'text' ? { ...part, content: '[redacted]' } : part),
    });
    const model = new aiTest.MockLanguageModelV4({ doGenerate: textResult('My secret answer') });
    await ai.generateText({ model, prompt: 'My secret question' });
    await settle();
    const [chat] = ours();
    expect(JSON.stringify(chat.attributes)).not.toContain('secret');
    expect(chat.attributes['gen_ai.input.messages']).toContain('[redacted]');
  });
});

describe('metrics', () => {
  it('the model calls, tools and the run record the same metrics as the SDK-level providers', async () => {
    const model = new aiTest.MockLanguageModelV4({
      provider: 'openai.chat',
      modelId: 'gpt-4o-mini',
      doGenerate: [toolCallsResult([{ id: 'call_1', name: 'get_weather', input: { location: 'Nice' } }]), textResult('Nice is nice.')],
    });
    await ai.generateText({
      model,
      prompt: 'Nice?',
      tools: weatherTools(ai),
      stopWhen: ai.isStepCount(3),
      telemetry: { functionId: 'riviera' },
    });
    await settle();
    const data = await metricData();
    const duration = data.get('gen_ai.client.inference.duration') as HistogramMetricData;
    expect(duration.dataPoints).toHaveLength(1);
    expect(duration.dataPoints[0].value.count).toBe(2);
    expect(duration.dataPoints[0].attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.model': 'mock-model-2026',
    });
    const input = data.get('gen_ai.client.inference.usage.input_tokens') as SumMetricData;
    expect(input.dataPoints.reduce((sum, point) => sum + point.value, 0)).toBe(250);
    expect((data.get('gen_ai.execute_tool.duration') as HistogramMetricData).dataPoints[0].attributes).toMatchObject({
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.agent.name': 'riviera',
    });
    const calls = data.get('gen_ai.invoke_agent.inference_calls') as HistogramMetricData;
    expect(calls.dataPoints[0].value.sum).toBe(2);
    expect((data.get('gen_ai.invoke_agent.duration') as HistogramMetricData).dataPoints[0].attributes['gen_ai.agent.name']).toBe('riviera');
  });
});

describe('@ai-sdk/otel', () => {
  it('registered globally, it traces the runs and otel-genai stands down for them, saying so once through diag', async () => {
    const { OpenTelemetry } = await import('@ai-sdk/otel');
    const lines: string[] = [];
    const { diag, DiagLogLevel } = await import('@opentelemetry/api');
    diag.setLogger(
      { error: () => {}, warn: () => {}, info: (...args) => lines.push(args.join(' ')), debug: () => {}, verbose: () => {} },
      DiagLogLevel.INFO,
    );
    const holder = globalThis as { AI_SDK_TELEMETRY_INTEGRATIONS?: unknown[] };
    const before = holder.AI_SDK_TELEMETRY_INTEGRATIONS;
    ai.registerTelemetry(new OpenTelemetry());
    try {
      const model = new aiTest.MockLanguageModelV4({
        doGenerate: [toolCallsResult([{ id: 'call_1', name: 'get_weather', input: { location: 'Bern' } }]), textResult('Fresh.')],
      });
      await ai.generateText({ model, prompt: 'Bern?', tools: weatherTools(ai), stopWhen: ai.isStepCount(3) });
      await ai.embed({
        model: new aiTest.MockEmbeddingModelV4({ doEmbed: async () => ({ embeddings: [[1]], usage: { tokens: 1 }, warnings: [] }) }),
        value: 'x',
      });
      await settle();
      expect(ours()).toEqual([]);
      // Theirs: one chat span per model call, one execute_tool per tool call.
      const theirs = tracing.spans();
      expect(theirs.filter((span) => span.kind === SpanKind.CLIENT && span.name.startsWith('chat'))).toHaveLength(2);
      expect(theirs.filter((span) => span.name.startsWith('execute_tool'))).toHaveLength(1);
      expect(lines.filter((line) => line.includes('@ai-sdk/otel'))).toHaveLength(1);
    } finally {
      holder.AI_SDK_TELEMETRY_INTEGRATIONS = before;
      diag.disable();
    }
    // Unregistered again: ours are back.
    tracing.exporter.reset();
    await ai.generateText({ model: new aiTest.MockLanguageModelV4({ doGenerate: textResult('Back.') }), prompt: 'Hi' });
    await settle();
    expect(ours().map((span) => span.name)).toEqual(['chat mock-model-id']);
  });
});

describe('enable, disable, several instances', () => {
  it('disabled, it unsubscribes (the AI SDK skips the channel) and traces nothing; enabled again, it traces', async () => {
    const model = new aiTest.MockLanguageModelV4({ doGenerate: textResult('x') });
    instrumentation.disable();
    expect(channel.hasSubscribers).toBe(false);
    await ai.generateText({ model, prompt: 'a' });
    await settle();
    expect(ours()).toEqual([]);
    instrumentation.enable();
    expect(channel.hasSubscribers).toBe(true);
    await ai.generateText({ model, prompt: 'b' });
    await settle();
    expect(ours()).toHaveLength(1);
  });

  it('a run under way when the instrumentation is disabled still ends its spans', async () => {
    const model = new aiTest.MockLanguageModelV4({ doStream: async () => ({ stream: partStream(textParts(['slow', ' words']), 20) }) });
    const result = ai.streamText({ model, prompt: 'Slowly.', tools: weatherTools(ai) });
    await new Promise((resolve) => setTimeout(resolve, 5));
    instrumentation.disable();
    await result.consumeStream();
    await settle();
    expect(
      ours()
        .map((span) => span.name)
        .sort(),
    ).toEqual(['chat mock-model-id', 'invoke_agent']);
    // Nothing left under way: the channel is left alone.
    expect(channel.hasSubscribers).toBe(false);
    instrumentation.enable();
  });

  it('two enabled instances trace each call once; the second takes over when the first is disabled', async () => {
    const second = new AISDKInstrumentation();
    second.setTracerProvider(tracing.provider);
    const model = new aiTest.MockLanguageModelV4({ doGenerate: textResult('x') });
    try {
      await ai.generateText({ model, prompt: 'a' });
      await settle();
      expect(ours()).toHaveLength(1);
      instrumentation.disable();
      tracing.exporter.reset();
      await ai.generateText({ model, prompt: 'b' });
      await settle();
      expect(ours()).toHaveLength(1);
    } finally {
      second.disable();
      instrumentation.enable();
    }
    expect(channel.hasSubscribers).toBe(true);
  });
});

describe('never breaks the app', () => {
  it('a tracer that throws: the app gets its result, the failure goes to diag', async () => {
    const lines = captureDiag();
    const throwing = {
      getTracer: () => ({
        startSpan: () => {
          throw new Error('tracer broken');
        },
        startActiveSpan: () => {
          throw new Error('tracer broken');
        },
      }),
    } as unknown as TracerProvider;
    instrumentation.setTracerProvider(throwing);
    try {
      const model = new aiTest.MockLanguageModelV4({
        doGenerate: textResult('Still here.'),
        doStream: async () => ({ stream: partStream(textParts(['Still', ' streaming.'])) }),
      });
      expect((await ai.generateText({ model, prompt: 'a' })).text).toBe('Still here.');
      expect(await ai.streamText({ model, prompt: 'b' }).text).toBe('Still streaming.');
      await settle();
      expect(lines.some((line) => line.includes('tracer broken'))).toBe(true);
    } finally {
      instrumentation.setTracerProvider(tracing.provider);
    }
  });

  it('an event or a result on the channel that cannot be read: the operation runs as it would, its span still ends, the failure goes to diag', async () => {
    const lines = captureDiag();
    const throwing = new Proxy(
      {},
      {
        get() {
          throw new Error('hostile event');
        },
        has() {
          throw new Error('hostile event');
        },
      },
    );
    // Published as the AI SDK publishes: `{ type, event }`, the operation run by tracePromise.
    await expect(channel.tracePromise(async () => 'ran', { type: 'languageModelCall', event: throwing })).resolves.toBe('ran');
    const unreadable = {
      get finishReason() {
        throw new Error('unreadable result');
      },
    };
    await expect(
      channel.tracePromise(async () => unreadable, {
        type: 'languageModelCall',
        event: { callId: 'call-x', provider: 'openai.chat', modelId: 'gpt-4o-mini' },
      }),
    ).resolves.toBe(unreadable);
    await settle();
    expect(ours().map((span) => span.name)).toEqual(['chat gpt-4o-mini']);
    expect(ours()[0].status.code).toBe(SpanStatusCode.UNSET);
    expect(lines.some((line) => line.includes('hostile event'))).toBe(true);
    expect(lines.some((line) => line.includes('unreadable result'))).toBe(true);
  });
});

describe('provider names', () => {
  it("maps the AI SDK providers onto the conventions' names", () => {
    expect(
      [
        'openai.chat',
        'openai.responses',
        'anthropic.messages',
        'google.generative-ai',
        'google.vertex.chat',
        'vertex.anthropic.messages',
        'amazon-bedrock',
        'bedrock.anthropic.messages',
        'azure.responses',
        'mistral.chat',
        'xai.chat',
        'groq.chat',
        'deepseek.chat',
        'togetherai.chat',
      ].map(providerName),
    ).toEqual([
      'openai',
      'openai',
      'anthropic',
      'gcp.gemini',
      'gcp.vertex_ai',
      'gcp.vertex_ai',
      'aws.bedrock',
      'aws.bedrock',
      'azure.ai.openai',
      'mistral_ai',
      'x_ai',
      'groq',
      'deepseek',
      'togetherai',
    ]);
  });

  it("a model call's context is marked for the SDK-level instrumentations", async () => {
    let marked: boolean | undefined;
    const model = new aiTest.MockLanguageModelV4({
      doGenerate: async () => {
        marked = insideAISDKModelCall(context.active());
        return textResult('x');
      },
    });
    await ai.generateText({ model, prompt: 'a' });
    expect(marked).toBe(true);
    expect(insideAISDKModelCall(context.active())).toBe(false);
  });
});
