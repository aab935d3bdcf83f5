import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation } from '../../src';
import type { ReplayServer } from '../../src/testing/replay-server';
import { fixtureRequest, PROMPTS, startFixtureServer, TEXT_REPLY_ATTRIBUTES, WEATHER_TOOLS, weatherToolRunner } from '../helpers/replay';
import { collect, errorShape, rejectionShape, scenarioTools } from '../helpers/scenario';
import { settle, setupTracing } from '../helpers/tracing';

/**
 * The Anthropic suite, run against each SDK version in its own test file (and so its own process):
 * every scenario runs without and then with the instrumentation, and the app must see the same.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- one body drives several SDK versions
export function anthropicSuite(loadSDK: () => any): void {
  const tracing = setupTracing();
  const instrumentation = new AnthropicInstrumentation();
  instrumentation.setTracerProvider(tracing.provider);
  // Loaded after the instrumentation exists, as an app's would be under `--import`.
  const Anthropic = loadSDK().default;

  let server: ReplayServer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- one body drives several SDK versions
  let client: any;

  beforeAll(async () => {
    server = await startFixtureServer();
    client = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
  });
  afterAll(() => server.close());
  beforeEach(() => {
    instrumentation.enable();
    tracing.exporter.reset();
    server.reset();
  });

  const MODEL = 'claude-sonnet-5-5';
  const user = (content: string) => [{ role: 'user' as const, content }];

  const { bareAndTraced, onlySpan } = scenarioTools(instrumentation, tracing, () => server);

  describe('non-streaming messages.create', () => {
    it('records request, response and usage on one CLIENT span, and returns the same message', async () => {
      const message = await bareAndTraced(() =>
        client.messages.create({
          model: MODEL,
          max_tokens: 100,
          temperature: 0.2,
          top_p: 0.9,
          top_k: 40,
          stop_sequences: ['###'],
          messages: user(PROMPTS.text),
        }),
      );
      expect(message.content[0]).toMatchObject({ type: 'text', text: 'Paris' });
      const span = onlySpan();
      expect(span.name).toBe(`chat ${MODEL}`);
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      const port = Number(new URL(server.url).port);
      expect(span.attributes).toEqual({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'anthropic',
        'gen_ai.system': 'anthropic',
        'gen_ai.request.model': MODEL,
        'gen_ai.request.max_tokens': 100,
        'gen_ai.request.temperature': 0.2,
        'gen_ai.request.top_p': 0.9,
        'gen_ai.request.top_k': 40,
        'gen_ai.request.stop_sequences': ['###'],
        'server.address': '127.0.0.1',
        'server.port': port,
        ...TEXT_REPLY_ATTRIBUTES,
      });
    });

    it('counts cache reads and writes into input tokens (the sum rule) and separately', async () => {
      await bareAndTraced(() => client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.cache) }));
      expect(onlySpan().attributes).toMatchObject({
        'gen_ai.usage.input_tokens': 12 + 2048 + 1024,
        'gen_ai.usage.cache_read.input_tokens': 1024,
        'gen_ai.usage.cache_write.input_tokens': 2048,
        'gen_ai.usage.cache_creation.input_tokens': 2048,
        'gen_ai.usage.output_tokens': 40,
      });
    });

    it('records a tool_use reply and a max_tokens stop', async () => {
      const reply = await bareAndTraced(() =>
        client.messages.create({ model: MODEL, max_tokens: 200, tools: WEATHER_TOOLS, messages: user(PROMPTS.toolUse) }),
      );
      expect(reply.content.map((block: { type: string }) => block.type)).toEqual(['text', 'tool_use']);
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['tool_use']);

      tracing.exporter.reset();
      await client.messages.create({ model: 'claude-haiku-4-5', max_tokens: 32, messages: user(PROMPTS.maxTokens) });
      await settle();
      const span = onlySpan();
      expect(span.name).toBe('chat claude-haiku-4-5');
      expect(span.attributes).toMatchObject({
        'gen_ai.response.finish_reasons': ['max_tokens'],
        'gen_ai.response.model': 'claude-haiku-4-5-20251001',
      });
    });

    it('keeps withResponse() working and ends the span with the body', async () => {
      const result = await bareAndTraced(async () => {
        const { data, response, request_id } = await client.messages
          .create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) })
          .withResponse();
        return { data, status: response.status, request_id };
      });
      expect(result.request_id).toBe('req_011CaCJPsf6N51CBQPBBfQSP');
      expect(onlySpan().attributes['gen_ai.usage.output_tokens']).toBe(4);
    });

    it('keeps asResponse().json() working and ends the span when the response arrives', async () => {
      const body = await bareAndTraced(async () => {
        const response = await client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) }).asResponse();
        return response.json();
      });
      expect(body.id).toBe('msg_01EDxgC9HgnvgQyQRUejyWUH');
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      // The body belongs to the app, which read it itself: the span has no response details.
      expect(span.attributes['gen_ai.response.id']).toBeUndefined();
    });

    it('keeps parse() working', async () => {
      const parsed = await bareAndTraced(() => client.messages.parse({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) }));
      expect(parsed.content[0]).toMatchObject({ text: 'Paris' });
      expect(onlySpan().attributes['gen_ai.response.id']).toBe('msg_01EDxgC9HgnvgQyQRUejyWUH');
    });

    it('traces beta.messages.create', async () => {
      await bareAndTraced(() => client.beta.messages.create({ model: MODEL, max_tokens: 50, messages: user(PROMPTS.betaText) }));
      expect(onlySpan().attributes).toMatchObject({
        'gen_ai.response.id': 'msg_01584pzXqooHS8QTpqWYQ91g',
        'gen_ai.usage.input_tokens': 11,
        'gen_ai.usage.output_tokens': 5,
      });
    });

    it('returns the very same APIPromise object the SDK built', async () => {
      const promise = client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
      expect(promise.constructor.name).toBe('APIPromise');
      expect(typeof promise.withResponse).toBe('function');
      await promise;
    });
  });

  describe('beta.messages.toolRunner', () => {
    const weatherTool = (run: (input: { location: string }) => string | Promise<string>) => ({ ...WEATHER_TOOLS[0], run });
    const sunny = ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' });
    const runner = (run: (input: { location: string }) => string | Promise<string>) => weatherToolRunner(client, [weatherTool(run)]);
    const agentSpans = () => tracing.genAISpans().filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');

    function expectTree(toolUseId = 'toolu_01qZru8cdgXwJyMEbVaFvDsj') {
      const [agent] = agentSpans();
      expect(agentSpans()).toHaveLength(1);
      expect(agent.kind).toBe(SpanKind.INTERNAL);
      const chats = tracing.inferenceSpans();
      const tools = tracing.toolSpans();
      expect(chats.map((span) => span.attributes['gen_ai.response.finish_reasons'])).toEqual([['tool_use'], ['end_turn']]);
      expect(tools.map((span) => [span.name, span.attributes['gen_ai.tool.call.id'], span.attributes['otel_genai.tool.inferred']])).toEqual(
        [['execute_tool get_weather', toolUseId, undefined]],
      );
      for (const span of [...chats, ...tools]) expect(span.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
      // The tool ran after the first model call ended and before the second began (the SDK's clock
      // gives some start times to the millisecond only).
      const ms = (time: [number, number]) => time[0] * 1e3 + time[1] / 1e6;
      expect(ms(tools[0].startTime)).toBeGreaterThanOrEqual(ms(chats[0].endTime) - 1);
      expect(ms(chats[1].startTime)).toBeGreaterThanOrEqual(ms(tools[0].endTime) - 1);
      expect(agent.attributes).toMatchObject({
        'otel_genai.agent.model_calls': 2,
        'otel_genai.agent.tool_calls': 1,
        'gen_ai.usage.output_tokens': 64 + 18,
      });
      expect(tracing.spans().filter((span) => span.instrumentationScope.name.startsWith('com.anthropic'))).toEqual([]);
      return { agent, tools };
    }

    it('awaited: one invoke_agent span, its chat spans and the tool span with the tool-use id', async () => {
      const final = await bareAndTraced(async () => (await runner(sunny)).content);
      expect(final[0].text).toBe("It's sunny in Lisbon right now, at about 19 °C.");
      expectTree();
    });

    it('iterated, and runUntilDone()', async () => {
      await bareAndTraced(async () => {
        const ids: string[] = [];
        for await (const message of runner(sunny)) ids.push(message.id);
        return ids;
      });
      expectTree();
      await bareAndTraced(async () => (await runner(sunny).runUntilDone()).id);
      expectTree();
    });

    it.skipIf(typeof Anthropic.Beta?.Messages?.prototype?.thread !== 'function')('the thread variant: thread.toolRunner()', async () => {
      const final = await bareAndTraced(async () => {
        const thread = client.beta.messages.thread({
          model: MODEL,
          max_tokens: 1024,
          tools: [weatherTool(sunny)],
          messages: user(PROMPTS.toolUse),
        });
        return (await thread.toolRunner()).content;
      });
      expect(final[0].text).toBe("It's sunny in Lisbon right now, at about 19 °C.");
      expectTree();
    });

    it('streaming: stream: true yields a message stream per turn', async () => {
      const texts = await bareAndTraced(async () => {
        const streamed: string[] = [];
        const run = weatherToolRunner(client, [weatherTool(sunny)], { stream: true });
        for await (const stream of run)
          streamed.push((await stream.finalMessage()).content.map((block: { text?: string }) => block.text ?? '').join(''));
        return streamed;
      });
      expect(texts.at(-1)).toBe("It's sunny in Lisbon right now, at about 19 °C.");
      const { agent } = expectTree('toolu_01Hn5tVx8QkWm2Lr7PzY4cJd');
      expect(tracing.inferenceSpans().every((span) => span.attributes['gen_ai.request.stream'] === true)).toBe(true);
      expect(agent.attributes['gen_ai.usage.input_tokens']).toBe(583 + 118);
    });

    it('a throwing tool: the runner handles it as before; the tool span records the error', async () => {
      await bareAndTraced(() =>
        Promise.resolve(
          runner(() => {
            throw new RangeError('no weather station');
          }),
        ).then(
          (message: { id: string }) => message.id,
          (error: unknown) => errorShape(error).name,
        ),
      );
      const [tool] = tracing.toolSpans();
      expect(tool.attributes['error.type']).toBe('RangeError');
      expect(tool.status.code).toBe(SpanStatusCode.ERROR);
      expect(agentSpans()).toHaveLength(1);
    });
  });

  describe('errors', () => {
    const cases = [
      { prompt: PROMPTS.error400, type: 'BadRequestError', status: 400 },
      { prompt: PROMPTS.error429, type: 'RateLimitError', status: 429 },
      { prompt: PROMPTS.error500, type: 'InternalServerError', status: 500 },
    ];
    for (const { prompt, type, status } of cases) {
      it(`propagates a ${status} unchanged and records ${type}`, async () => {
        const error = await bareAndTraced(() =>
          rejectionShape(client.messages.create({ model: MODEL, max_tokens: 10, messages: user(prompt) })),
        );
        expect(error).toMatchObject({ name: type, status });
        const span = onlySpan();
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
        expect(span.attributes['error.type']).toBe(type);
        expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
        expect(span.events.map((event) => event.name)).toEqual(['exception']);
      });
    }

    it('makes one span for a call the SDK retried', async () => {
      const retrying = client.withOptions({ maxRetries: 2 });
      const message = await bareAndTraced(() =>
        retrying.messages.create({ model: MODEL, max_tokens: 10, messages: user(PROMPTS.retryThenOk) }),
      );
      expect(message.id).toBe('msg_01LZzJKKMPNkoKXqmYaNS16T');
      expect(server.requests).toHaveLength(2);
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes['gen_ai.response.id']).toBe('msg_01LZzJKKMPNkoKXqmYaNS16T');
    });

    it('records a request that fails before it is sent (connection refused)', async () => {
      const unreachable = new Anthropic({ apiKey: 'test-key', baseURL: 'http://127.0.0.1:9', maxRetries: 0 });
      const error = await bareAndTraced(() =>
        rejectionShape(unreachable.messages.create({ model: MODEL, max_tokens: 10, messages: user(PROMPTS.text) })),
      );
      expect(error?.name).toBe('APIConnectionError');
      expect(onlySpan().attributes['error.type']).toBe('APIConnectionError');
    });
  });

  describe('streams', () => {
    it('stream: true yields the same events and records usage, finish reason and time to first chunk', async () => {
      const events = await bareAndTraced(async () =>
        collect(await client.messages.create({ model: MODEL, max_tokens: 200, stream: true, messages: user(PROMPTS.streamText) })),
      );
      expect(events.length).toBe(13); // 14 SSE events less the ping, which the SDK drops
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes).toMatchObject({
        'gen_ai.request.stream': true,
        'gen_ai.response.id': 'msg_01tjSKqi4Pb1HtKYGcXDgPSK',
        'gen_ai.response.model': MODEL,
        'gen_ai.response.finish_reasons': ['end_turn'],
        'gen_ai.usage.input_tokens': 17,
        'gen_ai.usage.output_tokens': 64,
      });
      const ttfc = span.attributes['gen_ai.response.time_to_first_chunk'] as number;
      // The first event is recorded 346 ms after the headers, replayed at 1/20 speed.
      expect(ttfc).toBeGreaterThanOrEqual(0.015);
      const duration = span.duration[0] + span.duration[1] / 1e9;
      expect(ttfc).toBeLessThan(duration);
    });

    it('returns the very same Stream object', async () => {
      const stream = await client.messages.create({ model: MODEL, max_tokens: 200, stream: true, messages: user(PROMPTS.streamText) });
      expect(stream.constructor.name).toBe('Stream');
      expect(stream.controller).toBeInstanceOf(AbortController);
      await collect(stream);
    });

    it('messages.stream() with finalMessage() and events', async () => {
      const result = await bareAndTraced(async () => {
        const texts: string[] = [];
        const stream = client.messages.stream({ model: MODEL, max_tokens: 200, messages: user(PROMPTS.streamText) });
        stream.on('text', (text: string) => texts.push(text));
        const final = await stream.finalMessage();
        return { final, texts };
      });
      expect(result.texts.join('')).toBe((result.final.content[0] as { text: string }).text);
      expect(onlySpan().attributes).toMatchObject({
        'gen_ai.response.finish_reasons': ['end_turn'],
        'gen_ai.usage.output_tokens': 64,
      });
    });

    it('streams a tool_use reply and extended thinking', async () => {
      const final = await bareAndTraced(() =>
        client.messages
          .stream({ model: MODEL, max_tokens: 300, tools: WEATHER_TOOLS, messages: user(PROMPTS.streamToolUse) })
          .finalMessage(),
      );
      expect(final.content.find((block: { type: string }) => block.type === 'tool_use')).toMatchObject({
        input: { location: 'Tokyo, Japan' },
      });
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['tool_use']);

      tracing.exporter.reset();
      const thinking = await client.messages
        .stream({ ...fixtureRequest('anthropic/messages-stream-thinking'), max_tokens: 2000 })
        .finalMessage();
      await settle();
      expect(thinking.content.map((block: { type: string }) => block.type)).toEqual(['thinking', 'text']);
      expect(onlySpan().attributes).toMatchObject({
        'gen_ai.usage.input_tokens': 44,
        'gen_ai.usage.output_tokens': 90,
        'gen_ai.usage.reasoning.output_tokens': 52,
      });
    });

    it('traces beta streams', async () => {
      await bareAndTraced(async () =>
        collect(await client.beta.messages.create({ model: MODEL, max_tokens: 50, stream: true, messages: user(PROMPTS.betaStream) })),
      );
      expect(onlySpan().attributes).toMatchObject({
        'gen_ai.response.id': 'msg_01ro2615XcMPYqbbNdAY85Lu',
        'gen_ai.usage.output_tokens': 18,
      });
    });

    it('tee() gives both branches every event and ends the span once', async () => {
      const branches = await bareAndTraced(async () => {
        const [left, right] = (
          await client.messages.create({ model: MODEL, max_tokens: 200, stream: true, messages: user(PROMPTS.streamText) })
        ).tee();
        return Promise.all([collect(left), collect(right)]);
      });
      expect(branches[0]).toEqual(branches[1]);
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['end_turn']);
    });

    it('toReadableStream() still carries every event', async () => {
      const lines = await bareAndTraced(async () => {
        const stream = await client.messages.create({ model: MODEL, max_tokens: 200, stream: true, messages: user(PROMPTS.streamText) });
        const text = await new Response(stream.toReadableStream()).text();
        return text.trim().split('\n').length;
      });
      expect(lines).toBe(13);
      expect(onlySpan().attributes['gen_ai.usage.output_tokens']).toBe(64);
    });

    it('an early break ends the span once, without an error', async () => {
      const seen = await bareAndTraced(async () => {
        const stream = await client.messages.create({ model: MODEL, max_tokens: 500, stream: true, messages: user(PROMPTS.streamLong) });
        let count = 0;
        for await (const event of stream) {
          count++;
          if (event.type === 'content_block_delta' && count >= 5) break;
        }
        return count;
      });
      expect(seen).toBe(5);
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes['gen_ai.response.id']).toBe('msg_01c5duYgAgV58BqKYnZYxQsj');
      expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    });

    it('controller.abort() mid-stream ends the span as aborted', async () => {
      const seen = await bareAndTraced(async () => {
        const stream = await client.messages.create({ model: MODEL, max_tokens: 500, stream: true, messages: user(PROMPTS.streamLong) });
        let count = 0;
        for await (const _event of stream) {
          if (++count === 4) stream.controller.abort();
        }
        return { count, aborted: stream.controller.signal.aborted };
      });
      expect(seen.aborted).toBe(true);
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('AbortError');
      expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
    });

    it('MessageStream.abort() ends the span too', async () => {
      const outcome = await bareAndTraced(async () => {
        const stream = client.messages.stream({ model: MODEL, max_tokens: 500, messages: user(PROMPTS.streamLong) });
        stream.on('text', () => stream.abort());
        return stream.finalMessage().then(
          () => 'resolved',
          (error: unknown) => errorShape(error).name,
        );
      });
      expect(outcome).toBe('APIUserAbortError');
      expect(onlySpan().status.code).toBe(SpanStatusCode.ERROR);
    });

    it('a connection cut mid-stream propagates the same error and fails the span', async () => {
      const outcome = await bareAndTraced(async () => {
        const stream = await client.messages.create({ model: MODEL, max_tokens: 500, stream: true, messages: user(PROMPTS.streamCut) });
        let count = 0;
        try {
          for await (const _event of stream) count++;
          return { count, error: undefined };
        } catch (error) {
          return { count, error: errorShape(error) };
        }
      });
      // undici's own TypeError ("terminated") up to SDK 1.12; 1.17 wraps it in its APIConnectionError.
      expect(['TypeError', 'APIConnectionError']).toContain(outcome.error?.name);
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe(outcome.error?.name);
      expect(span.attributes['gen_ai.response.finish_reasons']).toEqual(['error']);
      expect(span.attributes['gen_ai.usage.input_tokens']).toBe(13);
    });

    it('an error event mid-stream propagates and records the provider error type', async () => {
      const outcome = await bareAndTraced(async () => {
        const stream = await client.messages.create({
          model: MODEL,
          max_tokens: 500,
          stream: true,
          messages: user(PROMPTS.streamErrorEvent),
        });
        try {
          for await (const _event of stream);
          return undefined;
        } catch (error) {
          return errorShape(error);
        }
      });
      expect(outcome?.name).toBe('APIError');
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('overloaded_error');
    });
  });
}
