import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../../src';
import { fixtureRequest, openAIOverReplay } from '../helpers/replay';
import { collect, errorShape, rejectionShape, scenarioTools } from '../helpers/scenario';
import { settle, setupTracing } from '../helpers/tracing';

/* eslint-disable @typescript-eslint/no-explicit-any -- the suite drives four SDK majors with one body */
type OpenAIModule = any;

export interface OpenAISuiteOptions {
  /** The SDK's `chat.completions` helpers (`parse`, `stream`): under `beta.chat` in openai 4.x. */
  chatHelpers(client: any): any;
}

/**
 * The OpenAI suite, run against each SDK major in its own test file (and so its own process):
 * every scenario runs without and then with the instrumentation, and the app must see the same.
 */
export function openAISuite(loadSDK: () => OpenAIModule, options: OpenAISuiteOptions): void {
  const tracing = setupTracing();
  const instrumentation = new OpenAIInstrumentation();
  instrumentation.setTracerProvider(tracing.provider);
  // Loaded after the instrumentation exists, as an app's would be under `--import`.
  const sdk = loadSDK();
  const OpenAI = sdk.OpenAI ?? sdk.default ?? sdk;
  const AzureOpenAI = sdk.AzureOpenAI;

  const replay = openAIOverReplay<any>(OpenAI);
  beforeEach(() => {
    instrumentation.setConfig({});
    instrumentation.enable();
    tracing.exporter.reset();
  });

  const { bareAndTraced, onlySpan } = scenarioTools(instrumentation, tracing, () => replay.server);

  describe('chat.completions.create', () => {
    it('records request, response and usage on one CLIENT span, and returns the same completion', async () => {
      const completion = await bareAndTraced(() =>
        replay.client.chat.completions.create({
          ...fixtureRequest('openai/chat-text'),
          max_completion_tokens: 50,
          temperature: 0.3,
          top_p: 0.8,
          frequency_penalty: 0.1,
          presence_penalty: 0.2,
          seed: 7,
          stop: ['###'],
        }),
      );
      expect(completion.choices[0].message.content).toContain('Tokyo');
      const span = onlySpan();
      expect(span.name).toBe('chat gpt-4o-mini');
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.attributes).toEqual({
        'gen_ai.operation.name': 'chat',
        'gen_ai.provider.name': 'openai',
        'gen_ai.system': 'openai',
        'gen_ai.request.model': 'gpt-4o-mini',
        'openai.api.type': 'chat_completions',
        'gen_ai.request.max_tokens': 50,
        'gen_ai.request.temperature': 0.3,
        'gen_ai.request.top_p': 0.8,
        'gen_ai.request.frequency_penalty': 0.1,
        'gen_ai.request.presence_penalty': 0.2,
        'gen_ai.request.seed': 7,
        'gen_ai.openai.request.seed': 7,
        'gen_ai.request.stop_sequences': ['###'],
        'server.address': '127.0.0.1',
        'server.port': Number(new URL(replay.server.url).port),
        'gen_ai.response.id': 'chatcmpl-EKKmXZWWm5HPa6EeFUJFOrNXA6Whw',
        'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 31,
        'gen_ai.usage.output_tokens': 8,
        'gen_ai.usage.cache_read.input_tokens': 0,
        'gen_ai.usage.reasoning.output_tokens': 0,
        'openai.response.system_fingerprint': 'fp_58b2a2055b',
        'gen_ai.openai.response.system_fingerprint': 'fp_58b2a2055b',
        'openai.response.service_tier': 'default',
        'gen_ai.openai.response.service_tier': 'default',
      });
    });

    it('reads cached prompt tokens, several choices and tool calls', async () => {
      await bareAndTraced(() => replay.client.chat.completions.create(fixtureRequest('openai/chat-cached')));
      expect(onlySpan().attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 1200, 'gen_ai.usage.cache_read.input_tokens': 1024 });

      await bareAndTraced(() => replay.client.chat.completions.create({ ...fixtureRequest('openai/chat-n2'), max_completion_tokens: 20 }));
      expect(onlySpan().attributes).toMatchObject({
        'gen_ai.request.choice.count': 2,
        'gen_ai.response.finish_reasons': ['stop', 'length'],
      });

      const reply = await bareAndTraced(() => replay.client.chat.completions.create(fixtureRequest('openai/chat-tool-calls')));
      expect(reply.choices[0].message.tool_calls).toHaveLength(2);
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    });

    it('keeps the parse() helper working, with the output type', async () => {
      const parsed = await bareAndTraced(() => options.chatHelpers(replay.client).parse(fixtureRequest('openai/chat-json-schema')));
      expect(parsed.choices[0].message.parsed).toEqual({ name: 'Toronto', country: 'Canada' });
      expect(onlySpan().attributes).toMatchObject({ 'gen_ai.output.type': 'json', 'gen_ai.response.finish_reasons': ['stop'] });
    });

    it('keeps withResponse() and asResponse() working', async () => {
      const withResponse = await bareAndTraced(async () => {
        const { data, request_id } = await replay.client.chat.completions.create(fixtureRequest('openai/chat-text')).withResponse();
        return { data, request_id };
      });
      expect(withResponse.request_id).toBe('req_d066548bbcded8077efcfe3fb2c3ea93');
      expect(onlySpan().attributes['gen_ai.usage.output_tokens']).toBe(8);

      const body = await bareAndTraced(async () =>
        (await replay.client.chat.completions.create(fixtureRequest('openai/chat-text')).asResponse()).json(),
      );
      expect(body.id).toBe('chatcmpl-EKKmXZWWm5HPa6EeFUJFOrNXA6Whw');
      expect(onlySpan().status.code).toBe(SpanStatusCode.UNSET);
    });

    const errors = [
      { fixture: 'chat-error-400', type: 'BadRequestError', status: 400 },
      { fixture: 'chat-error-429', type: 'RateLimitError', status: 429 },
      { fixture: 'chat-error-500', type: 'InternalServerError', status: 500 },
      { fixture: 'chat-error-no-body-500', type: 'InternalServerError', status: 500 },
    ];
    for (const { fixture, type, status } of errors) {
      it(`propagates ${fixture} unchanged and records ${type}`, async () => {
        const error = await bareAndTraced(() => rejectionShape(replay.client.chat.completions.create(fixtureRequest(`openai/${fixture}`))));
        expect(error).toMatchObject({ name: type, status });
        const span = onlySpan();
        expect(span.status.code).toBe(SpanStatusCode.ERROR);
        expect(span.attributes['error.type']).toBe(type);
        expect(span.events.map((event) => event.name)).toEqual(['exception']);
      });
    }

    it('makes one span for a call the SDK retried', async () => {
      const retrying = new OpenAI({ apiKey: 'test-key', baseURL: `${replay.server.url}/v1`, maxRetries: 2 });
      const completion = await bareAndTraced(() => retrying.chat.completions.create(fixtureRequest('openai/chat-retry-then-ok')));
      expect(completion.id).toBe('chatcmpl-DnWS5qk486smrwzzI54FoMpzxtlk0');
      expect(replay.server.requests).toHaveLength(2);
      expect(onlySpan().status.code).toBe(SpanStatusCode.UNSET);
    });
  });

  describe('runTools', () => {
    const weatherTools = (getWeather: (args: { location: string }) => string) => {
      const { name, description, parameters } = fixtureRequest('openai/chat-tool-calls').tools[0].function;
      return [{ type: 'function', function: { function: getWeather, parse: JSON.parse, name, description, parameters } }];
    };
    const run = (getWeather: (args: { location: string }) => string) => {
      const { model, messages } = fixtureRequest('openai/chat-tool-calls');
      return options.chatHelpers(replay.client).runTools({ model, messages, tools: weatherTools(getWeather) });
    };

    it('one invoke_agent span parents the chat spans and one execute_tool span per tool call', async () => {
      const content = await bareAndTraced(() => run(({ location }) => JSON.stringify({ location, temperature_c: 18 })).finalContent());
      expect(content).toBe("It's 18 °C in both Paris and London right now.");
      const chats = tracing.inferenceSpans();
      expect(chats.map((span) => span.attributes['gen_ai.response.id'])).toEqual([
        'chatcmpl-E9rTTyNN1SciVAuOJHBoidyVgMz4Q',
        'chatcmpl-EZr4tWq8Lm2VbN6cXs1PkHg3Jd9Fa',
      ]);
      const [agent] = tracing.genAISpans().filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
      expect(agent.name).toBe('invoke_agent');
      expect(agent.kind).toBe(SpanKind.INTERNAL);
      const tools = tracing.toolSpans();
      for (const span of [...chats, ...tools]) {
        expect(span.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
        expect(span.spanContext().traceId).toBe(agent.spanContext().traceId);
      }
      // Parallel calls: both tool spans, with the ids the model gave, in the response's order.
      expect(tools.map((span) => [span.name, span.attributes['gen_ai.tool.call.id']]).sort()).toEqual([
        ['execute_tool get_weather', 'call_2syLe4iVWPM1EuaRQS9PYAa6'],
        ['execute_tool get_weather', 'call_towiSyY2E2cNJtAdJGZDwU25'],
      ]);
      expect(tools[0].attributes).toMatchObject({
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'get_weather',
        'gen_ai.tool.type': 'function',
        'gen_ai.tool.description': 'Get the current weather for a city.',
      });
      expect(tools.every((span) => span.attributes['otel_genai.tool.inferred'] === undefined)).toBe(true);
      expect(agent.attributes).toMatchObject({
        'otel_genai.agent.model_calls': 2,
        'otel_genai.agent.tool_calls': 2,
        'otel_genai.agent.max_tool_repeats': 1,
        'gen_ai.usage.input_tokens': 64 + 131,
        'gen_ai.usage.output_tokens': 46 + 14,
      });
      const [first, second] = tools.map((span) => span.attributes['otel_genai.tool.arguments_fingerprint']);
      expect(first).toMatch(/^[A-Za-z0-9_-]{16}$/);
      expect(second).not.toBe(first);
    });

    it('streaming: runTools({ stream: true })', async () => {
      const content = await bareAndTraced(() => {
        const { model, messages, tools } = fixtureRequest('openai/chat-stream-tool-calls');
        const { name, description, parameters } = tools[0].function;
        const isRaining = ({ location }: { location: string }) => JSON.stringify({ location, raining: false });
        return options
          .chatHelpers(replay.client)
          .runTools({
            model,
            messages,
            stream: true,
            tools: [{ type: 'function', function: { function: isRaining, parse: JSON.parse, name, description, parameters } }],
          })
          .finalContent();
      });
      expect(content).toBe("No, it's dry in Berlin right now.");
      const [agent] = tracing.genAISpans().filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
      const chats = tracing.inferenceSpans();
      expect(chats.map((span) => span.attributes['gen_ai.response.finish_reasons'])).toEqual([['tool_calls'], ['stop']]);
      const tools = tracing.toolSpans();
      expect(tools.map((span) => [span.attributes['gen_ai.tool.call.id'], span.attributes['otel_genai.tool.inferred']])).toEqual([
        ['call_FrlAf7sN4LO6S7MF2wqfSqNJ', undefined],
      ]);
      for (const span of [...chats, ...tools]) expect(span.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
      // Streamed without include_usage: no call reported usage, so the run has none either (not zeros).
      expect(chats.map((span) => span.attributes['gen_ai.usage.input_tokens'])).toEqual([undefined, undefined]);
      expect(agent.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
      expect(agent.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
      expect(agent.attributes['otel_genai.agent.model_calls']).toBe(2);
      expect(agent.attributes).not.toHaveProperty(['gen_ai.provider.name']);
    });

    it('a throwing tool: the runner handles it as before, the tool and agent spans record it', async () => {
      const outcome = await bareAndTraced(() =>
        run(({ location }) => {
          if (location === 'London') throw new TypeError('weather service down');
          return JSON.stringify({ location, temperature_c: 18 });
        })
          .finalContent()
          .then(
            (content: unknown) => ({ content }),
            (error: unknown) => ({ error: errorShape(error) }),
          ),
      );
      // The runner passes the tool's error on (openai >= 5 and 4.x wrap it in an OpenAIError).
      expect(outcome.error?.message).toBe('weather service down');
      const london = tracing.toolSpans().find((span) => span.attributes['gen_ai.tool.call.id'] === 'call_2syLe4iVWPM1EuaRQS9PYAa6');
      expect(london?.attributes['error.type']).toBe('TypeError');
      expect(london?.status.code).toBe(SpanStatusCode.ERROR);
      const [agent] = tracing.genAISpans().filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
      expect(agent.attributes['error.type']).toBe(outcome.error?.name);
      expect(agent.status.code).toBe(SpanStatusCode.ERROR);
    });
  });

  describe('chat streams', () => {
    const streamRequest = (name: string) => ({ ...fixtureRequest(`openai/${name}`), stream: true });

    it('stream: true yields the same chunks and records finish reason and time to first chunk', async () => {
      const chunks = await bareAndTraced(async () => collect(await replay.client.chat.completions.create(streamRequest('chat-stream'))));
      expect(chunks).toHaveLength(9);
      const span = onlySpan();
      expect(span.attributes).toMatchObject({
        'gen_ai.request.stream': true,
        'gen_ai.response.id': 'chatcmpl-Dwla0TpnQ18ZpZrz5yrbKylxvBTH5',
        'gen_ai.response.finish_reasons': ['stop'],
        'openai.response.system_fingerprint': 'fp_58b2a2055b',
      });
      // Without include_usage the API sends no usage, and the span invents none.
      expect(span.attributes['gen_ai.usage.output_tokens']).toBeUndefined();
      expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);
    });

    it('reads the usage chunk when the app asked for it', async () => {
      const chunks = await bareAndTraced(async () =>
        collect(await replay.client.chat.completions.create(streamRequest('chat-stream-usage'))),
      );
      expect((chunks.at(-1) as { choices: unknown[] }).choices).toEqual([]);
      expect(onlySpan().attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 13, 'gen_ai.usage.output_tokens': 7 });
    });

    it('requestStreamUsage adds include_usage and hides what it adds: the app sees the same chunks', async () => {
      const request = () => ({ ...fixtureRequest('openai/chat-stream-optin-b-without-usage'), stream: true });
      instrumentation.disable();
      replay.server.reset();
      const bare = await collect(await replay.client.chat.completions.create(request()));
      instrumentation.enable();
      instrumentation.setConfig({ requestStreamUsage: true });
      replay.server.reset();
      tracing.exporter.reset();
      const sent = request();
      const traced = await collect(await replay.client.chat.completions.create(sent));
      expect(traced).toEqual(bare);
      expect(sent).not.toHaveProperty('stream_options');
      expect(replay.server.requests.map((request) => request.fixture)).toEqual(['openai/chat-stream-optin-a-with-usage']);
      await settle();
      expect(onlySpan().attributes).toMatchObject({ 'gen_ai.usage.input_tokens': 13, 'gen_ai.usage.output_tokens': 10 });
    });

    it('records every choice of a streamed n: 2 and a streamed tool call', async () => {
      await bareAndTraced(async () =>
        collect(await replay.client.chat.completions.create({ ...streamRequest('chat-stream-n2'), max_completion_tokens: 20 })),
      );
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['stop', 'length']);

      await bareAndTraced(async () => collect(await replay.client.chat.completions.create(streamRequest('chat-stream-tool-calls'))));
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);
    });

    it('the stream() helper with finalChatCompletion()', async () => {
      const final = await bareAndTraced(() =>
        options.chatHelpers(replay.client).stream(fixtureRequest('openai/chat-stream')).finalChatCompletion(),
      );
      expect(final.choices[0].finish_reason).toBe('stop');
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    });

    it('tee() and toReadableStream() see every chunk; the span ends once', async () => {
      const branches = await bareAndTraced(async () => {
        const [left, right] = (await replay.client.chat.completions.create(streamRequest('chat-stream'))).tee();
        return Promise.all([collect(left), collect(right)]);
      });
      expect(branches[0]).toEqual(branches[1]);
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);

      const lines = await bareAndTraced(async () => {
        const stream = await replay.client.chat.completions.create(streamRequest('chat-stream'));
        return (await new Response(stream.toReadableStream()).text()).trim().split('\n').length;
      });
      expect(lines).toBe(9);
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    });

    it('an early break ends the span without an error; abort() ends it as aborted', async () => {
      await bareAndTraced(async () => {
        let count = 0;
        for await (const _chunk of await replay.client.chat.completions.create(streamRequest('chat-stream-long'))) if (++count === 5) break;
        return count;
      });
      let span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.UNSET);
      expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();

      await bareAndTraced(async () => {
        const stream = await replay.client.chat.completions.create(streamRequest('chat-stream-long'));
        let count = 0;
        for await (const _chunk of stream) if (++count === 4) stream.controller.abort();
        return stream.controller.signal.aborted;
      });
      span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe('AbortError');
    });

    it('a cut connection propagates the same error and fails the span', async () => {
      const outcome = await bareAndTraced(async () => {
        let count = 0;
        try {
          for await (const _chunk of await replay.client.chat.completions.create(streamRequest('chat-stream-cut'))) count++;
          return { count };
        } catch (error) {
          return { count, error: errorShape(error).name };
        }
      });
      // undici (openai >= 5) throws TypeError("terminated"); openai 4's node-fetch throws a plain Error.
      expect(outcome.count).toBe(4);
      expect(outcome.error).toMatch(/^(TypeError|Error)$/);
      const span = onlySpan();
      expect(span.attributes).toMatchObject({ 'error.type': outcome.error, 'gen_ai.response.finish_reasons': ['error'] });
    });
  });

  describe('responses.create', () => {
    it('records usage with reasoning tokens, the API type and a derived finish reason', async () => {
      const response = await bareAndTraced(() =>
        replay.client.responses.create({ ...fixtureRequest('openai/responses-text'), reasoning: { effort: 'low' } }),
      );
      expect(response.output_text).toContain('sky');
      const span = onlySpan();
      expect(span.name).toBe('chat gpt-5-mini');
      expect(span.attributes).toMatchObject({
        'openai.api.type': 'responses',
        'gen_ai.request.reasoning.level': 'low',
        'gen_ai.response.id': 'resp_6b0162b4d859819083ec8eb1b7a2a34e4f9aeb4744f051c5',
        'gen_ai.response.model': 'gpt-5-mini-2025-08-07',
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.input_tokens': 14,
        'gen_ai.usage.output_tokens': 160,
        'gen_ai.usage.reasoning.output_tokens': 128,
        'gen_ai.usage.cache_read.input_tokens': 0,
      });
    });

    it('derives tool_calls, the incomplete reason, and records the previous response id', async () => {
      await bareAndTraced(() => replay.client.responses.create(fixtureRequest('openai/responses-function-call')));
      expect(onlySpan().attributes['gen_ai.response.finish_reasons']).toEqual(['tool_calls']);

      await bareAndTraced(() => replay.client.responses.create(fixtureRequest('openai/responses-incomplete')));
      expect(onlySpan().attributes).toMatchObject({
        'gen_ai.request.max_tokens': 16,
        'gen_ai.response.finish_reasons': ['max_output_tokens'],
      });

      await bareAndTraced(() => replay.client.responses.create(fixtureRequest('openai/responses-previous')));
      expect(onlySpan().attributes['gen_ai.request.previous_response.id']).toBe('resp_6b0162b4d859819083ec8eb1b7a2a34e4f9aeb4744f051c5');
    });

    it('streams: create({ stream: true }) and the stream() helper', async () => {
      const events = await bareAndTraced(async () =>
        collect(await replay.client.responses.create({ ...fixtureRequest('openai/responses-stream') })),
      );
      expect(events).toHaveLength(22);
      const span = onlySpan();
      expect(span.attributes).toMatchObject({
        'gen_ai.request.stream': true,
        'gen_ai.response.finish_reasons': ['stop'],
        'gen_ai.usage.output_tokens': 76,
        'gen_ai.usage.reasoning.output_tokens': 64,
      });
      expect(span.attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);

      const { stream: _stream, ...params } = fixtureRequest('openai/responses-stream');
      const final = await bareAndTraced(() => replay.client.responses.stream(params).finalResponse());
      expect(final.status).toBe('completed');
      expect(onlySpan().attributes['gen_ai.usage.input_tokens']).toBe(15);
    });

    it('a stream that ends in response.failed is an error span, while the app sees no exception', async () => {
      const events = await bareAndTraced(async () =>
        collect(await replay.client.responses.create(fixtureRequest('openai/responses-stream-failed'))),
      );
      expect((events.at(-1) as { type: string }).type).toBe('response.failed');
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes).toMatchObject({ 'error.type': 'server_error', 'gen_ai.response.finish_reasons': ['error'] });
    });
  });

  describe('embeddings.create', () => {
    it('records an embeddings span and the app still gets float arrays', async () => {
      const result = await bareAndTraced(() =>
        replay.client.embeddings.create({ model: 'text-embedding-3-small', input: ['The quick brown fox', 'jumps over the lazy dog'] }),
      );
      expect(result.data).toHaveLength(2);
      expect(Array.from(result.data[0].embedding as ArrayLike<unknown>).every((value) => typeof value === 'number')).toBe(true);
      expect(result.data[0].embedding).toHaveLength(8);
      const span = onlySpan();
      expect(span.name).toBe('embeddings text-embedding-3-small');
      expect(span.attributes).toMatchObject({
        'gen_ai.operation.name': 'embeddings',
        'gen_ai.response.model': 'text-embedding-3-small',
        'gen_ai.usage.input_tokens': 10,
      });
      // The SDK asked for base64 on its own: that is not the app's request.
      expect(span.attributes['gen_ai.request.encoding_formats']).toBeUndefined();
    });
  });

  describe('Azure and OpenAI-compatible hosts', () => {
    it('traces AzureOpenAI as azure.ai.openai', async () => {
      const azure = new AzureOpenAI({
        apiKey: 'test-key',
        endpoint: replay.server.url,
        apiVersion: '2024-10-21',
        deployment: 'gpt-4o-mini-prod',
        maxRetries: 0,
      });
      const completion = await bareAndTraced(() => azure.chat.completions.create(fixtureRequest('openai/azure-chat-text')));
      expect(completion.choices[0].finish_reason).toBe('stop');
      expect(onlySpan().attributes).toMatchObject({
        'gen_ai.provider.name': 'azure.ai.openai',
        'server.address': '127.0.0.1',
        'gen_ai.response.id': 'chatcmpl-Eq1eDNp64M8erC2L1Q2Y73TsyZnzF',
      });
    });
  });
}
