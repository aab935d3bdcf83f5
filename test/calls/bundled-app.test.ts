/**
 * `instrumentClient()`, for apps whose bundler inlined the SDK where no module hook sees it.
 *
 * In-process: the SDKs are loaded with no instrumentation in the process (nothing patches them),
 * single clients are instrumented, and their spans are compared with what the module hooks make.
 * Bundled: test/apps/bundled-app.mjs is bundled with esbuild (the SDKs, OpenTelemetry and otel-genai
 * inlined; only Node builtins left outside) and run as `node bundle.cjs` against the replay server and
 * an OTLP receiver.
 */
import { readFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { join } from 'node:path';
import { metrics, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, instrumentClient, OpenAIInstrumentation } from '../../src';
import { bundledApp } from '../helpers/bundled-app';
import { fixtureRequest, PROMPTS, TEXT_REPLY_ATTRIBUTES, WEATHER_TOOLS, weatherToolRunner } from '../helpers/replay';
import { replayAndReceiver } from '../helpers/replay-and-receiver';
import { runApp } from '../helpers/run-app';
import { collect } from '../helpers/scenario';
import { captureDiag, settle, setupTracing } from '../helpers/tracing';

/* eslint-disable @typescript-eslint/no-explicit-any -- SDK clients driven as an app drives them */

const tracing = setupTracing();
// Loaded with no instrumentation in the process: no module hook patches anything.
const requireSDK = createRequire(__filename);
const Anthropic = requireSDK('@anthropic-ai/sdk').default;
const OpenAI = requireSDK('openai').default;
const { AnthropicBedrock } = requireSDK('@anthropic-ai/bedrock-sdk');

const MODEL = 'claude-sonnet-5-5';
const user = (content: string) => [{ role: 'user' as const, content }];
const sunny = ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' });
const weatherTool = { ...WEATHER_TOOLS[0], run: sunny };

const backends = replayAndReceiver();
beforeEach(() => tracing.exporter.reset());

const anthropicClient = () => new Anthropic({ apiKey: 'test-key', baseURL: backends.server.url, maxRetries: 0 });
const openAIClient = () => new OpenAI({ apiKey: 'test-key', baseURL: `${backends.server.url}/v1`, maxRetries: 0 });

/** Every call the tests make: a plain call, a stream and a tool runner of each SDK. */
async function anthropicCalls(client: any) {
  const message = await client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
  backends.server.reset();
  const events = await collect(
    await client.messages.create({ model: MODEL, max_tokens: 200, stream: true, messages: user(PROMPTS.streamText) }),
  );
  backends.server.reset();
  const final = await weatherToolRunner(client, [weatherTool]);
  backends.server.reset();
  return { text: message.content[0].text, events: events.length, final: final.content[0].text };
}

async function openAICalls(client: any) {
  const completion = await client.chat.completions.create(fixtureRequest('openai/chat-text'));
  backends.server.reset();
  const chunks = await collect(await client.chat.completions.create({ ...fixtureRequest('openai/chat-stream'), stream: true }));
  backends.server.reset();
  const { model, messages, tools } = fixtureRequest('openai/chat-tool-calls');
  const { name, description, parameters } = tools[0].function;
  const getWeather = ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 18 });
  const content = await client.chat.completions
    .runTools({
      model,
      messages,
      tools: [{ type: 'function', function: { function: getWeather, parse: JSON.parse, name, description, parameters } }],
    })
    .finalContent();
  backends.server.reset();
  return { answer: completion.choices[0].message.content, chunks: chunks.length, content };
}

/** A span as far as the app's backend can tell: what it is, what it carries, and its parent. */
function shape(spans: ReadableSpan[]) {
  const byId = new Map(spans.map((span) => [span.spanContext().spanId, span]));
  return spans.map((span) => {
    const { 'gen_ai.response.time_to_first_chunk': timeToFirstChunk, ...attributes } = span.attributes;
    return {
      name: span.name,
      kind: span.kind,
      status: span.status.code,
      attributes: { ...attributes, 'gen_ai.response.time_to_first_chunk': typeof timeToFirstChunk },
      parent: byId.get(span.parentSpanContext?.spanId ?? '')?.name,
    };
  });
}

const agentSpans = () => tracing.genAISpans().filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');

describe('instrumentClient() in-process', () => {
  it("traces an Anthropic client: a call, a stream and a tool runner, with the module hooks' spans", async () => {
    const client = anthropicClient();
    expect(instrumentClient(client)).toBe(client);
    const result = await anthropicCalls(client);
    await settle();
    expect(result).toEqual({ text: 'Paris', events: 13, final: "It's sunny in Lisbon right now, at about 19 °C." });

    const chats = tracing.inferenceSpans();
    expect(chats.map((span) => span.name)).toEqual([`chat ${MODEL}`, `chat ${MODEL}`, `chat ${MODEL}`, `chat ${MODEL}`]);
    expect(chats[0].kind).toBe(SpanKind.CLIENT);
    expect(chats[0].attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.system': 'anthropic',
      'gen_ai.request.model': MODEL,
      'gen_ai.request.max_tokens': 100,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(backends.server.url).port),
      ...TEXT_REPLY_ATTRIBUTES,
    });
    expect(chats[1].attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.finish_reasons': ['end_turn'],
      'gen_ai.usage.output_tokens': 64,
    });
    expect(chats[1].attributes['gen_ai.response.time_to_first_chunk']).toBeGreaterThan(0);

    // The tool runner: invoke_agent → chat, execute_tool, chat.
    const [agent] = agentSpans();
    expect(agentSpans()).toHaveLength(1);
    expect(agent.kind).toBe(SpanKind.INTERNAL);
    const tools = tracing.toolSpans();
    expect(tools.map((span) => [span.name, span.attributes['gen_ai.tool.call.id']])).toEqual([
      ['execute_tool get_weather', 'toolu_01qZru8cdgXwJyMEbVaFvDsj'],
    ]);
    for (const span of [chats[2], chats[3], ...tools]) expect(span.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
    expect(chats.slice(2).map((span) => span.attributes['gen_ai.response.finish_reasons'])).toEqual([['tool_use'], ['end_turn']]);
    expect(agent.attributes).toMatchObject({
      'otel_genai.agent.model_calls': 2,
      'otel_genai.agent.tool_calls': 1,
      'gen_ai.usage.output_tokens': 64 + 18,
    });
    // The SDK's own tracing is turned off on the client, as the module hooks do: one span per call.
    expect(tracing.spans().filter((span) => span.instrumentationScope.name.startsWith('com.anthropic'))).toEqual([]);
  });

  it("traces a thread's toolRunner() without patching the thread class", async () => {
    const client = instrumentClient(anthropicClient());
    const thread = client.beta.messages.thread({ model: MODEL, max_tokens: 1024, tools: [weatherTool], messages: user(PROMPTS.toolUse) });
    const final = await thread.toolRunner();
    await settle();
    expect(final.content[0].text).toBe("It's sunny in Lisbon right now, at about 19 °C.");
    const [agent] = agentSpans();
    expect(agentSpans()).toHaveLength(1);
    const tools = tracing.toolSpans();
    expect(tools.map((span) => span.attributes['gen_ai.tool.call.id'])).toEqual(['toolu_01qZru8cdgXwJyMEbVaFvDsj']);
    expect(tracing.inferenceSpans().map((span) => span.parentSpanContext?.spanId)).toEqual([
      agent.spanContext().spanId,
      agent.spanContext().spanId,
    ]);
    expect(Object.getPrototypeOf(thread).constructor.name).toBe('BetaMessageThread');
    expect(isWrapped(Object.getPrototypeOf(thread).toolRunner)).toBe(false);
    expect(Object.prototype.hasOwnProperty.call(thread, 'toolRunner')).toBe(true);
    // A fork is traced too, as the module hooks' patched prototype would trace it.
    expect(Object.prototype.hasOwnProperty.call(thread.fork(), 'toolRunner')).toBe(true);
  });

  it("traces an OpenAI client: a call, a stream and runTools, with the module hooks' spans", async () => {
    const client = openAIClient();
    expect(instrumentClient(client)).toBe(client);
    const result = await openAICalls(client);
    await settle();
    expect(result).toEqual({
      answer: 'The capital of Japan is Tokyo.',
      chunks: 9,
      content: "It's 18 °C in both Paris and London right now.",
    });

    const chats = tracing.inferenceSpans();
    expect(chats.map((span) => span.name)).toEqual(['chat gpt-4o-mini', 'chat gpt-4o-mini', 'chat gpt-4o-mini', 'chat gpt-4o-mini']);
    expect(chats[0].attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'openai.api.type': 'chat_completions',
      'server.address': '127.0.0.1',
      'gen_ai.response.id': 'chatcmpl-EKKmXZWWm5HPa6EeFUJFOrNXA6Whw',
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': 31,
      'gen_ai.usage.output_tokens': 8,
    });
    expect(chats[1].attributes).toMatchObject({ 'gen_ai.request.stream': true, 'gen_ai.response.finish_reasons': ['stop'] });
    const [agent] = agentSpans();
    const tools = tracing.toolSpans();
    expect(tools.map((span) => span.attributes['gen_ai.tool.call.id']).sort()).toEqual([
      'call_2syLe4iVWPM1EuaRQS9PYAa6',
      'call_towiSyY2E2cNJtAdJGZDwU25',
    ]);
    expect(chats.slice(2).map((span) => span.attributes['gen_ai.response.id'])).toEqual([
      'chatcmpl-E9rTTyNN1SciVAuOJHBoidyVgMz4Q',
      'chatcmpl-EZr4tWq8Lm2VbN6cXs1PkHg3Jd9Fa',
    ]);
    for (const span of [...chats.slice(2), ...tools]) expect(span.parentSpanContext?.spanId).toBe(agent.spanContext().spanId);
  });

  it('patches no prototype: another client of the same SDK makes no otel-genai span', async () => {
    instrumentClient(anthropicClient());
    instrumentClient(openAIClient());
    for (const method of [
      Anthropic.Messages.prototype.create,
      Anthropic.Beta.Messages.prototype.create,
      Anthropic.Beta.Messages.prototype.toolRunner,
      Anthropic.Beta.Messages.prototype.thread,
      OpenAI.Chat.Completions.prototype.create,
      OpenAI.Chat.Completions.prototype.runTools,
      OpenAI.Responses.prototype.create,
      OpenAI.Embeddings.prototype.create,
    ]) {
      expect(isWrapped(method)).toBe(false);
    }
    const anthropic = anthropicClient();
    const openai = openAIClient();
    expect(Object.prototype.hasOwnProperty.call(anthropic.messages, 'create')).toBe(false);
    await anthropicCalls(anthropic);
    await openAICalls(openai);
    await settle();
    expect(tracing.genAISpans()).toEqual([]);
  });

  it('instrumenting a client twice traces each call once', async () => {
    const anthropic = instrumentClient(instrumentClient(anthropicClient()));
    const openai = instrumentClient(instrumentClient(openAIClient()));
    await anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
    backends.server.reset();
    await openai.chat.completions.create(fixtureRequest('openai/chat-text'));
    await settle();
    expect(tracing.genAISpans().map((span) => span.name)).toEqual([`chat ${MODEL}`, 'chat gpt-4o-mini']);
  });

  it('recognises an AnthropicBedrock client by its shape', async () => {
    const bedrock = instrumentClient(
      new AnthropicBedrock({ baseURL: backends.server.url, skipAuth: true, awsRegion: 'us-east-1', maxRetries: 0 }),
    );
    await bedrock.messages.create({ model: MODEL, max_tokens: 50, messages: user('Which ocean is the largest? Answer in one word.') });
    await settle();
    const [span] = tracing.inferenceSpans();
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'aws.bedrock',
      'gen_ai.response.id': 'msg_bdrk_01Hq7wQm3ZkR2vJd9TnYcE4x',
    });
  });

  it('records the GenAI metrics to a meter provider registered after the client was instrumented', async () => {
    const client = instrumentClient(anthropicClient());
    class Reader extends MetricReader {
      protected async onShutdown(): Promise<void> {}
      protected async onForceFlush(): Promise<void> {}
    }
    const reader = new Reader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    try {
      await client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
      await settle();
      const { resourceMetrics } = await reader.collect();
      const found = resourceMetrics.scopeMetrics.flatMap((scope) => scope.metrics);
      const counted = (name: string) => found.find((metric) => metric.descriptor.name === name)?.dataPoints.map((point) => point.value);
      expect(counted('gen_ai.client.inference.usage.input_tokens')).toEqual([21]);
      expect(counted('gen_ai.client.inference.usage.output_tokens')).toEqual([4]);
    } finally {
      metrics.disable();
    }
  });

  it('returns an unknown client untouched, with a diag warning, and never throws', () => {
    const warnings = captureDiag();
    const notAClient = { messages: { list: () => [] } };
    expect(instrumentClient(notAClient)).toBe(notAClient);
    expect(Object.getOwnPropertyNames(notAClient.messages)).toEqual(['list']);
    expect(instrumentClient(null)).toBe(null);
    expect(instrumentClient(undefined)).toBe(undefined);
    const frozen = Object.freeze({ messages: Object.freeze(new Anthropic.Messages({})) });
    expect(() => instrumentClient(frozen)).not.toThrow();
    expect(warnings.filter((line) => line.includes('does not recognise this client'))).toHaveLength(3);
  });

  // The module hooks patch the prototypes; disable() at its end puts them back.
  it('makes the very spans the module hooks make', async () => {
    const anthropic = instrumentClient(anthropicClient());
    const openai = instrumentClient(openAIClient());
    const results = [await anthropicCalls(anthropic), await openAICalls(openai)];
    await settle();
    const viaClient = shape(tracing.genAISpans());
    // Anthropic: 4 chat, 1 execute_tool, 1 invoke_agent; OpenAI: 4 chat, 2 execute_tool, 1 invoke_agent.
    expect(viaClient).toHaveLength(13);

    // The module hooks: require-in-the-middle patches the SDKs when they are required again.
    const hooks = [new AnthropicInstrumentation(), new OpenAIInstrumentation()];
    requireSDK('@anthropic-ai/sdk');
    requireSDK('openai');
    expect(isWrapped(Anthropic.Messages.prototype.create)).toBe(true);
    expect(isWrapped(OpenAI.Chat.Completions.prototype.create)).toBe(true);
    tracing.exporter.reset();
    expect([await anthropicCalls(anthropicClient()), await openAICalls(openAIClient())]).toEqual(results);
    await settle();
    expect(shape(tracing.genAISpans())).toEqual(viaClient);

    // A client instrumented by both is traced once: instrumentClient leaves hooked methods alone.
    tracing.exporter.reset();
    const both = instrumentClient(anthropicClient());
    expect(Object.prototype.hasOwnProperty.call(both.messages, 'create')).toBe(false);
    await both.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
    await settle();
    expect(tracing.inferenceSpans()).toHaveLength(1);
    for (const hook of hooks) hook.disable();
  });

  // After the comparison: the content options reach the tool spans process-wide (tools.ts keeps one
  // recorder for tool content, as the instrumentations' own configs do), so later runs would record tool content.
  it("takes the instrumentations' options: content capture", async () => {
    const client = instrumentClient(anthropicClient(), { captureMessageContent: 'SPAN_ONLY', semconv: 'latest' });
    await client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
    await settle();
    const [span] = tracing.inferenceSpans();
    expect(JSON.parse(String(span.attributes['gen_ai.output.messages']))[0].parts[0]).toMatchObject({ type: 'text', content: 'Paris' });
    expect(span.attributes['gen_ai.system']).toBeUndefined();
  });
});

describe('a bundled app', () => {
  const bundled = bundledApp(join(__dirname, '..', 'apps', 'bundled-app.mjs'), 'instrumentClient');

  it('inlines both SDKs, OpenTelemetry and otel-genai: only Node builtins stay outside', () => {
    expect(bundled.externals.length).toBeGreaterThan(0);
    // Besides the builtins, esbuild leaves out only `debug`'s optional `try { require('supports-color') }`
    // (through require-in-the-middle), a package that is not installed.
    expect(bundled.externals.filter((path) => !isBuiltin(path))).toEqual(['supports-color']);
    expect(() => requireSDK.resolve('supports-color')).toThrow();
    for (const from of [
      'node_modules/@anthropic-ai/sdk/',
      'node_modules/openai/',
      'node_modules/@opentelemetry/sdk-node/',
      'dist/instrument-client.js',
    ]) {
      expect(bundled.inputs.some((input) => input.startsWith(from))).toBe(true);
    }
    const source = readFileSync(bundled.file, 'utf8');
    // Strings found only in each SDK's code.
    expect(source).toContain('Message threads are not available on this client');
    expect(source).toContain('Missing credentials. Please pass an `apiKey`');
    // No code loads them at run time (the SDKs' doc comments still show `import … from '@anthropic-ai/sdk/…'`).
    for (const pkg of ['@anthropic-ai/sdk', 'openai', 'otel-genai', '@opentelemetry/']) {
      const name = pkg.replace(/[/@.-]/g, '\\$&');
      expect(source).not.toMatch(new RegExp(`\\b(require|import)\\(\\s*["'\`]${name}`));
      expect(source).not.toMatch(new RegExp(`^\\s*(import|export)\\s[^;]*from\\s*["'\`]${name}`, 'm'));
    }
  });

  it("node bundle.cjs: instrumentClient() traces the inlined SDKs, exported over OTLP by the app's NodeSDK", async () => {
    const run = await runApp(bundled.file, { env: backends.env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ anthropic: 'Paris', openai: 'The capital of Japan is Tokyo.' });
    const spans = backends.inferenceSpans();
    expect(spans.map((span) => span.name)).toEqual([`chat ${MODEL}`, 'chat gpt-4o-mini']);
    expect(spans[0].resource['service.name']).toBe('zero-code-test');
    expect(spans[0].kind).toBe(3); // CLIENT, as OTLP numbers it
    expect(spans[0].attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.response.id': 'msg_01EDxgC9HgnvgQyQRUejyWUH',
      'gen_ai.usage.input_tokens': 21,
      'gen_ai.usage.output_tokens': 4,
    });
    expect(spans[1].attributes).toMatchObject({
      'gen_ai.provider.name': 'openai',
      'gen_ai.response.id': 'chatcmpl-EKKmXZWWm5HPa6EeFUJFOrNXA6Whw',
      'gen_ai.usage.input_tokens': 31,
      'gen_ai.usage.output_tokens': 8,
    });
    expect(spans.every((span) => span.statusCode === SpanStatusCode.UNSET)).toBe(true);
    // The Anthropic SDK's own spans are turned off on the instrumented client: one span per call.
    expect(backends.receiver.spans.filter((span) => span.scope.startsWith('com.anthropic'))).toEqual([]);
  });

  it('without instrumentClient(), our module hooks in the same bundle see nothing: no otel-genai span', async () => {
    const run = await runApp(bundled.file, { env: backends.env({ BUNDLED_APP_TRACING: 'hooks' }) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ anthropic: 'Paris', openai: 'The capital of Japan is Tokyo.' });
    expect(backends.inferenceSpans()).toEqual([]);
    // No `chat …` span at all: what is left is the Anthropic SDK tracing itself, which it does
    // whenever a tracer provider is registered (instrumentClient() turns that off on its clients).
    expect(backends.receiver.spans.map((span) => [span.scope, span.name])).toEqual([
      ['com.anthropic.sdk.typescript', 'anthropic.messages.create'],
    ]);
  });
});
