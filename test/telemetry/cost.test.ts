/**
 * Estimated cost (issue 23): each model call's `otel_genai.usage.cost` from `@pydantic/genai-prices`,
 * compared with costs worked out by hand from the prices in the library's data file for the models
 * of the bundled fixtures (quoted below), never from the library itself; the sum on an agent run;
 * the cost counter; the tree; unknown models, calls without usage, custom prices, and the option
 * against `OTEL_GENAI_COST`. That nothing is loaded with cost off is in cost-loading.test.ts.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { SumMetricData } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type * as GenAI from '@google/genai' with { 'resolution-mode': 'import' };
import {
  AISDKInstrumentation,
  AnthropicInstrumentation,
  GenAITreeExporter,
  GoogleGenAIInstrumentation,
  OpenAIInstrumentation,
  withAgent,
} from '../../src';
import type { AnthropicInstrumentationConfig, OpenAIInstrumentationConfig } from '../../src';
import { PriceBook } from '../../src/cost';
import type { PricedCall } from '../../src/cost';
import type { ReplayServer } from '../../src/testing/replay-server';
import type { AI, AITest } from '../helpers/ai-sdk';
import { loadAI, textResult, usage } from '../helpers/ai-sdk';
import { anthropicWeatherLoop, fixtureRequest, PROMPTS, startFixtureServer } from '../helpers/replay';
import { captureDiag, settle, setupTracing } from '../helpers/tracing';

/** What the cost attributes name: the installed copy's version, read here from its package.json. */
const PRICES_VERSION = (
  JSON.parse(readFileSync(join(__dirname, '..', '..', 'node_modules', '@pydantic', 'genai-prices', 'package.json'), 'utf8')) as {
    version: string;
  }
).version;
const SOURCE = `@pydantic/genai-prices@${PRICES_VERSION}`;

/**
 * USD per million tokens, as `@pydantic/genai-prices` 0.1.8's data (dist/index.cjs) lists them:
 * `claude-sonnet-5` (which `claude-sonnet-5-5` matches: `starts_with: claude-sonnet-5`),
 * `claude-haiku-4-5`, `gpt-4o-mini`, `gpt-5-mini`, `text-embedding-3-small`, `gpt-audio-mini`,
 * `gemini-2.5-flash`. None has a price for reasoning tokens of its own: they cost what output does.
 */
const PRICES = {
  claudeSonnet5: { input: 2, cacheWrite: 2.5, cacheRead: 0.2, output: 10 },
  claudeHaiku45: { input: 1, output: 5 },
  gpt4oMini: { input: 0.15, cacheRead: 0.075, output: 0.6 },
  gpt5Mini: { input: 0.25, cacheRead: 0.025, output: 2 },
  textEmbedding3Small: { input: 0.02 },
  gptAudioMini: { input: 0.6, output: 2.4, inputAudio: 10, outputAudio: 20 },
  gemini25Flash: { input: 0.3, cacheRead: 0.03, output: 2.5 },
};
const perMillion = (tokens: number, usdPerMillion: number) => (tokens * usdPerMillion) / 1e6;

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

delete process.env.OTEL_GENAI_COST;
const tracing = setupTracing();
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const anthropicInstrumentation = new AnthropicInstrumentation({ cost: true });
const openaiInstrumentation = new OpenAIInstrumentation({ cost: true });
const googleInstrumentation = new GoogleGenAIInstrumentation({ cost: true });
const aiSdkInstrumentation = new AISDKInstrumentation({ cost: true });
for (const instrumentation of [anthropicInstrumentation, openaiInstrumentation, googleInstrumentation, aiSdkInstrumentation]) {
  instrumentation.setTracerProvider(tracing.provider);
  instrumentation.setMeterProvider(meterProvider);
}
const require = createRequire(__filename);
const Anthropic = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;
const OpenAI = require('openai').default as typeof import('openai').default;
const { GoogleGenAI } = require('@google/genai') as typeof GenAI;

let server: ReplayServer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
let anthropic: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
let openai: any;
let google: InstanceType<typeof GoogleGenAI>;
let ai: AI;
let aiTest: AITest;
beforeAll(async () => {
  server = await startFixtureServer(0);
  anthropic = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
  openai = new OpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
  google = new GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: server.url } });
  ({ ai, aiTest } = await loadAI());
});
afterAll(async () => {
  aiSdkInstrumentation.disable();
  await server.close();
});
beforeEach(() => {
  tracing.exporter.reset();
  server.reset();
});

const MODEL = 'claude-sonnet-5-5';
const costOf = (span: ReadableSpan) => span.attributes['otel_genai.usage.cost'];
const only = () => {
  const spans = tracing.inferenceSpans();
  expect(spans).toHaveLength(1);
  return spans[0];
};

/** An AI SDK mock model of `provider` whose answers name `responseModel` and report `input` / `output` tokens. */
function mockModel(provider: string, modelId: string, responseModel: string, input: number, output: number) {
  const doGenerate = {
    ...textResult('Done.'),
    usage: usage(input, output),
    response: { id: `resp-${modelId}`, modelId: responseModel, timestamp: new Date(0) },
  };
  return new aiTest.MockLanguageModelV4({ provider, modelId, doGenerate });
}

/** The cost counter's data points. */
async function costPoints() {
  const { resourceMetrics } = await reader.collect();
  const metric = resourceMetrics.scopeMetrics
    .flatMap((scope) => scope.metrics)
    .find((each) => each.descriptor.name === 'otel_genai.client.operation.cost') as SumMetricData | undefined;
  return {
    descriptor: metric?.descriptor,
    points: (metric?.dataPoints ?? []).map((point) => ({ attributes: point.attributes, value: point.value })),
  };
}

describe('the cost of one model call, from the price data', () => {
  it('Anthropic with cache reads and writes: each part at its own price, the source the price data and its version, the counter', async () => {
    const before = await costPoints();
    await anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.cache }] });
    await settle();
    const span = only();
    // messages-cache.json: input_tokens 12 (not cached), cache_creation_input_tokens 2048, cache_read_input_tokens 1024, output_tokens 40.
    const expected =
      perMillion(12, PRICES.claudeSonnet5.input) +
      perMillion(2048, PRICES.claudeSonnet5.cacheWrite) +
      perMillion(1024, PRICES.claudeSonnet5.cacheRead) +
      perMillion(40, PRICES.claudeSonnet5.output);
    expect(expected).toBeCloseTo(0.0057488, 12);
    expect(costOf(span)).toBeCloseTo(expected, 12);
    expect(span.attributes['otel_genai.usage.cost.source']).toBe(SOURCE);
    expect(SOURCE).toMatch(/^@pydantic\/genai-prices@\d+\.\d+\.\d+/);

    const after = await costPoints();
    expect(after.descriptor).toMatchObject({ name: 'otel_genai.client.operation.cost', unit: '{USD}' });
    const point = after.points.find(
      (each) => each.attributes['gen_ai.request.model'] === MODEL && each.attributes['gen_ai.response.model'] === MODEL,
    );
    const previous =
      before.points.find((each) => each.attributes['gen_ai.request.model'] === MODEL && each.attributes['gen_ai.response.model'] === MODEL)
        ?.value ?? 0;
    expect(point?.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'otel_genai.usage.cost.source': SOURCE,
    });
    expect((point?.value ?? 0) - previous).toBeCloseTo(expected, 12);
  });

  it('OpenAI chat with cached tokens: the cached part of the input at the cache-read price', async () => {
    await openai.chat.completions.create(fixtureRequest('openai/chat-cached'));
    await settle();
    // chat-cached.json: prompt_tokens 1200 of which cached_tokens 1024, completion_tokens 18.
    const expected =
      perMillion(1200 - 1024, PRICES.gpt4oMini.input) +
      perMillion(1024, PRICES.gpt4oMini.cacheRead) +
      perMillion(18, PRICES.gpt4oMini.output);
    expect(expected).toBeCloseTo(0.000114, 12);
    expect(costOf(only())).toBeCloseTo(expected, 12);
    expect(only().attributes['gen_ai.response.model']).toBe('gpt-4o-mini-2024-07-18');
  });

  it('OpenAI Responses with cached and reasoning tokens: reasoning inside the output, at the output price', async () => {
    await openai.responses.create(fixtureRequest('openai/responses-cached'));
    await settle();
    // responses-cached.json: input_tokens 2100 of which cached_tokens 1920; output_tokens 420 of which reasoning_tokens 384.
    const expected =
      perMillion(2100 - 1920, PRICES.gpt5Mini.input) +
      perMillion(1920, PRICES.gpt5Mini.cacheRead) +
      perMillion(420, PRICES.gpt5Mini.output);
    expect(expected).toBeCloseTo(0.000933, 12);
    expect(only().attributes).toMatchObject({ 'gen_ai.usage.cache_read.input_tokens': 1920, 'gen_ai.usage.reasoning.output_tokens': 384 });
    expect(costOf(only())).toBeCloseTo(expected, 12);

    tracing.exporter.reset();
    await openai.responses.create(fixtureRequest('openai/responses-text'));
    await settle();
    // responses-text.json: input_tokens 14, output_tokens 160 of which reasoning_tokens 128.
    expect(costOf(only())).toBeCloseTo(perMillion(14, PRICES.gpt5Mini.input) + perMillion(160, PRICES.gpt5Mini.output), 12);
  });

  it('OpenAI embeddings: input only', async () => {
    await openai.embeddings.create(fixtureRequest('openai/embeddings'));
    await settle();
    // embeddings.json: prompt_tokens 10.
    expect(costOf(only())).toBeCloseTo(perMillion(10, PRICES.textEmbedding3Small.input), 15);
    expect(costOf(only())).toBeGreaterThan(0);
  });

  it('OpenAI chat with audio in and out: the audio tokens at the audio prices, the rest at the text ones', async () => {
    await openai.chat.completions.create(fixtureRequest('openai/chat-audio'));
    await settle();
    // chat-audio.json: prompt_tokens 120 of which audio_tokens 100; completion_tokens 80 of which audio_tokens 60.
    const expected =
      perMillion(20, PRICES.gptAudioMini.input) +
      perMillion(100, PRICES.gptAudioMini.inputAudio) +
      perMillion(20, PRICES.gptAudioMini.output) +
      perMillion(60, PRICES.gptAudioMini.outputAudio);
    expect(costOf(only())).toBeCloseTo(expected, 12);
  });

  it("Google Gen AI with cached content (gcp.gemini priced as the data's google)", async () => {
    await google.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Summarise the style guide in one sentence.' });
    await settle();
    // generate-cached.json: promptTokenCount 2140 of which cachedContentTokenCount 2048, candidatesTokenCount 17.
    const expected =
      perMillion(2140 - 2048, PRICES.gemini25Flash.input) +
      perMillion(2048, PRICES.gemini25Flash.cacheRead) +
      perMillion(17, PRICES.gemini25Flash.output);
    expect(only().attributes['gen_ai.provider.name']).toBe('gcp.gemini');
    expect(costOf(only())).toBeCloseTo(expected, 12);
  });

  it('the Vercel AI SDK: the same one place prices its calls', async () => {
    const model = mockModel('anthropic.messages', 'claude-haiku-4-5', 'claude-haiku-4-5-20251001', 30, 4);
    await ai.generateText({ model, prompt: 'What is the capital of France?' });
    await settle();
    expect(costOf(only())).toBeCloseTo(perMillion(30, PRICES.claudeHaiku45.input) + perMillion(4, PRICES.claudeHaiku45.output), 12);
  });

  it('a call without usage gets no cost: an OpenAI stream that did not ask for usage, a failed call', async () => {
    const stream = await openai.chat.completions.create(fixtureRequest('openai/chat-stream'));
    for await (const chunk of stream) void chunk;
    await expect(openai.chat.completions.create(fixtureRequest('openai/chat-error-429'))).rejects.toThrow();
    await settle();
    const spans = tracing.inferenceSpans();
    expect(spans).toHaveLength(2);
    for (const span of spans) {
      expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
      expect(span.attributes).not.toHaveProperty(['otel_genai.usage.cost']);
      expect(span.attributes).not.toHaveProperty(['otel_genai.usage.cost.source']);
    }
  });
});

describe('the cost of an agent run and of a trace', () => {
  it("invoke_agent carries the sum of its model calls' costs; the tree shows each call's and the trace's total", async () => {
    await withAgent({ name: 'weather' }, () => anthropicWeatherLoop(anthropic));
    await settle();
    const [first, second] = tracing.inferenceSpans();
    // messages-tool-use.json: 583 in, 64 out; messages-tool-result.json: 702 in, 18 out (no cache).
    const firstCost = perMillion(583, PRICES.claudeSonnet5.input) + perMillion(64, PRICES.claudeSonnet5.output);
    const secondCost = perMillion(702, PRICES.claudeSonnet5.input) + perMillion(18, PRICES.claudeSonnet5.output);
    expect(costOf(first)).toBeCloseTo(firstCost, 12);
    expect(costOf(second)).toBeCloseTo(secondCost, 12);
    const agent = tracing.genAISpans().find((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent')!;
    expect(agent.attributes['otel_genai.usage.cost']).toBeCloseTo(firstCost + secondCost, 12);
    expect(agent.attributes['otel_genai.usage.cost.source']).toBe(SOURCE);
    // Rounded to twelve significant digits: the sum reads as the prices would on paper.
    expect(agent.attributes['otel_genai.usage.cost']).toBe(0.00339);

    const tree = new GenAITreeExporter({ colors: false, durations: false }).render(tracing.genAISpans());
    expect(tree).toBe(
      [
        'invoke_agent weather                    in 1285    out 82     $0.00339    end_turn  (trace total)',
        '├─ chat claude-sonnet-5-5               in 583     out 64     $0.001806   tool_use',
        '├─ execute_tool get_weather (inferred)',
        '└─ chat claude-sonnet-5-5               in 702     out 18     $0.001584   end_turn',
        '',
      ].join('\n'),
    );
  });

  it('a run with a call the prices do not cover gets no cost (never a partial sum); the tree marks its total as a lower bound; one diag message per model', async () => {
    const lines = captureDiag();
    const unknown = mockModel('openai.chat', 'gpt-unreleased', 'gpt-unreleased-2027-01-01', 50, 5);
    await withAgent({ name: 'mixed' }, async () => {
      await anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] });
      await ai.generateText({ model: unknown, prompt: 'When?' });
      await ai.generateText({ model: unknown, prompt: 'When, again?' });
    });
    await settle();
    const [priced, ...unpriced] = tracing.inferenceSpans();
    // messages-text.json: 21 in, 4 out.
    const pricedCost = perMillion(21, PRICES.claudeSonnet5.input) + perMillion(4, PRICES.claudeSonnet5.output);
    expect(costOf(priced)).toBeCloseTo(pricedCost, 12);
    expect(unpriced).toHaveLength(2);
    for (const span of unpriced) {
      expect(span.attributes['gen_ai.usage.input_tokens']).toBe(50);
      expect(span.attributes).not.toHaveProperty(['otel_genai.usage.cost']);
      expect(span.attributes).not.toHaveProperty(['otel_genai.usage.cost.source']);
    }
    const agent = tracing.genAISpans().find((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent')!;
    expect(agent.attributes['gen_ai.usage.input_tokens']).toBe(21 + 100);
    expect(agent.attributes).not.toHaveProperty(['otel_genai.usage.cost']);
    const noPrice = lines.filter((line) => line.includes('no price'));
    expect(noPrice).toEqual([expect.stringContaining('no price for model gpt-unreleased-2027-01-01 of provider openai')]);

    const root = new GenAITreeExporter({ colors: false, durations: false }).render(tracing.genAISpans()).split('\n')[0];
    expect(root).toBe('invoke_agent mixed         in 121     out 14     ≥ $0.000082  end_turn  (trace total)');
  });
});

describe('custom prices', () => {
  const withConfig = async (config: AnthropicInstrumentationConfig & OpenAIInstrumentationConfig, run: () => Promise<unknown>) => {
    anthropicInstrumentation.setConfig(config);
    openaiInstrumentation.setConfig(config);
    try {
      await run();
      await settle();
    } finally {
      anthropicInstrumentation.setConfig({ cost: true });
      openaiInstrumentation.setConfig({ cost: true });
    }
  };

  it("a function: sees the call in the price library's form; its number wins, with its source; undefined leaves the call to the price data", async () => {
    const seen: PricedCall[] = [];
    const prices = (call: PricedCall) => {
      seen.push(call);
      // A negotiated rate for one provider: $1 and $4 per million tokens, cache reads at a tenth.
      if (call.provider !== 'anthropic') return undefined;
      const cached = call.usage.cache_read_tokens ?? 0;
      return (
        perMillion((call.usage.input_tokens ?? 0) - cached, 1) + perMillion(cached, 0.1) + perMillion(call.usage.output_tokens ?? 0, 4)
      );
    };
    await withConfig({ cost: { prices, pricesSource: 'acme-contract-2026' } }, async () => {
      await anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.cache }] });
      await openai.chat.completions.create(fixtureRequest('openai/chat-cached'));
    });
    expect(seen).toEqual([
      {
        provider: 'anthropic',
        model: MODEL,
        operation: 'chat',
        serverAddress: '127.0.0.1',
        usage: { input_tokens: 12 + 2048 + 1024, cache_read_tokens: 1024, cache_write_tokens: 2048, output_tokens: 40 },
      },
      {
        provider: 'openai',
        model: 'gpt-4o-mini-2024-07-18',
        operation: 'chat',
        serverAddress: '127.0.0.1',
        usage: { input_tokens: 1200, cache_read_tokens: 1024, output_tokens: 18 },
      },
    ]);
    const [claude, gpt] = tracing.inferenceSpans();
    expect(costOf(claude)).toBeCloseTo(perMillion(12 + 2048, 1) + perMillion(1024, 0.1) + perMillion(40, 4), 12);
    expect(claude.attributes['otel_genai.usage.cost.source']).toBe('acme-contract-2026');
    expect(costOf(gpt)).toBeCloseTo(
      perMillion(176, PRICES.gpt4oMini.input) + perMillion(1024, PRICES.gpt4oMini.cacheRead) + perMillion(18, PRICES.gpt4oMini.output),
      12,
    );
    expect(gpt.attributes['otel_genai.usage.cost.source']).toBe(SOURCE);
  });

  it('a function that returns null, throws or returns what is not a number of USD: no cost, one diag message per model', async () => {
    const lines = captureDiag();
    for (const prices of [() => null, () => Number.NaN, () => -1, () => '0.01' as unknown as number]) {
      tracing.exporter.reset();
      await withConfig({ cost: { prices } }, () => openai.chat.completions.create(fixtureRequest('openai/chat-text')));
      expect(only().attributes).not.toHaveProperty(['otel_genai.usage.cost']);
    }
    tracing.exporter.reset();
    const throwing = () => {
      throw new Error('price sheet unreachable');
    };
    await withConfig({ cost: { prices: throwing } }, async () => {
      await anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] });
      await anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] });
    });
    expect(tracing.inferenceSpans().map(costOf)).toEqual([undefined, undefined]);
    expect(lines.filter((line) => line.includes('prices function'))).toEqual([
      expect.stringContaining('returned NaN for model gpt-4o-mini-2024-07-18 (openai)'),
      expect.stringContaining(`threw for model ${MODEL} (anthropic)`),
    ]);
  });

  it("a table in the library's form: its models at its prices (source custom), the others from the price data", async () => {
    const negotiated = {
      id: 'anthropic',
      name: 'Anthropic (negotiated)',
      api_pattern: 'https://api\\.anthropic\\.com',
      models: [
        {
          id: 'claude-sonnet-5',
          match: { starts_with: 'claude-sonnet-5' },
          prices: { input_mtok: 1.5, cache_read_mtok: 0.15, cache_write_mtok: 1.875, output_mtok: 7.5 },
        },
      ],
    };
    await withConfig({ cost: { prices: [negotiated] } }, async () => {
      await anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.cache }] });
      await anthropic.messages.create({
        model: 'claude-haiku-4-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: PROMPTS.maxTokens }],
      });
    });
    const [sonnet, haiku] = tracing.inferenceSpans();
    expect(costOf(sonnet)).toBeCloseTo(perMillion(12, 1.5) + perMillion(2048, 1.875) + perMillion(1024, 0.15) + perMillion(40, 7.5), 12);
    expect(sonnet.attributes['otel_genai.usage.cost.source']).toBe('custom');
    // messages-max-tokens.json: 16 in, 32 out, claude-haiku-4-5-20251001.
    expect(costOf(haiku)).toBeCloseTo(perMillion(16, PRICES.claudeHaiku45.input) + perMillion(32, PRICES.claudeHaiku45.output), 12);
    expect(haiku.attributes['otel_genai.usage.cost.source']).toBe(SOURCE);
  });
});

describe('on and off', () => {
  it('off by default; OTEL_GENAI_COST=true turns it on; the option wins over it', async () => {
    const call = () => openai.chat.completions.create(fixtureRequest('openai/chat-text'));
    const costWith = async (config: OpenAIInstrumentationConfig, env: string | undefined) => {
      if (env === undefined) delete process.env.OTEL_GENAI_COST;
      else process.env.OTEL_GENAI_COST = env;
      tracing.exporter.reset();
      openaiInstrumentation.setConfig(config);
      await call();
      await settle();
      return costOf(only());
    };
    try {
      // chat-text.json: 31 in, 8 out.
      const priced = perMillion(31, PRICES.gpt4oMini.input) + perMillion(8, PRICES.gpt4oMini.output);
      expect(await costWith({}, undefined)).toBeUndefined();
      expect(await costWith({}, 'false')).toBeUndefined();
      expect(await costWith({}, 'true')).toBeCloseTo(priced, 12);
      expect(await costWith({}, ' TRUE ')).toBeCloseTo(priced, 12);
      expect(await costWith({ cost: false }, 'true')).toBeUndefined();
      expect(await costWith({ cost: true }, 'false')).toBeCloseTo(priced, 12);
    } finally {
      delete process.env.OTEL_GENAI_COST;
      openaiInstrumentation.setConfig({ cost: true });
    }
  });
});

describe('PriceBook', () => {
  const book = new PriceBook();
  const full = { inputTokens: 100, outputTokens: 10 };
  /** What a call's span starts with: its provider, operation and request model. */
  const started = (provider: string, model: string | undefined, operation = 'chat') => ({
    'gen_ai.provider.name': provider,
    'gen_ai.operation.name': operation,
    ...(model === undefined ? {} : { 'gen_ai.request.model': model }),
  });

  it('prices only whole usage: none reported is nothing to price; a part (a stream cut before its end) or no model is unpriced', () => {
    expect(book.estimate(started('openai', 'gpt-4o-mini'), undefined, { inputTokens: undefined, outputTokens: undefined })).toBeUndefined();
    expect(book.estimate(started('openai', 'gpt-4o-mini'), undefined, { inputTokens: 100, outputTokens: undefined })).toBeNull();
    expect(book.estimate(started('openai', 'gpt-4o-mini'), undefined, { inputTokens: undefined, outputTokens: 10 })).toBeNull();
    expect(book.estimate(started('openai', undefined), undefined, full)).toBeNull();
    expect(
      book.estimate(started('openai', 'text-embedding-3-small', 'embeddings'), undefined, { inputTokens: 100, outputTokens: undefined }),
    ).toEqual({ usd: perMillion(100, 0.02), source: SOURCE });
  });

  it('the response model over the request model', () => {
    // Asked for gpt-4o (2.50 / 10 per million), answered by gpt-4o-mini: priced as gpt-4o-mini.
    const mini = perMillion(100, PRICES.gpt4oMini.input) + perMillion(10, PRICES.gpt4oMini.output);
    expect(book.estimate(started('openai', 'gpt-4o'), 'gpt-4o-mini-2024-07-18', full)?.usd).toBeCloseTo(mini, 12);
  });

  it('usage the prices cannot take (cache reads above the input) is unpriced, with one diag message', () => {
    const lines = captureDiag();
    const inconsistent = { inputTokens: 10, outputTokens: 1, cacheReadTokens: 50 };
    expect(book.estimate(started('openai', 'gpt-4o'), undefined, inconsistent)).toBeNull();
    expect(book.estimate(started('openai', 'gpt-4o'), undefined, inconsistent)).toBeNull();
    expect(lines.filter((line) => line.includes('otel-genai'))).toEqual([
      expect.stringContaining('could not price a call of model gpt-4o (openai)'),
    ]);
  });

  it("the conventions' provider names the price data does not match itself", () => {
    // gpt-4o-mini: the same prices under OpenAI and under Azure (the data's azure falls back to openai).
    const gpt = perMillion(100, PRICES.gpt4oMini.input) + perMillion(10, PRICES.gpt4oMini.output);
    expect(book.estimate(started('azure.ai.openai', 'gpt-4o-mini'), undefined, full)?.usd).toBeCloseTo(gpt, 12);
    expect(book.estimate(started('gcp.gen_ai', 'gemini-2.5-flash', 'generate_content'), undefined, full)?.usd).toBeCloseTo(
      perMillion(100, 0.3) + perMillion(10, 2.5),
      12,
    );
    // A provider the data does not have is no guess under another's prices.
    expect(book.estimate(started('ibm.watsonx.ai', 'gpt-4o-mini'), undefined, full)).toBeNull();
  });
});
