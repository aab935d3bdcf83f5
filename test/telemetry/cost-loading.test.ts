/**
 * Cost (issue 23) as an app meets it: with cost off, `@pydantic/genai-prices` is never required (in
 * a process under `node --import otel-genai/register`, and in this one with the option off and
 * `OTEL_GENAI_COST=true`); with it on, it is required on the first call priced, never at start-up,
 * and the cost reaches an OTLP backend. And the testing kit's `tree({ cost: true })`.
 */
import { createRequire } from 'node:module';
import { join, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as OtelGenAI from 'otel-genai';
import type * as Kit from 'otel-genai/testing';
import { anthropicWeatherLoop, PROMPTS } from '../helpers/replay';
import { replayAndReceiver } from '../helpers/replay-and-receiver';
import { runApp } from '../helpers/run-app';

const APP = join(__dirname, '..', 'apps', 'cost-app.cjs');
const require = createRequire(__filename);
// The kit as a user's tests load it: the built package, through its "exports".
const { collectSpans } = require('otel-genai/testing') as typeof Kit;
const { instrumentClient, withAgent } = require('otel-genai') as typeof OtelGenAI;
const priceLibraryLoaded = () => Object.keys(require.cache).some((file) => file.includes(`${sep}@pydantic${sep}genai-prices${sep}`));

/** claude-sonnet-5 in @pydantic/genai-prices 0.1.8's data: $2 input, $2.50 cache write, $0.20 cache read, $10 output per million tokens. */
const MESSAGES_CACHE_COST = (12 * 2 + 2048 * 2.5 + 1024 * 0.2 + 40 * 10) / 1e6;

const backends = replayAndReceiver(0);

describe('node --import otel-genai/register', () => {
  const run = async (env: Record<string, string>) => {
    const result = await runApp(APP, {
      register: true,
      env: backends.env({ OTEL_METRICS_EXPORTER: 'otlp', ...env }),
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const spans = backends.inferenceSpans();
    expect(spans).toHaveLength(1);
    return { loads: JSON.parse(result.stdout) as { atStart: boolean; afterCall: boolean }, span: spans[0] };
  };

  it('cost off (the default): the price library is never required, and spans and metrics have no cost', async () => {
    const { loads, span } = await run({});
    expect(loads).toEqual({ atStart: false, afterCall: false });
    expect(span.attributes['gen_ai.usage.input_tokens']).toBe(12 + 2048 + 1024);
    expect(span.attributes).not.toHaveProperty(['otel_genai.usage.cost']);
    expect(backends.receiver.metrics.has('gen_ai.client.inference.duration')).toBe(true);
    expect(backends.receiver.metrics.has('otel_genai.client.operation.cost')).toBe(false);
  });

  it('OTEL_GENAI_COST=true: required on the first call priced, not at start-up; the cost and its source reach OTLP, and so does the counter', async () => {
    const { loads, span } = await run({ OTEL_GENAI_COST: 'true' });
    expect(loads).toEqual({ atStart: false, afterCall: true });
    expect(span.attributes['otel_genai.usage.cost']).toBeCloseTo(MESSAGES_CACHE_COST, 12);
    expect(span.attributes['otel_genai.usage.cost.source']).toMatch(/^@pydantic\/genai-prices@\d+\.\d+\.\d+$/);
    expect(backends.receiver.metrics.has('otel_genai.client.operation.cost')).toBe(true);
  });
});

describe('the testing kit', () => {
  const Anthropic = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;

  it("with the option off (over OTEL_GENAI_COST=true) nothing is priced nor loaded; with it on, tree({ cost: true }) holds each call's and the run's spend", async () => {
    process.env.OTEL_GENAI_COST = 'true';
    try {
      const off = collectSpans({ anthropic: { cost: false } });
      try {
        const client = new Anthropic({ apiKey: 'test-key', baseURL: backends.server.url, maxRetries: 0 });
        await withAgent({ name: 'weather' }, () => anthropicWeatherLoop(client));
        await off.settle();
        const [agent] = off.tree({ cost: true });
        expect(agent.attributes['gen_ai.usage.input_tokens']).toBe(583 + 702);
        expect(agent.attributes).not.toHaveProperty(['otel_genai.usage.cost']);
        expect(agent.children.map((child) => child.attributes['otel_genai.usage.cost'])).toEqual([undefined, undefined, undefined]);
        expect(priceLibraryLoaded()).toBe(false);
      } finally {
        await off.shutdown();
      }
    } finally {
      delete process.env.OTEL_GENAI_COST;
    }

    backends.server.reset();
    const spans = collectSpans({ anthropic: { cost: true } });
    try {
      const client = new Anthropic({ apiKey: 'test-key', baseURL: backends.server.url, maxRetries: 0 });
      await withAgent({ name: 'weather' }, () => anthropicWeatherLoop(client));
      await spans.settle();
      expect(priceLibraryLoaded()).toBe(true);
      const source = spans.tree({ cost: true })[0].attributes['otel_genai.usage.cost.source'];
      expect(source).toMatch(/^@pydantic\/genai-prices@\d+\.\d+\.\d+$/);
      // claude-sonnet-5 at $2 in, $10 out per million: 583 in, 64 out; then 702 in, 18 out. Rounded to
      // twelve significant digits, the numbers compare exactly.
      const chat = (input: number, output: number, reason: string, usd: number) => ({
        name: 'chat claude-sonnet-5-5',
        attributes: {
          'gen_ai.provider.name': 'anthropic',
          'gen_ai.response.finish_reasons': [reason],
          'gen_ai.usage.input_tokens': input,
          'gen_ai.usage.output_tokens': output,
          'otel_genai.usage.cost': usd,
          'otel_genai.usage.cost.source': source,
        },
        children: [],
      });
      expect(spans.tree({ cost: true })).toEqual([
        {
          name: 'invoke_agent weather',
          attributes: {
            'gen_ai.response.finish_reasons': ['end_turn'],
            'gen_ai.usage.input_tokens': 1285,
            'gen_ai.usage.output_tokens': 82,
            'otel_genai.agent.model_calls': 2,
            'otel_genai.agent.tool_calls': 1,
            'otel_genai.usage.cost': 0.00339,
            'otel_genai.usage.cost.source': source,
          },
          children: [
            chat(583, 64, 'tool_use', 0.001806),
            expect.objectContaining({ name: 'execute_tool get_weather' }),
            chat(702, 18, 'end_turn', 0.001584),
          ],
        },
      ]);
      // Only on request.
      expect(JSON.stringify(spans.tree())).not.toContain('otel_genai.usage.cost');
    } finally {
      await spans.shutdown();
    }
  });

  it("instrumentClient(client, { cost: true }): the client's own option, whatever the others'", async () => {
    // The kit's provider with none of the module instrumentations: the two clients are traced by instrumentClient alone.
    const spans = collectSpans({ anthropic: false, openai: false, google: false, aiSdk: false });
    try {
      const priced = instrumentClient(new Anthropic({ apiKey: 'test-key', baseURL: backends.server.url, maxRetries: 0 }), { cost: true });
      const unpriced = instrumentClient(new Anthropic({ apiKey: 'test-key', baseURL: backends.server.url, maxRetries: 0 }));
      const body = { model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user' as const, content: PROMPTS.cache }] };
      await priced.messages.create(body);
      await unpriced.messages.create(body);
      await spans.settle();
      expect(spans.tree({ cost: true }).map((root) => root.attributes['otel_genai.usage.cost'])).toEqual([
        expect.closeTo(MESSAGES_CACHE_COST, 12),
        undefined,
      ]);
    } finally {
      await spans.shutdown();
    }
  });
});
