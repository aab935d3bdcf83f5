/**
 * `@google/genai` (CommonJS copy) against the bundled fixtures (fixtures/google/): every scenario runs
 * without and then with the instrumentation, and the app must see the same. Run for each SDK line by
 * test/google*.test.ts, each loading its copy (`load`) after the instrumentation exists, as an app's
 * would be under `--import`.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData, SumMetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
// The CommonJS copy is loaded; its types are the ES module ones (the same API).
import type * as GenAI from '@google/genai' with { 'resolution-mode': 'import' };
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GoogleGenAIInstrumentation, withAgent } from '../../src';
import { abandonHeldCalls } from '../../src/abandonment';
import type { ReplayServer } from '../../src/testing/replay-server';
import { startFixtureServer } from '../helpers/replay';
import { collect, errorShape, scenarioTools } from '../helpers/scenario';
import { settle, setupTracing } from '../helpers/tracing';

export interface SDKLine {
  /** What a Gemini API client of the line needs to reach the fixtures' paths (1.x and 2.x default to `v1beta`, 3.x to `v1`). */
  httpOptions?: { apiVersion?: string };
  /** Whether the line continues a truncated answer by itself (2.x on). */
  continues?: boolean;
}

export function googleSuite(load: () => typeof GenAI, { httpOptions = {}, continues = true }: SDKLine = {}): void {
  const tracing = setupTracing();
  const instrumentation = new GoogleGenAIInstrumentation();
  instrumentation.setTracerProvider(tracing.provider);
  const genai = load();

  const MODEL = 'gemini-2.5-flash';
  let server: ReplayServer;
  let ai: InstanceType<typeof genai.GoogleGenAI>;

  beforeAll(async () => {
    server = await startFixtureServer();
    ai = new genai.GoogleGenAI({ apiKey: 'test-key', httpOptions: { ...httpOptions, baseUrl: server.url } });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    instrumentation.enable();
    tracing.exporter.reset();
    server.reset();
  });

  const { bareAndTraced, onlySpan } = scenarioTools(instrumentation, tracing, () => server);
  const port = () => Number(new URL(server.url).port);
  const named = (name: string) => tracing.genAISpans().filter((span) => span.name === name);
  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
  const idOf = (span: ReadableSpan) => span.spanContext().spanId;

  /** What an app sees of a response: the SDK's object, as plain data (the headers' date aside). */
  function plain(response: unknown): unknown {
    const { sdkHttpResponse: _headers, ...rest } = response as Record<string, unknown>;
    return JSON.parse(JSON.stringify(rest));
  }

  describe('models.generateContent', () => {
    it('one CLIENT span generate_content {model}: request parameters, response id and model, finish reasons, usage', async () => {
      const config = {
        temperature: 0.2,
        topP: 0.9,
        topK: 40,
        maxOutputTokens: 100,
        stopSequences: ['###'],
        candidateCount: 1,
        thinkingConfig: { thinkingBudget: 0 },
      };
      const response = await bareAndTraced(async () =>
        plain(await ai.models.generateContent({ model: MODEL, contents: 'What is the capital of France? Answer in one word.', config })),
      );
      expect(response).toMatchObject({ candidates: [{ content: { parts: [{ text: 'Paris' }] } }] });
      const span = onlySpan();
      expect(span.name).toBe(`generate_content ${MODEL}`);
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes).toEqual({
        'gen_ai.operation.name': 'generate_content',
        'gen_ai.provider.name': 'gcp.gemini',
        'gen_ai.system': 'gcp.gemini',
        'gen_ai.request.model': MODEL,
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.top_p': 0.9,
        'gen_ai.request.top_k': 40,
        'gen_ai.request.max_tokens': 100,
        'gen_ai.request.stop_sequences': ['###'],
        'gen_ai.request.reasoning.level': 'none',
        'server.address': '127.0.0.1',
        'server.port': port(),
        'gen_ai.response.id': 'kH5UafqBO8e2vdIPq9mK2QE',
        'gen_ai.response.model': 'gemini-2.5-flash',
        'gen_ai.response.finish_reasons': ['STOP'],
        // output = candidates + thoughts; reasoning = thoughts
        'gen_ai.usage.input_tokens': 11,
        'gen_ai.usage.output_tokens': 1 + 24,
        'gen_ai.usage.reasoning.output_tokens': 24,
        'gen_ai.usage.text.input_tokens': 11,
      });
    });

    it('seed, choice count, output type and thinking level; cached content as cache reads within the input', async () => {
      const config = {
        seed: 7,
        candidateCount: 2,
        responseMimeType: 'application/json',
        thinkingConfig: { thinkingLevel: 'LOW' },
        systemInstruction: 'You are terse.',
      };
      await bareAndTraced(async () =>
        plain(
          await ai.models.generateContent({
            model: MODEL,
            contents: 'Summarise the style guide in one sentence.',
            config: config as never,
          }),
        ),
      );
      const span = onlySpan();
      expect(span.attributes).toMatchObject({
        'gen_ai.request.seed': 7,
        'gen_ai.request.choice.count': 2,
        'gen_ai.output.type': 'json',
        'gen_ai.request.reasoning.level': 'LOW',
        'gen_ai.usage.input_tokens': 2140,
        'gen_ai.usage.cache_read.input_tokens': 2048,
        'gen_ai.usage.output_tokens': 17,
      });
      // The seed's legacy alias is OpenAI's: never on a Gemini span.
      expect(Object.keys(span.attributes).filter((key) => key.startsWith('gen_ai.openai'))).toEqual([]);
    });

    it('an ApiError: the app gets the same error, the span has its class, status and no provider text', async () => {
      const error = await bareAndTraced(() =>
        ai.models.generateContent({ model: MODEL, contents: 'Say hello. (This request is rate limited.)' }).then(
          () => undefined,
          (failure: unknown) => errorShape(failure),
        ),
      );
      expect(error).toMatchObject({ name: 'ApiError', status: 429 });
      const span = onlySpan();
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'ApiError: HTTP 429' });
      expect(span.attributes['error.type']).toBe('ApiError');
      expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
    });

    it('a 400 that quotes the prompt: none of it reaches the span with capture off', async () => {
      await bareAndTraced(() =>
        ai.models
          .generateContent({ model: MODEL, contents: 'My password is hunter2. Repeat it.' })
          .catch((failure: unknown) => errorShape(failure)),
      );
      expect(JSON.stringify([onlySpan().attributes, onlySpan().status, onlySpan().events])).not.toContain('hunter2');
    });

    it("the SDK's retries (httpOptions.retryOptions) are inside the one span", async () => {
      const client = new genai.GoogleGenAI({
        apiKey: 'test-key',
        httpOptions: { ...httpOptions, baseUrl: server.url, retryOptions: { attempts: 2 } } as never,
      });
      const response = await bareAndTraced(async () =>
        plain(await client.models.generateContent({ model: MODEL, contents: 'Say hello. (The first attempt is unavailable.)' })),
      );
      expect(response).toMatchObject({ candidates: [{ content: { parts: [{ text: 'Hello!' }] } }] });
      expect(onlySpan().attributes['gen_ai.response.id']).toBe('cmV0cnktdGhlbi1vaw');
      expect(onlySpan().status.code).toBe(SpanStatusCode.UNSET);
    });

    it.runIf(continues)('automatic continuation: one span per hop, each with its own response and usage', async () => {
      const response = await bareAndTraced(async () =>
        plain(await ai.models.generateContent({ model: MODEL, contents: 'Write a detailed history of the printing press.' })),
      );
      expect(JSON.stringify(response)).toContain('Gutenberg');
      const spans = tracing.inferenceSpans();
      expect(
        spans.map((span) => [
          span.attributes['gen_ai.response.id'],
          span.attributes['gen_ai.response.finish_reasons'],
          span.attributes['gen_ai.usage.output_tokens'],
        ]),
      ).toEqual([
        ['Y29udGludWF0aW9uLWhvcDE', ['CONTINUATION'], 13],
        ['Y29udGludWF0aW9uLWhvcDI', ['STOP'], 14],
      ]);
    });

    it('Vertex AI: provider gcp.vertex_ai, from the client', async () => {
      const vertex = new genai.GoogleGenAI({ vertexai: true, apiKey: 'test-key', httpOptions: { baseUrl: server.url } });
      await bareAndTraced(async () => plain(await vertex.models.generateContent({ model: MODEL, contents: 'Name one primary color.' })));
      expect(onlySpan().attributes).toMatchObject({
        'gen_ai.provider.name': 'gcp.vertex_ai',
        'gen_ai.response.id': 'dmVydGV4LXRleHQtMDAx',
        'gen_ai.usage.input_tokens': 6,
      });
    });

    it('the response is the very object the SDK made (its class and getters)', async () => {
      const response = await ai.models.generateContent({ model: MODEL, contents: 'What is the capital of France? Answer in one word.' });
      expect(response).toBeInstanceOf(genai.GenerateContentResponse);
      expect(response.text).toBe('Paris');
    });
  });

  describe('models.generateContentStream', () => {
    it('one span for the stream: time to first chunk, usage and finish reason from the last chunk', async () => {
      const chunks = await bareAndTraced(async () =>
        (await collect(await ai.models.generateContentStream({ model: MODEL, contents: 'Tell me a short story about a lighthouse.' }))).map(
          plain,
        ),
      );
      expect(chunks).toHaveLength(4);
      const span = onlySpan();
      expect(span.name).toBe(`generate_content ${MODEL}`);
      expect(span.attributes).toMatchObject({
        'gen_ai.request.stream': true,
        'gen_ai.response.id': 'x35UaeLdJ5n0vdIPgLqZwAc',
        'gen_ai.response.finish_reasons': ['STOP'],
        'gen_ai.usage.input_tokens': 9,
        'gen_ai.usage.output_tokens': 12,
      });
      expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    });

    it('a stream left early (break) ends its span once, not as an error', async () => {
      const seen = await bareAndTraced(async () => {
        let count = 0;
        for await (const _chunk of await ai.models.generateContentStream({ model: MODEL, contents: 'Describe the water cycle in detail.' }))
          if (++count === 3) break;
        return count;
      });
      expect(seen).toBe(3);
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes['error.type']).toBeUndefined();
    });

    it('an aborted stream: the app gets the abort, the span fails with it', async () => {
      const controller = new AbortController();
      const failure = await (async () => {
        try {
          let count = 0;
          for await (const _chunk of await ai.models.generateContentStream({
            model: MODEL,
            contents: 'Describe the water cycle in detail.',
            config: { abortSignal: controller.signal },
          })) {
            if (++count === 2) controller.abort();
          }
          return 'no error';
        } catch (error) {
          return (error as Error).name;
        }
      })();
      expect(failure).toBe('AbortError');
      await settle();
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('AbortError');
    });

    it('a stream cut by the network: the app gets the same error, the span fails', async () => {
      const outcome = await bareAndTraced(async () => {
        const chunks: unknown[] = [];
        try {
          for await (const chunk of await ai.models.generateContentStream({
            model: MODEL,
            contents: 'Explain how a refrigerator works.',
            config: { automaticContinuation: false } as never,
          }))
            chunks.push(plain(chunk));
          return { chunks, error: undefined };
        } catch (error) {
          return { chunks, error: (error as Error).constructor.name };
        }
      });
      expect(outcome.chunks).toHaveLength(2);
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe(outcome.error ?? 'incomplete_stream');
    });

    it('an HTTP error before any chunk: the same error, one failed span', async () => {
      const error = await bareAndTraced(() =>
        ai.models.generateContentStream({ model: MODEL, contents: 'Say hello. (This stream hits a server error.)' }).then(
          () => undefined,
          (failure: unknown) => errorShape(failure),
        ),
      );
      expect(error).toMatchObject({ name: 'ApiError', status: 500 });
      expect(onlySpan().attributes['error.type']).toBe('ApiError');
    });

    it('without automatic continuation the app holds the SDK generator itself, observed in place', async () => {
      const stream = await ai.models.generateContentStream({
        model: MODEL,
        contents: 'Tell me a short story about a lighthouse.',
        config: { automaticContinuation: false } as never,
      });
      // tslib's async generator object: its own methods only, as the SDK made it (ours replace them in place).
      expect(Object.keys(stream)).toEqual(['next', 'throw', 'return']);
      expect(stream[Symbol.asyncIterator]()).toBe(stream);
      expect((await collect(stream)).length).toBe(4);
      await settle();
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['STOP']);
    });
  });

  describe('models.embedContent', () => {
    it('one span embeddings {model}, with the requested dimensions', async () => {
      const response = await bareAndTraced(async () =>
        plain(
          await ai.models.embedContent({
            model: 'gemini-embedding-001',
            contents: ['The quick brown fox', 'jumps over the lazy dog'],
            config: { outputDimensionality: 4 },
          }),
        ),
      );
      expect((response as { embeddings: unknown[] }).embeddings).toHaveLength(2);
      const span = onlySpan();
      expect(span.name).toBe('embeddings gemini-embedding-001');
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'embeddings',
        'gen_ai.provider.name': 'gcp.gemini',
        'gen_ai.embeddings.dimension.count': 4,
      });
    });
  });

  describe('chats', () => {
    it('sendMessage and sendMessageStream: one span per request, history sent as contents', async () => {
      const chat = ai.chats.create({ model: MODEL });
      const text = await bareAndTraced(
        async () =>
          (await ai.chats.create({ model: MODEL }).sendMessage({ message: 'What is the capital of France? Answer in one word.' })).text,
      );
      expect(text).toBe('Paris');
      expect(onlySpan().name).toBe(`generate_content ${MODEL}`);
      tracing.exporter.reset();
      const streamed = await collect(await chat.sendMessageStream({ message: 'Tell me a short story about a lighthouse.' }));
      expect(streamed).toHaveLength(4);
      await settle();
      expect(onlySpan().attributes['gen_ai.request.stream']).toBe(true);
    });
  });

  /** The app's get_weather, as a callable tool (what `mcpToTool` makes, without MCP). */
  function weatherTool() {
    const calls: string[] = [];
    const tool = {
      async tool() {
        return {
          functionDeclarations: [
            {
              name: 'get_weather',
              description: 'Get the current weather for a city.',
              parametersJsonSchema: { type: 'object', properties: { location: { type: 'string' } } },
            },
          ],
        };
      },
      async callTool(functionCalls: Array<{ name: string; args: { location: string } }>) {
        calls.push(...functionCalls.map((call) => call.args.location));
        return functionCalls.map((call) => ({
          functionResponse: { name: call.name, response: { temperature_c: 19, conditions: 'sunny', location: call.args.location } },
        }));
      },
    };
    return Object.defineProperty(tool, 'calls', { value: calls, enumerable: false }) as typeof tool & { calls: string[] };
  }

  describe('automatic function calling (callable tools)', () => {
    it('generateContent: one invoke_agent span parenting its generate_content spans and one execute_tool span', async () => {
      const tool = weatherTool();
      const response = await ai.models.generateContent({
        model: MODEL,
        contents: 'What is the weather like in Lisbon right now?',
        config: { tools: [tool as never] },
      });
      expect(response.text).toBe("It's sunny in Lisbon right now, at about 19 °C.");
      expect(tool.calls).toEqual(['Lisbon, Portugal']);
      await settle();
      const [agent] = named('invoke_agent');
      expect(agent.kind).toBe(SpanKind.INTERNAL);
      expect(agent.attributes).toMatchObject({
        'gen_ai.operation.name': 'invoke_agent',
        'gen_ai.request.model': MODEL,
        'otel_genai.agent.model_calls': 2,
        'otel_genai.agent.tool_calls': 1,
      });
      const calls = named(`generate_content ${MODEL}`);
      expect(calls).toHaveLength(2);
      for (const call of calls) expect(parentOf(call)).toBe(idOf(agent));
      const [tool_] = tracing.toolSpans();
      expect(tool_.name).toBe('execute_tool get_weather');
      expect(tool_.attributes).toMatchObject({
        'gen_ai.tool.name': 'get_weather',
        'gen_ai.tool.description': 'Get the current weather for a city.',
      });
      expect(tool_.attributes['otel_genai.tool.inferred']).toBeUndefined();
      expect(parentOf(tool_)).toBe(idOf(agent));
      // Exactly these: no inferred tool span beside the explicit one.
      expect(tracing.genAISpans()).toHaveLength(4);
    });

    it('the app keeps its own params and tools: nothing of ours is left on them', async () => {
      const tool = weatherTool();
      const params = { model: MODEL, contents: 'What is the weather like in Lisbon right now?', config: { tools: [tool as never] } };
      const before = JSON.stringify(params);
      await ai.models.generateContent(params);
      expect(JSON.stringify(params)).toBe(before);
      expect(params.config.tools[0]).toBe(tool);
    });

    it('generateContentStream: the run ends with the stream; the tool between the two streamed turns', async () => {
      const tool = weatherTool();
      const chunks = await collect(
        await ai.models.generateContentStream({
          model: MODEL,
          contents: 'What is the weather like in Tokyo? Use the get_weather tool.',
          config: { tools: [tool as never] },
        }),
      );
      expect(tool.calls).toEqual(['Tokyo, Japan']);
      expect(chunks.length).toBeGreaterThan(2);
      await settle();
      const [agent] = named('invoke_agent');
      expect(agent.attributes).toMatchObject({ 'otel_genai.agent.model_calls': 2, 'otel_genai.agent.tool_calls': 1 });
      expect(named(`generate_content ${MODEL}`).map(parentOf)).toEqual([idOf(agent), idOf(agent)]);
      expect(tracing.toolSpans().map((span) => [span.name, parentOf(span)])).toEqual([['execute_tool get_weather', idOf(agent)]]);
    });

    it('generateContentStream dropped unread: the run ends once, marked abandoned, when the stream is reclaimed (here: at exit)', async () => {
      const tool = weatherTool();
      await ai.models.generateContentStream({
        model: MODEL,
        contents: 'What is the weather like in Tokyo? Use the get_weather tool.',
        config: { tools: [tool as never] },
      });
      await settle();
      expect(named('invoke_agent')).toHaveLength(0);
      abandonHeldCalls();
      abandonHeldCalls();
      await settle();
      const runs = named('invoke_agent');
      expect(runs).toHaveLength(1);
      expect(runs[0].attributes).toMatchObject({ 'otel_genai.abandoned': true, 'otel_genai.agent.model_calls': 0 });
      expect(tool.calls).toEqual([]);
    });

    it('generateContentStream left early (break): the run ends, not abandoned and not failed', async () => {
      const tool = weatherTool();
      for await (const chunk of await ai.models.generateContentStream({
        model: MODEL,
        contents: 'What is the weather like in Tokyo? Use the get_weather tool.',
        config: { tools: [tool as never] },
      })) {
        expect(chunk).toBeDefined();
        break;
      }
      abandonHeldCalls();
      await settle();
      const [agent] = named('invoke_agent');
      expect(agent.attributes['otel_genai.abandoned']).toBeUndefined();
      expect(agent.attributes['error.type']).toBeUndefined();
      expect(named('invoke_agent')).toHaveLength(1);
    });

    it('a tool that throws: its span fails, the run fails with what the app gets', async () => {
      const tool = { ...weatherTool(), callTool: async () => Promise.reject(new RangeError('weather service down')) };
      const failure = await ai.models
        .generateContent({ model: MODEL, contents: 'What is the weather like in Lisbon right now?', config: { tools: [tool as never] } })
        .catch((error: Error) => error.message);
      expect(failure).toBe('weather service down');
      await settle();
      expect(tracing.toolSpans()[0].attributes['error.type']).toBe('RangeError');
      expect(named('invoke_agent')[0].attributes['error.type']).toBe('RangeError');
    });

    it('automaticFunctionCalling.disable: no run, the call is one span', async () => {
      const tool = weatherTool();
      await ai.models.generateContent({
        model: MODEL,
        contents: 'What is the weather like in Lisbon right now?',
        config: { tools: [tool as never], automaticFunctionCalling: { disable: true } },
      });
      await settle();
      expect(named('invoke_agent')).toHaveLength(0);
      expect(tracing.inferenceSpans()).toHaveLength(1);
    });
  });

  describe('a hand-written function-calling loop', () => {
    it('gets an inferred execute_tool span from the functionResponse it sends back (calls without ids)', async () => {
      await withAgent({ name: 'weather' }, async () => {
        const question = { role: 'user', parts: [{ text: 'What is the weather like in Lisbon right now?' }] };
        const tools = [{ functionDeclarations: [{ name: 'get_weather', description: 'Get the current weather for a city.' }] }];
        const first = await ai.models.generateContent({ model: MODEL, contents: [question], config: { tools } });
        const call = first.functionCalls![0];
        const answer = {
          role: 'user',
          parts: [{ functionResponse: { name: call.name, response: { temperature_c: 19, conditions: 'sunny' } } }],
        };
        const second = await ai.models.generateContent({
          model: MODEL,
          contents: [question, first.candidates![0].content!, answer],
          config: { tools },
        });
        expect(second.text).toBe("It's sunny in Lisbon right now, at about 19 °C.");
      });
      await settle();
      const tools = tracing.toolSpans();
      expect(tools.map((span) => [span.name, span.attributes['otel_genai.tool.inferred']])).toEqual([['execute_tool get_weather', true]]);
      const [agent] = named('invoke_agent weather');
      expect(parentOf(tools[0])).toBe(idOf(agent));
      expect(agent.attributes['otel_genai.agent.tool_calls']).toBe(1);
    });
  });

  describe('metrics', () => {
    class Reader extends MetricReader {
      protected async onShutdown(): Promise<void> {}
      protected async onForceFlush(): Promise<void> {}
    }

    it('duration, time to first chunk and token counters, with the provider and operation', async () => {
      const reader = new Reader();
      instrumentation.setMeterProvider(new MeterProvider({ readers: [reader] }));
      try {
        await ai.models.generateContent({ model: MODEL, contents: 'What is the capital of France? Answer in one word.' });
        await collect(await ai.models.generateContentStream({ model: MODEL, contents: 'Tell me a short story about a lighthouse.' }));
        await settle();
        const { resourceMetrics } = await reader.collect();
        const metrics = new Map(
          resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics.map((metric) => [metric.descriptor.name, metric] as const)),
        );
        const duration = metrics.get('gen_ai.client.inference.duration') as HistogramMetricData;
        expect(
          duration.dataPoints.map((point) => [
            point.attributes['gen_ai.provider.name'],
            point.attributes['gen_ai.operation.name'],
            point.attributes['gen_ai.response.model'],
            point.value.count,
          ]),
        ).toEqual([['gcp.gemini', 'generate_content', 'gemini-2.5-flash', 2]]);
        expect((metrics.get('gen_ai.client.inference.time_to_first_chunk') as HistogramMetricData).dataPoints[0].value.count).toBe(1);
        const output = metrics.get('gen_ai.client.inference.usage.output_tokens') as SumMetricData;
        expect(output.dataPoints.reduce((total, point) => total + point.value, 0)).toBe(25 + 12);
        const reasoning = metrics.get('gen_ai.client.inference.usage.reasoning.output_tokens') as SumMetricData;
        expect(reasoning.dataPoints.reduce((total, point) => total + point.value, 0)).toBe(24);
      } finally {
        instrumentation.setMeterProvider(new MeterProvider());
      }
    });
  });

  describe('disable() and enable()', () => {
    it("disable() puts the SDK's methods back (no span, no setter on Models.prototype); enable() traces again", async () => {
      instrumentation.disable();
      try {
        expect(Object.getOwnPropertyDescriptor(genai.Models.prototype, 'generateContent')).toBeUndefined();
        const fresh = new genai.GoogleGenAI({ apiKey: 'test-key', httpOptions: { ...httpOptions, baseUrl: server.url } });
        await fresh.models.generateContent({ model: MODEL, contents: 'What is the capital of France? Answer in one word.' });
        await ai.models
          .generateContent({
            model: MODEL,
            contents: 'What is the capital of France? Answer in one word.',
            config: { tools: [weatherTool() as never] },
          })
          .catch(() => undefined);
        await settle();
        expect(tracing.genAISpans()).toEqual([]);
      } finally {
        instrumentation.enable();
      }
      expect(typeof Object.getOwnPropertyDescriptor(genai.Models.prototype, 'generateContent')?.set).toBe('function');
      const later = new genai.GoogleGenAI({ apiKey: 'test-key', httpOptions: { ...httpOptions, baseUrl: server.url } });
      await later.models.generateContent({
        model: MODEL,
        contents: 'What is the weather like in Lisbon right now?',
        config: { tools: [weatherTool() as never] },
      });
      await settle();
      expect(tracing.genAISpanNames()).toEqual(
        ['execute_tool get_weather', `generate_content ${MODEL}`, `generate_content ${MODEL}`, 'invoke_agent'].sort(),
      );
    });
  });

  describe('telemetry faults stay ours', () => {
    it('a tracer that throws: the call runs untraced and returns the same', async () => {
      const tracer = trace.getTracer('x');
      const original = tracer.startSpan;
      const provider = {
        getTracer: () => ({
          ...tracer,
          startSpan: () => {
            throw new Error('broken tracer');
          },
          startActiveSpan: original,
        }),
      };
      instrumentation.setTracerProvider(provider as never);
      try {
        const response = await context.with(context.active(), () =>
          ai.models.generateContent({ model: MODEL, contents: 'What is the capital of France? Answer in one word.' }),
        );
        expect(response.text).toBe('Paris');
      } finally {
        instrumentation.setTracerProvider(tracing.provider);
      }
    });
  });
}
