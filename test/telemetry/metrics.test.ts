import { createRequire } from 'node:module';
import { createNoopMeter, metrics } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { DataPointType } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData, SumMetricData } from '@opentelemetry/sdk-metrics';
import { AlwaysOffSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, OpenAIInstrumentation, runTool, withAgent } from '../../src';
import { GenAIMetrics, RunMetrics } from '../../src/metrics';
import { clientsOverReplay, fixtureRequest, PROMPTS, startFixtureServer, WEATHER_TOOLS } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const tracing = setupTracing();
let reader = new TestReader();
let meterProvider = new MeterProvider({ readers: [reader] });
const anthropicInstrumentation = new AnthropicInstrumentation();
const openaiInstrumentation = new OpenAIInstrumentation();
for (const instrumentation of [anthropicInstrumentation, openaiInstrumentation]) {
  instrumentation.setTracerProvider(tracing.provider);
}
const require = createRequire(__filename);
const Anthropic = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;

const MODEL = 'claude-sonnet-5-5';
const replay = clientsOverReplay();
beforeEach(() => {
  // A fresh meter provider per test, so that each test reads only its own measurements.
  reader = new TestReader();
  meterProvider = new MeterProvider({ readers: [reader] });
  for (const instrumentation of [anthropicInstrumentation, openaiInstrumentation]) {
    instrumentation.setMeterProvider(meterProvider);
    instrumentation.setTracerProvider(tracing.provider);
  }
  tracing.exporter.reset();
});

async function histograms(from: MetricReader = reader): Promise<Map<string, HistogramMetricData>> {
  const { resourceMetrics } = await from.collect();
  const found = new Map<string, HistogramMetricData>();
  for (const scope of resourceMetrics.scopeMetrics) {
    for (const metric of scope.metrics) found.set(metric.descriptor.name, metric as HistogramMetricData);
  }
  return found;
}

function points(metric: HistogramMetricData | undefined) {
  return (metric?.dataPoints ?? []).map((point) => ({ attributes: point.attributes, count: point.value.count, sum: point.value.sum }));
}

/** A counter's data points: attributes and value. */
function sums(metric: unknown) {
  return ((metric as SumMetricData | undefined)?.dataPoints ?? []).map((point) => ({ attributes: point.attributes, value: point.value }));
}

const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const LEGACY_NAMES = [
  'gen_ai.client.token.usage',
  'gen_ai.client.operation.duration',
  'gen_ai.client.operation.time_to_first_chunk',
  'gen_ai.client.operation.time_per_output_chunk',
];

describe('GenAI client metrics (semantic-conventions-genai v0.1.0)', () => {
  it('a chat call: duration, the token counters by modality, the per-call token histograms; units, types and buckets', async () => {
    await replay.anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.cache }] });
    await settle();
    const metrics = await histograms();
    const port = Number(new URL(replay.server.url).port);
    const base = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': MODEL,
      'gen_ai.response.model': MODEL,
      'server.address': '127.0.0.1',
      'server.port': port,
    };
    const unknown = { ...base, 'gen_ai.token.modality': 'unknown' };
    const counters = {
      'gen_ai.client.inference.usage.input_tokens': 12 + 2048 + 1024,
      'gen_ai.client.inference.usage.output_tokens': 40,
      'gen_ai.client.inference.usage.cache_read.input_tokens': 1024,
      'gen_ai.client.inference.usage.cache_write.input_tokens': 2048,
    };
    for (const [name, value] of Object.entries(counters)) {
      expect(metrics.get(name)?.descriptor.unit, name).toBe('{token}');
      expect(metrics.get(name)?.dataPointType, name).toBe(DataPointType.SUM);
      expect((metrics.get(name) as unknown as SumMetricData).isMonotonic, name).toBe(true);
      expect(sums(metrics.get(name)), name).toEqual([{ attributes: unknown, value }]);
    }
    // Not reported by this call: not recorded (the counters of what every call has are, as 0).
    expect(metrics.has('gen_ai.client.inference.usage.reasoning.output_tokens')).toBe(false);
    for (const [name, sum] of [
      ['gen_ai.client.inference.operation.input_tokens', 12 + 2048 + 1024],
      ['gen_ai.client.inference.operation.output_tokens', 40],
    ] as const) {
      expect(metrics.get(name)?.descriptor.unit).toBe('{token}');
      expect(metrics.get(name)?.dataPoints[0].value.buckets.boundaries).toEqual(TOKEN_BUCKETS);
      expect(points(metrics.get(name))).toEqual([{ attributes: base, count: 1, sum }]);
    }
    const duration = metrics.get('gen_ai.client.inference.duration');
    expect(duration?.descriptor.unit).toBe('s');
    expect(duration?.dataPoints[0].value.buckets.boundaries).toEqual(SECONDS_BUCKETS);
    const [point] = points(duration);
    expect(point.attributes).toEqual(base);
    expect(point.count).toBe(1);
    // The duration is the span's.
    const [span] = tracing.inferenceSpans();
    const spanSeconds = span.duration[0] + span.duration[1] / 1e9;
    expect(point.sum).toBeCloseTo(spanSeconds, 6);
    expect(metrics.has('gen_ai.client.inference.time_to_first_chunk')).toBe(false);
    // The pre-split names only on opt-in, and nothing of embeddings for a chat call.
    for (const name of [...LEGACY_NAMES, 'gen_ai.client.embeddings.duration', 'gen_ai.client.embeddings.operation.input_tokens'])
      expect(metrics.has(name), name).toBe(false);
  });

  it('a failed call: duration with error.type; counted as 0 tokens of unknown modality; the per-call histograms with error.type', async () => {
    await replay.anthropic.messages
      .create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: PROMPTS.error429 }] })
      .catch(() => undefined);
    const metrics = await histograms();
    expect(points(metrics.get('gen_ai.client.inference.duration'))[0].attributes['error.type']).toBe('RateLimitError');
    for (const name of ['gen_ai.client.inference.usage.input_tokens', 'gen_ai.client.inference.usage.output_tokens']) {
      expect(
        sums(metrics.get(name)).map(({ attributes, value }) => [attributes['gen_ai.token.modality'], attributes['error.type'], value]),
      ).toEqual([['unknown', undefined, 0]]);
    }
    for (const name of ['gen_ai.client.inference.operation.input_tokens', 'gen_ai.client.inference.operation.output_tokens']) {
      expect(points(metrics.get(name)).map(({ attributes, sum }) => [attributes['error.type'], sum])).toEqual([['RateLimitError', 0]]);
    }
  });

  it('a stream: time to first chunk once, time per output chunk for each chunk after the first', async () => {
    const stream = await replay.anthropic.messages.create({
      model: MODEL,
      max_tokens: 200,
      stream: true,
      messages: [{ role: 'user', content: PROMPTS.streamText }],
    });
    let chunks = 0;
    for await (const _event of stream) chunks++;
    const metrics = await histograms();
    const [span] = tracing.inferenceSpans();
    const ttfc = points(metrics.get('gen_ai.client.inference.time_to_first_chunk'));
    expect(ttfc).toHaveLength(1);
    expect(ttfc[0].count).toBe(1);
    const firstChunkSeconds = span.attributes['gen_ai.response.time_to_first_chunk'] as number;
    expect(ttfc[0].sum).toBeCloseTo(firstChunkSeconds, 6);
    const perChunk = points(metrics.get('gen_ai.client.inference.time_per_output_chunk'));
    expect(chunks).toBeGreaterThan(2);
    expect(perChunk).toEqual([
      { attributes: points(metrics.get('gen_ai.client.inference.duration'))[0].attributes, count: chunks - 1, sum: expect.any(Number) },
    ]);
    // Named in the order the metrics SDK sorts names into for every value it records, which is the
    // cheapest order for that sort (BENCHMARKS.md, "Metrics per chunk").
    const names = Object.keys(perChunk[0].attributes);
    expect(names).toEqual([...names].sort());
    // The gaps add up to the time from the first chunk to the last, within the span.
    const spanSeconds = span.duration[0] + span.duration[1] / 1e9;
    expect(perChunk[0].sum).toBeGreaterThan(0);
    expect(perChunk[0].sum).toBeLessThan(spanSeconds - firstChunkSeconds);
    expect(metrics.get('gen_ai.client.inference.time_per_output_chunk')?.dataPoints[0].value.buckets.boundaries).toEqual(SECONDS_BUCKETS);
    expect(sums(metrics.get('gen_ai.client.inference.usage.input_tokens')).map((point) => point.value)).toEqual([17]);
    expect(sums(metrics.get('gen_ai.client.inference.usage.output_tokens')).map((point) => point.value)).toEqual([64]);
    for (const name of LEGACY_NAMES) expect(metrics.has(name), name).toBe(false);
  });

  it('time per output chunk keeps each gap: a stall shows as itself, not spread over the stream', async () => {
    // At recorded speed: the fixture's longest gap between two chunks the SDK yields is 62 ms (a
    // skipped ping, then a delta); a mean over the stream's 12 gaps would be about 28 ms. Only lower
    // bounds: a slow machine makes most gaps longer, but a stall that delays the chunk before the
    // long gap shortens that one, hence the room below 62 ms.
    const paced = await startFixtureServer(1);
    try {
      const client = new Anthropic({ apiKey: 'test-key', baseURL: paced.url, maxRetries: 0 });
      const stream = await client.messages.create({
        model: MODEL,
        max_tokens: 200,
        stream: true,
        messages: [{ role: 'user', content: PROMPTS.streamText }],
      });
      for await (const _event of stream);
    } finally {
      await paced.close();
    }
    const [point] = (await histograms()).get('gen_ai.client.inference.time_per_output_chunk')?.dataPoints ?? [];
    expect(point.value.count).toBe(12);
    expect(point.value.max).toBeGreaterThanOrEqual(0.035);
  });

  it('OpenAI chat and Responses, and embeddings on instruments of their own', async () => {
    await replay.openai.chat.completions.create(fixtureRequest('openai/chat-text'));
    await replay.openai.responses.create(fixtureRequest('openai/responses-text'));
    await replay.openai.embeddings.create({ model: 'text-embedding-3-small', input: ['The quick brown fox', 'jumps over the lazy dog'] });
    const metrics = await histograms();
    const byModel = (name: string) =>
      Object.fromEntries(
        sums(metrics.get(name)).map((point) => [
          `${point.attributes['gen_ai.request.model']} ${point.attributes['gen_ai.token.modality']}`,
          point.value,
        ]),
      );
    expect(byModel('gen_ai.client.inference.usage.input_tokens')).toEqual({ 'gpt-4o-mini unknown': 31, 'gpt-5-mini unknown': 14 });
    expect(byModel('gen_ai.client.inference.usage.output_tokens')).toEqual({ 'gpt-4o-mini unknown': 8, 'gpt-5-mini unknown': 160 });
    // Reported as 0 by both: counted as reported.
    expect(byModel('gen_ai.client.inference.usage.cache_read.input_tokens')).toEqual({ 'gpt-4o-mini unknown': 0, 'gpt-5-mini unknown': 0 });
    expect(
      points(metrics.get('gen_ai.client.embeddings.operation.input_tokens')).map(({ attributes, sum }) => [
        attributes['gen_ai.request.model'],
        sum,
      ]),
    ).toEqual([['text-embedding-3-small', 10]]);
    expect(points(metrics.get('gen_ai.client.embeddings.duration')).map(({ attributes }) => attributes['gen_ai.operation.name'])).toEqual([
      'embeddings',
    ]);
    expect(points(metrics.get('gen_ai.client.inference.duration')).map(({ attributes }) => attributes['gen_ai.request.model'])).toEqual([
      'gpt-4o-mini',
      'gpt-5-mini',
    ]);
    // The OpenAI conventions add the response's service tier and fingerprint to the duration and the token metrics.
    const tiers = (name: string) =>
      Object.fromEntries(
        [...sums(metrics.get(name)), ...points(metrics.get(name))].map((point) => [
          point.attributes['gen_ai.request.model'],
          [point.attributes['openai.response.service_tier'], point.attributes['openai.response.system_fingerprint']],
        ]),
      );
    const expected = { 'gpt-4o-mini': ['default', 'fp_58b2a2055b'], 'gpt-5-mini': ['default', undefined] };
    expect(tiers('gen_ai.client.inference.duration')).toEqual(expected);
    expect(tiers('gen_ai.client.inference.usage.input_tokens')).toEqual(expected);
    expect(tiers('gen_ai.client.inference.operation.output_tokens')).toEqual(expected);
  });

  it('the pre-split names too, only when asked (legacyMetrics, or OTEL_GENAI_LEGACY_METRICS=true), as they were recorded', async () => {
    const legacy = async (setUp: () => void, tearDown: () => void) => {
      setUp();
      try {
        anthropicInstrumentation.setMeterProvider(meterProvider);
        const stream = await replay.anthropic.messages.create({
          model: MODEL,
          max_tokens: 200,
          stream: true,
          messages: [{ role: 'user', content: PROMPTS.streamText }],
        });
        for await (const _event of stream);
        return await histograms();
      } finally {
        tearDown();
        anthropicInstrumentation.setMeterProvider(meterProvider);
      }
    };
    const setups: Array<[() => void, () => void]> = [
      [() => anthropicInstrumentation.setConfig({ legacyMetrics: true }), () => anthropicInstrumentation.setConfig({})],
      [() => (process.env.OTEL_GENAI_LEGACY_METRICS = 'true'), () => delete process.env.OTEL_GENAI_LEGACY_METRICS],
    ];
    for (const [setUp, tearDown] of setups) {
      reader = new TestReader();
      meterProvider = new MeterProvider({ readers: [reader] });
      const found = await legacy(setUp, tearDown);
      expect(points(found.get('gen_ai.client.token.usage')).map(({ attributes, sum }) => [attributes['gen_ai.token.type'], sum])).toEqual([
        ['input', 17],
        ['output', 64],
      ]);
      expect(points(found.get('gen_ai.client.operation.duration'))).toHaveLength(1);
      expect(points(found.get('gen_ai.client.operation.time_to_first_chunk'))).toHaveLength(1);
      expect(points(found.get('gen_ai.client.operation.time_per_output_chunk'))[0].count).toBe(
        points(found.get('gen_ai.client.inference.time_per_output_chunk'))[0].count,
      );
      expect(points(found.get('gen_ai.client.inference.duration'))).toHaveLength(1);
    }
    reader = new TestReader();
    meterProvider = new MeterProvider({ readers: [reader] });
    // Off again: none of them.
    anthropicInstrumentation.setMeterProvider(meterProvider);
    await replay.anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] });
    const after = await histograms();
    for (const name of LEGACY_NAMES) expect(after.has(name), name).toBe(false);
  });

  it('OpenAI audio tokens: per-modality usage on the span, and counted as audio plus the rest unknown', async () => {
    await replay.openai.chat.completions.create(fixtureRequest('openai/chat-audio'));
    const [span] = tracing.inferenceSpans();
    expect(span.attributes).toMatchObject({
      'gen_ai.usage.audio.input_tokens': 100,
      'gen_ai.usage.audio.output_tokens': 60,
      'gen_ai.usage.input_tokens': 120,
    });
    expect(span.attributes).not.toHaveProperty(['gen_ai.usage.text.input_tokens']);
    const metrics = await histograms();
    const byModality = (name: string) =>
      Object.fromEntries(sums(metrics.get(name)).map((point) => [point.attributes['gen_ai.token.modality'], point.value]));
    expect(byModality('gen_ai.client.inference.usage.input_tokens')).toEqual({ audio: 100, unknown: 20 });
    expect(byModality('gen_ai.client.inference.usage.output_tokens')).toEqual({ audio: 60, unknown: 20 });
    // A text call reports audio_tokens 0: no modality is claimed for it.
    tracing.exporter.reset();
    await replay.openai.chat.completions.create(fixtureRequest('openai/chat-text'));
    expect(Object.keys(tracing.inferenceSpans()[0].attributes).filter((key) => key.startsWith('gen_ai.usage.audio'))).toEqual([]);
  });

  it('token counters by modality: one data point per modality the provider reported, the rest unknown, adding up to the total', async () => {
    const direct = new GenAIMetrics(meterProvider.getMeter('modality-test'));
    direct.record({
      startAttributes: { 'gen_ai.operation.name': 'chat', 'gen_ai.provider.name': 'openai', 'gen_ai.request.model': 'gpt-audio' },
      responseModel: undefined,
      errorType: undefined,
      durationSeconds: 0.5,
      usage: { inputTokens: 300, outputTokens: 120, inputByModality: { audio: 200, text: 0 }, outputByModality: { audio: 120 } },
      providerAttributes: undefined,
      timeToFirstChunkSeconds: undefined,
    });
    const metrics = await histograms();
    const byModality = (name: string) =>
      Object.fromEntries(sums(metrics.get(name)).map((point) => [point.attributes['gen_ai.token.modality'], point.value]));
    expect(byModality('gen_ai.client.inference.usage.input_tokens')).toEqual({ audio: 200, unknown: 100 });
    expect(byModality('gen_ai.client.inference.usage.output_tokens')).toEqual({ audio: 120 });
  });

  it("the same names, instruments and attributes in the 'latest' semconv mode as in 'compat'", async () => {
    const describeAll = async () => {
      const found = await histograms();
      return [...found.values()]
        .map((metric) => ({
          name: metric.descriptor.name,
          type: metric.dataPointType,
          unit: metric.descriptor.unit,
          keys: metric.dataPoints.map((point) => Object.keys(point.attributes).sort()),
        }))
        .sort((a, b) => a.name.localeCompare(b.name));
    };
    const run = () =>
      replay.anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.cache }] });
    anthropicInstrumentation.setConfig({ semconv: 'compat' });
    await run();
    const compat = await describeAll();
    reader = new TestReader();
    meterProvider = new MeterProvider({ readers: [reader] });
    anthropicInstrumentation.setConfig({ semconv: 'latest' });
    anthropicInstrumentation.setMeterProvider(meterProvider);
    try {
      await run();
      expect(await describeAll()).toEqual(compat);
      expect(compat.flatMap((metric) => metric.keys.flat())).not.toContain('gen_ai.system');
    } finally {
      anthropicInstrumentation.setConfig({});
    }
  });

  it('are right when tracing samples the call out', async () => {
    const sampledOut = new TracerProvider({ sampler: new AlwaysOffSampler() });
    anthropicInstrumentation.setTracerProvider(sampledOut);
    await replay.anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] });
    await settle();
    expect(tracing.inferenceSpans()).toHaveLength(0);
    const metrics = await histograms();
    expect(
      [
        ...sums(metrics.get('gen_ai.client.inference.usage.input_tokens')),
        ...sums(metrics.get('gen_ai.client.inference.usage.output_tokens')),
      ].map((point) => point.value),
    ).toEqual([21, 4]);
  });

  it('are off, and computed for nothing, with no meter provider', () => {
    expect(new GenAIMetrics(createNoopMeter()).enabled).toBe(false);
    expect(new GenAIMetrics(meterProvider.getMeter('x')).enabled).toBe(true);
  });
});

describe('agent run and tool metrics, on the global meter provider as their spans are on the global tracer provider', () => {
  const AGENT_BUCKETS = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6];
  let globalReader: TestReader;
  beforeEach(() => {
    globalReader = new TestReader();
    metrics.disable();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [globalReader] }));
  });
  afterAll(() => metrics.disable());

  it("a run and its tool calls: names, tool type, error.type on failures, the spans' durations", async () => {
    await withAgent({ name: 'trip-planner' }, async () => {
      runTool({ name: 'get_weather' }, () => 'sunny');
      await runTool({ name: 'convert_currency', type: 'extension' }, async () => {
        throw new TypeError('rate service down');
      }).catch(() => undefined);
    });
    expect(() =>
      withAgent({}, () => {
        throw new RangeError('gave up');
      }),
    ).toThrow(RangeError);
    runTool({ name: 'lookup' }, () => 1);
    const found = await histograms(globalReader);
    const agent = found.get('gen_ai.invoke_agent.duration');
    expect(agent?.descriptor.unit).toBe('s');
    expect(agent?.dataPoints[0].value.buckets.boundaries).toEqual(AGENT_BUCKETS);
    expect(points(agent).map(({ attributes, count }) => ({ attributes, count }))).toEqual([
      { attributes: { 'gen_ai.agent.name': 'trip-planner' }, count: 1 },
      { attributes: { 'error.type': 'RangeError' }, count: 1 },
    ]);
    const tool = found.get('gen_ai.execute_tool.duration');
    expect(tool?.dataPoints[0].value.buckets.boundaries).toEqual(SECONDS_BUCKETS);
    expect(points(tool).map(({ attributes, count }) => ({ attributes, count }))).toEqual([
      { attributes: { 'gen_ai.tool.name': 'get_weather', 'gen_ai.tool.type': 'function', 'gen_ai.agent.name': 'trip-planner' }, count: 1 },
      {
        attributes: {
          'gen_ai.tool.name': 'convert_currency',
          'gen_ai.tool.type': 'extension',
          'gen_ai.agent.name': 'trip-planner',
          'error.type': 'TypeError',
        },
        count: 1,
      },
      { attributes: { 'gen_ai.tool.name': 'lookup', 'gen_ai.tool.type': 'function' }, count: 1 },
    ]);
    // The metric is the span's duration.
    const seconds = (span: { duration: [number, number] }) => span.duration[0] + span.duration[1] / 1e9;
    const run = tracing.genAISpans().find((span) => span.name === 'invoke_agent trip-planner');
    expect(run).toBeDefined();
    expect(points(agent)[0].sum).toBeCloseTo(seconds(run!), 6);
  });

  it("each run's model calls, failed ones included, and tool calls, once per run with the agent's name; the one model on the duration and the span", async () => {
    await withAgent({ name: 'trip-planner', model: MODEL }, async () => {
      await replay.anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] });
      await replay.anthropic.messages
        .create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: PROMPTS.error429 }] })
        .catch(() => undefined);
      runTool({ name: 'get_weather' }, () => 'sunny');
      runTool({ name: 'get_weather' }, () => 'rain');
      await runTool({ name: 'convert_currency' }, async () => {
        throw new TypeError('rate service down');
      }).catch(() => undefined);
    });
    await withAgent({ name: 'trip-planner' }, async () => undefined);
    expect(() =>
      withAgent({}, () => {
        throw new RangeError('gave up');
      }),
    ).toThrow(RangeError);
    const found = await histograms(globalReader);
    const CALL_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];
    const counted = (name: string) => {
      const metric = found.get(name);
      expect(metric?.dataPoints[0].value.buckets.boundaries).toEqual(CALL_BUCKETS);
      return metric?.dataPoints.map(({ attributes, value }) => ({
        attributes,
        count: value.count,
        sum: value.sum,
        min: value.min,
        max: value.max,
      }));
    };
    expect(found.get('gen_ai.invoke_agent.inference_calls')?.descriptor.unit).toBe('{inference_call}');
    expect(counted('gen_ai.invoke_agent.inference_calls')).toEqual([
      { attributes: { 'gen_ai.agent.name': 'trip-planner' }, count: 2, sum: 2, min: 0, max: 2 },
      { attributes: {}, count: 1, sum: 0, min: 0, max: 0 },
    ]);
    expect(found.get('gen_ai.invoke_agent.tool_calls')?.descriptor.unit).toBe('{tool_call}');
    expect(counted('gen_ai.invoke_agent.tool_calls')).toEqual([
      { attributes: { 'gen_ai.agent.name': 'trip-planner' }, count: 2, sum: 3, min: 0, max: 3 },
      { attributes: {}, count: 1, sum: 0, min: 0, max: 0 },
    ]);
    expect(points(found.get('gen_ai.invoke_agent.duration')).map(({ attributes, count }) => ({ attributes, count }))).toEqual([
      { attributes: { 'gen_ai.agent.name': 'trip-planner', 'gen_ai.request.model': MODEL }, count: 1 },
      { attributes: { 'gen_ai.agent.name': 'trip-planner' }, count: 1 },
      { attributes: { 'error.type': 'RangeError' }, count: 1 },
    ]);
    const runs = tracing.genAISpans().filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
    expect(runs.map((span) => span.attributes['gen_ai.request.model'])).toEqual([MODEL, undefined, undefined]);
  });

  it('inferred tool spans are not measured: their interval only bounds the tool from above', async () => {
    const messages: unknown[] = [{ role: 'user', content: PROMPTS.toolUse }];
    const reply = await replay.anthropic.messages.create({ model: MODEL, max_tokens: 1024, tools: WEATHER_TOOLS, messages });
    const call = reply.content.find((block: { type: string }) => block.type === 'tool_use');
    messages.push({ role: 'assistant', content: reply.content });
    messages.push({
      role: 'user',
      content: [
        {
          type: 'tool_result',
          tool_use_id: call.id,
          content: JSON.stringify({ location: call.input.location, temperature_c: 19, conditions: 'sunny' }),
        },
      ],
    });
    await replay.anthropic.messages.create({ model: MODEL, max_tokens: 1024, tools: WEATHER_TOOLS, messages });
    await settle();
    expect(tracing.toolSpans().map((span) => span.attributes['otel_genai.tool.inferred'])).toEqual([true]);
    expect((await histograms(globalReader)).has('gen_ai.execute_tool.duration')).toBe(false);
  });

  it('a global meter provider that throws: runs and tool calls return what they return, and it is asked once', async () => {
    await withAgent({ name: 'a' }, async () => undefined);
    // Replaced by a broken one: nothing more reaches the previous one either.
    metrics.disable();
    let asked = 0;
    metrics.setGlobalMeterProvider({
      getMeter: () => {
        asked++;
        throw new Error('meter provider broke');
      },
    });
    for (let i = 0; i < 2; i++) {
      expect(await withAgent({ name: 'a' }, async () => runTool({ name: 't' }, () => i))).toBe(i);
    }
    expect(asked).toBe(1);
    expect(tracing.genAISpans()).toHaveLength(5);
    expect(points((await histograms(globalReader)).get('gen_ai.invoke_agent.duration')).map((point) => point.count)).toEqual([1]);
  });

  it('are off, and computed for nothing, with no global meter provider', () => {
    expect(RunMetrics.global()).toBeDefined();
    metrics.disable();
    expect(RunMetrics.global()).toBeUndefined();
  });
});
