import { createRequire } from 'node:module';
import { metrics, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, OpenAIInstrumentation, runTool, traceTool, withAgent } from '../../src';
import { fingerprint, toolCallLedger } from '../../src/tools';
import { clientsOverReplay, fixtureRequest, PROMPTS, WEATHER_TOOLS, weatherToolRunner } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

class MetricsReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const tracing = setupTracing();
for (const instrumentation of [new AnthropicInstrumentation(), new OpenAIInstrumentation()]) {
  instrumentation.setTracerProvider(tracing.provider);
}
const require = createRequire(__filename);
const Anthropic = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;

const replay = clientsOverReplay(0);
beforeEach(() => tracing.exporter.reset());

const MODEL = 'claude-sonnet-5-5';
const getWeather = ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' });
const byOperation = (operation: string) => tracing.genAISpans().filter((span) => span.attributes['gen_ai.operation.name'] === operation);
const ms = (time: [number, number]) => time[0] * 1e3 + time[1] / 1e6;
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** The loop most agents write: call the model, run the tools it asks for, send the results back. */
async function anthropicLoop(
  runTools: (call: { id: string; name: string; input: { location: string } }) => string = (call) => getWeather(call.input),
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
  { client = replay.anthropic, resultFields = {} }: { client?: any; resultFields?: Record<string, unknown> } = {},
) {
  const messages: unknown[] = [{ role: 'user', content: PROMPTS.toolUse }];
  for (;;) {
    const reply = await client.messages.create({ model: MODEL, max_tokens: 1024, tools: WEATHER_TOOLS, messages });
    messages.push({ role: 'assistant', content: reply.content });
    const calls = reply.content.filter((block: { type: string }) => block.type === 'tool_use');
    if (calls.length === 0) return reply.content[0].text as string;
    messages.push({
      role: 'user',
      content: calls.map((call: { id: string; name: string; input: { location: string } }) => ({
        type: 'tool_result',
        tool_use_id: call.id,
        content: runTools(call),
        ...resultFields,
      })),
    });
  }
}

describe('hand-written loops, zero code', () => {
  it('infers an execute_tool span from the tool result the next request carries', async () => {
    expect(await anthropicLoop()).toBe("It's sunny in Lisbon right now, at about 19 °C.");
    await settle();
    const [first, second] = tracing.inferenceSpans();
    const [tool] = tracing.toolSpans();
    expect(tracing.toolSpans()).toHaveLength(1);
    expect(tool.name).toBe('execute_tool get_weather');
    expect(tool.kind).toBe(SpanKind.INTERNAL);
    expect(tool.attributes).toMatchObject({
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'gen_ai.tool.call.id': 'toolu_01qZru8cdgXwJyMEbVaFvDsj',
      'gen_ai.tool.type': 'function',
      'otel_genai.tool.inferred': true,
      'otel_genai.tool.arguments_fingerprint': fingerprint({ location: 'Lisbon, Portugal' }),
    });
    // From the end of the response that asked for the call to the start of the request answering it.
    // (The SDK's clock gives some times to the millisecond only: hence the 1 ms of slack.)
    expect(ms(tool.startTime)).toBeGreaterThanOrEqual(ms(first.endTime) - 1);
    expect(ms(tool.endTime)).toBeGreaterThanOrEqual(ms(tool.startTime));
    expect(ms(tool.endTime)).toBeLessThanOrEqual(ms(second.startTime) + 1);
  });

  it('a tool result marked is_error makes the inferred span an error', async () => {
    // The fixture was recorded without the flag: it is taken off on the wire, after the instrumentation read the params.
    const unflagged = new Anthropic({
      apiKey: 'test-key',
      baseURL: replay.server.url,
      maxRetries: 0,
      fetch: (url: string | URL | Request, init?: RequestInit) =>
        fetch(url, { ...init, body: typeof init?.body === 'string' ? init.body.replace(/,"is_error":(true|false)/g, '') : init?.body }),
    });
    await anthropicLoop(undefined, { client: unflagged, resultFields: { is_error: true } });
    await settle();
    const [tool] = tracing.toolSpans();
    expect(tracing.toolSpans()).toHaveLength(1);
    expect(tool.attributes['otel_genai.tool.inferred']).toBe(true);
    expect(tool.attributes['error.type']).toBe('tool_error');
    expect(tool.status).toEqual({ code: SpanStatusCode.ERROR });
    // A result not marked as failed stays a success.
    tracing.exporter.reset();
    await anthropicLoop(undefined, { client: unflagged, resultFields: { is_error: false } });
    await settle();
    expect(tracing.toolSpans().map((span) => [span.status.code, span.attributes['error.type']])).toEqual([
      [SpanStatusCode.UNSET, undefined],
    ]);
  });

  it('inside withAgent: one tree, invoke_agent → chat → execute_tool → chat, with the run totals', async () => {
    const answer = await withAgent({ name: 'weather', description: 'answers weather questions' }, () => anthropicLoop());
    expect(answer).toBe("It's sunny in Lisbon right now, at about 19 °C.");
    await settle();
    const [agent] = byOperation('invoke_agent');
    expect(agent.name).toBe('invoke_agent weather');
    expect(agent.attributes).toMatchObject({
      'gen_ai.agent.name': 'weather',
      'gen_ai.agent.description': 'answers weather questions',
      // The last model call's: the first one's were ['tool_use'].
      'gen_ai.response.finish_reasons': ['end_turn'],
      'otel_genai.agent.model_calls': 2,
      'otel_genai.agent.tool_calls': 1,
      'otel_genai.agent.max_tool_repeats': 1,
      'gen_ai.usage.input_tokens': 583 + 702,
      'gen_ai.usage.output_tokens': 64 + 18,
    });
    // The in-process agent span of semantic-conventions-genai v0.1.0 has none of these.
    for (const removed of [
      'gen_ai.agent.id',
      'gen_ai.agent.version',
      'gen_ai.provider.name',
      'gen_ai.usage.cache_read.input_tokens',
      'server.address',
    ]) {
      expect(agent.attributes).not.toHaveProperty([removed]);
    }
    const children = tracing.genAISpans().filter((span) => span !== agent);
    expect(children.map((span) => span.name).sort()).toEqual([
      'chat claude-sonnet-5-5',
      'chat claude-sonnet-5-5',
      'execute_tool get_weather',
    ]);
    for (const span of children) {
      expect(parentOf(span)).toBe(agent.spanContext().spanId);
      expect(span.spanContext().traceId).toBe(agent.spanContext().traceId);
    }
    // chat, then the tool, then chat (the SDK's clock gives some start times to the millisecond only).
    const [firstChat, secondChat] = children.filter((span) => span.kind === SpanKind.CLIENT);
    const tool = children.find((span) => span.kind === SpanKind.INTERNAL)!;
    expect(ms(tool.startTime)).toBeGreaterThanOrEqual(ms(firstChat.endTime) - 1);
    expect(ms(secondChat.startTime)).toBeGreaterThanOrEqual(ms(tool.endTime) - 1);
  });

  it("a run's finish reasons are its last model call's: none without a model call, error when that call failed", async () => {
    withAgent({ name: 'idle' }, () => undefined);
    await withAgent({ name: 'rate-limited' }, async () => {
      await replay.anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] });
      await replay.anthropic.messages
        .create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: PROMPTS.error429 }] })
        .catch(() => undefined);
    });
    await settle();
    expect(byOperation('invoke_agent').map((span) => [span.name, span.attributes['gen_ai.response.finish_reasons']])).toEqual([
      ['invoke_agent idle', undefined],
      ['invoke_agent rate-limited', ['error']],
    ]);
  });

  it('parallel OpenAI tool calls: one inferred span per call id', async () => {
    const first = fixtureRequest('openai/chat-tool-calls');
    const reply = await replay.openai.chat.completions.create(first);
    const calls = reply.choices[0].message.tool_calls;
    await replay.openai.chat.completions.create({
      model: first.model,
      messages: [
        ...first.messages,
        reply.choices[0].message,
        ...calls.map((call: { id: string; function: { arguments: string } }) => ({
          role: 'tool',
          tool_call_id: call.id,
          content: JSON.stringify({ ...JSON.parse(call.function.arguments), temperature_c: 18 }),
        })),
      ],
    });
    await settle();
    const tools = tracing.toolSpans();
    expect(tools.map((span) => span.attributes['gen_ai.tool.call.id']).sort()).toEqual(calls.map((call: { id: string }) => call.id).sort());
    expect(new Set(tools.map((span) => span.attributes['otel_genai.tool.arguments_fingerprint'])).size).toBe(2);
  });

  it('an explicit tool span covers its call: nothing is inferred twice', async () => {
    await anthropicLoop((call) => runTool({ name: call.name, callId: call.id, arguments: call.input }, () => getWeather(call.input)));
    await settle();
    const tools = tracing.toolSpans();
    expect(tools).toHaveLength(1);
    expect(tools[0].attributes['otel_genai.tool.inferred']).toBeUndefined();
    expect(tools[0].attributes['gen_ai.tool.call.id']).toBe('toolu_01qZru8cdgXwJyMEbVaFvDsj');
  });

  it('keeps a bounded ledger of pending calls', () => {
    const calls = Array.from({ length: 3000 }, (_, i) => ({ id: `call_bound_${i}`, name: 'noop' }));
    toolCallLedger.expect(calls, Date.now());
    expect(toolCallLedger.size).toBeLessThanOrEqual(1024);
    expect(toolCallLedger.take('call_bound_2999')).toBeDefined();
    expect(toolCallLedger.take('call_bound_0')).toBeUndefined();
  });
});

describe('SDK runners with zod tools', () => {
  const { z } = require('zod') as typeof import('zod');

  it('OpenAI runTools with zodFunction tools: explicit tool spans with the call ids, and the run and tools measured', async () => {
    const { zodFunction } = require('openai/helpers/zod') as typeof import('openai/helpers/zod');
    const { model, messages, tools } = fixtureRequest('openai/chat-tool-calls');
    const definition = tools[0].function;
    const getWeatherTool = zodFunction({
      name: definition.name,
      description: definition.description,
      parameters: z.object({ location: z.string().describe(definition.parameters.properties.location.description) }),
      function: ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 18 }),
    });
    // With a global meter provider, the run and its tool calls are measured too.
    const reader = new MetricsReader();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [reader] }));
    try {
      const content = await replay.openai.chat.completions.runTools({ model, messages, tools: [getWeatherTool] }).finalContent();
      expect(content).toBe("It's 18 °C in both Paris and London right now.");
      await settle();
      expect(
        tracing
          .toolSpans()
          .map((span) => [span.attributes['gen_ai.tool.call.id'], span.attributes['otel_genai.tool.inferred']])
          .sort(),
      ).toEqual([
        ['call_2syLe4iVWPM1EuaRQS9PYAa6', undefined],
        ['call_towiSyY2E2cNJtAdJGZDwU25', undefined],
      ]);
      // runTools() sends every request of the run with the one model it was given.
      expect(byOperation('invoke_agent').map((span) => span.attributes['gen_ai.request.model'])).toEqual([model]);
      const { resourceMetrics } = await reader.collect();
      const measured = Object.fromEntries(
        resourceMetrics.scopeMetrics
          .flatMap((scope) => scope.metrics)
          .map((metric) => [
            metric.descriptor.name,
            metric.dataPoints.map((point) => [(point.value as { count: number }).count, (point.value as { sum: number }).sum]),
          ]),
      );
      expect(measured['gen_ai.invoke_agent.duration'].map(([count]) => count)).toEqual([1]);
      expect(measured['gen_ai.execute_tool.duration'].map(([count]) => count)).toEqual([2]);
      // One run: two chat calls (the tool calls, then the answer) and two tool calls.
      expect(byOperation('chat')).toHaveLength(2);
      expect(measured['gen_ai.invoke_agent.inference_calls']).toEqual([[1, 2]]);
      expect(measured['gen_ai.invoke_agent.tool_calls']).toEqual([[1, 2]]);
    } finally {
      metrics.disable();
    }
  });

  it('Anthropic toolRunner with betaZodTool tools', async () => {
    const { betaZodTool } = require('@anthropic-ai/sdk/helpers/beta/zod') as typeof import('@anthropic-ai/sdk/helpers/beta/zod');
    const [definition] = WEATHER_TOOLS;
    const tool = betaZodTool({
      name: definition.name,
      description: definition.description,
      inputSchema: z.object({ location: z.string().describe(definition.input_schema.properties.location.description) }),
      run: ({ location }: { location: string }) => getWeather({ location }),
    });
    const final = await weatherToolRunner(replay.anthropic, [tool]);
    expect(final.content[0].text).toBe("It's sunny in Lisbon right now, at about 19 °C.");
    await settle();
    expect(
      tracing.toolSpans().map((span) => [span.attributes['gen_ai.tool.call.id'], span.attributes['otel_genai.tool.inferred']]),
    ).toEqual([['toolu_01qZru8cdgXwJyMEbVaFvDsj', undefined]]);
    // setMessagesParams() can change a toolRunner's model mid-run: the run names none.
    expect(byOperation('invoke_agent').map((span) => span.attributes['gen_ai.request.model'])).toEqual([undefined]);
  });
});

describe('helpers: withAgent, runTool, traceTool', () => {
  it('return values untouched and errors rethrown unchanged, sync and async', async () => {
    const value = { answer: 42 };
    expect(withAgent({ name: 'sync' }, () => value)).toBe(value);
    await expect(withAgent({ name: 'async' }, async () => value)).resolves.toBe(value);
    const failure = new SyntaxError('bad plan');
    expect(() =>
      withAgent({ name: 'throws' }, () => {
        throw failure;
      }),
    ).toThrow(failure);
    await expect(withAgent({ name: 'rejects' }, () => Promise.reject(failure))).rejects.toBe(failure);

    const add = traceTool({ name: 'add', description: 'adds two numbers' }, (a: number, b: number) => a + b);
    expect(add(2, 3)).toBe(5);
    const fetchTool = traceTool(
      { name: 'fetch_page', callId: (call: { id: string }) => call.id },
      async (call: { id: string }) => `page for ${call.id}`,
    );
    await expect(fetchTool({ id: 'call_abc' })).resolves.toBe('page for call_abc');
    expect(() =>
      runTool({ name: 'broken' }, () => {
        throw failure;
      }),
    ).toThrow(failure);

    const agents = byOperation('invoke_agent');
    expect(agents.map((span) => [span.name, span.status.code, span.attributes['error.type']])).toEqual([
      ['invoke_agent sync', SpanStatusCode.UNSET, undefined],
      ['invoke_agent async', SpanStatusCode.UNSET, undefined],
      ['invoke_agent throws', SpanStatusCode.ERROR, 'SyntaxError'],
      ['invoke_agent rejects', SpanStatusCode.ERROR, 'SyntaxError'],
    ]);
    const tools = byOperation('execute_tool');
    expect(tools.map((span) => [span.name, span.attributes['gen_ai.tool.call.id'], span.attributes['error.type']])).toEqual([
      ['execute_tool add', undefined, undefined],
      ['execute_tool fetch_page', 'call_abc', undefined],
      ['execute_tool broken', undefined, 'SyntaxError'],
    ]);
    expect(tools[0].attributes['gen_ai.tool.description']).toBe('adds two numbers');
  });

  it('budgets annotate the run and never stop it', async () => {
    const answer = await withAgent({ name: 'budgeted', maxModelCalls: 1, maxToolCalls: 0, repeatThreshold: 2 }, async () => {
      const text = await anthropicLoop();
      runTool({ name: 'lookup', arguments: { q: 'same' } }, () => 1);
      runTool({ name: 'lookup', arguments: { q: 'same' } }, () => 1);
      return text;
    });
    expect(answer).toBe("It's sunny in Lisbon right now, at about 19 °C.");
    await settle();
    const [agent] = byOperation('invoke_agent');
    expect(agent.attributes['otel_genai.agent.budgets_exceeded']).toEqual(['tool_calls', 'model_calls', 'tool_repeats']);
    expect(agent.attributes['otel_genai.agent.max_tool_repeats']).toBe(2);
    expect(agent.events.map((event) => [event.name, event.attributes?.budget, event.attributes?.limit])).toEqual([
      ['otel_genai.agent.budget_exceeded', 'tool_calls', 0],
      ['otel_genai.agent.budget_exceeded', 'model_calls', 1],
      ['otel_genai.agent.budget_exceeded', 'tool_repeats', 2],
    ]);
    expect(agent.status.code).toBe(SpanStatusCode.UNSET);
  });

  it('concurrent agents keep their own spans and totals', async () => {
    const runs = Array.from({ length: 6 }, (_, i) =>
      withAgent({ name: `agent-${i}` }, async () => {
        await replay.anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] });
        await runTool({ name: 'wait', callId: `call_wait_${i}` }, () => new Promise((resolve) => setTimeout(resolve, 5 * (6 - i))));
        if (i % 2 === 0)
          await replay.anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.cache }] });
        return i;
      }),
    );
    expect(await Promise.all(runs)).toEqual([0, 1, 2, 3, 4, 5]);
    await settle();
    for (const agent of byOperation('invoke_agent')) {
      const i = Number(agent.name.split('-')[1]);
      const children = tracing.genAISpans().filter((span) => parentOf(span) === agent.spanContext().spanId);
      expect(children.filter((span) => span.kind === SpanKind.CLIENT)).toHaveLength(i % 2 === 0 ? 2 : 1);
      expect(children.filter((span) => span.attributes['gen_ai.tool.call.id'] === `call_wait_${i}`)).toHaveLength(1);
      expect(children).toHaveLength(i % 2 === 0 ? 3 : 2);
      expect(agent.attributes['gen_ai.usage.input_tokens']).toBe(21 + (i % 2 === 0 ? 12 + 2048 + 1024 : 0));
    }
  });
});
