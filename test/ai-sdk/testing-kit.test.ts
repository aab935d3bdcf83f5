/**
 * The testing kit (`otel-genai/testing`, as built in dist/) with the Vercel AI SDK: `collectSpans()`
 * subscribes to `ai:telemetry` as it enables the SDK instrumentations, so that a test of an AI SDK
 * app asserts its tree like any other; `shutdown()` unsubscribes; `aiSdk: false` leaves it out.
 */
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Kit from 'otel-genai/testing';
import type { AI, AITest } from '../helpers/ai-sdk';
import { loadAI, textResult, toolCallsResult, weatherTools } from '../helpers/ai-sdk';

const { collectSpans } = createRequire(__filename)('otel-genai/testing') as typeof Kit;

let ai: AI;
let aiTest: AITest;
beforeAll(async () => {
  ({ ai, aiTest } = await loadAI());
});

const run = () => {
  const model = new aiTest.MockLanguageModelV4({
    doGenerate: [toolCallsResult([{ id: 'call_oslo', name: 'get_weather', input: { location: 'Oslo' } }]), textResult('Cold in Oslo.')],
  });
  const tools = weatherTools(ai, async ({ location }) => ({ location, temperature_c: 3 }));
  return ai.generateText({ model, prompt: 'Weather in Oslo?', tools, stopWhen: ai.isStepCount(3), telemetry: { functionId: 'weather' } });
};

describe('collectSpans() and the Vercel AI SDK', () => {
  let spans: Kit.SpanCollector | undefined;
  afterAll(() => spans?.shutdown());

  it("a run's tree, as for the SDK-level providers", async () => {
    spans = collectSpans();
    expect((await run()).text).toBe('Cold in Oslo.');
    await spans.settle();
    expect(spans.tree({ attributes: ['gen_ai.tool.call.id', 'otel_genai.agent.tool_calls'] })).toEqual([
      {
        name: 'invoke_agent weather',
        attributes: { 'otel_genai.agent.tool_calls': 1 },
        children: [
          { name: 'chat mock-model-id', attributes: {}, children: [] },
          { name: 'execute_tool get_weather', attributes: { 'gen_ai.tool.call.id': 'call_oslo' }, children: [] },
          { name: 'chat mock-model-id', attributes: {}, children: [] },
        ],
      },
    ]);
    await spans.shutdown();
  });

  it('shutdown() unsubscribes; aiSdk: false never subscribes', async () => {
    const subscribed = () => diagnosticsChannel.channel('tracing:ai:telemetry:start').hasSubscribers;
    expect(subscribed()).toBe(false);
    spans = collectSpans();
    expect(subscribed()).toBe(true);
    await spans.shutdown();
    expect(subscribed()).toBe(false);
    spans = collectSpans({ aiSdk: false });
    await run();
    await spans.settle();
    expect(subscribed()).toBe(false);
    expect(spans.spans()).toEqual([]);
    await spans.shutdown();
  });
});
