/**
 * The SDK tool runners as apps drive them by hand (issue 18, items 17 and 18), on every SDK copy we
 * test: `@anthropic-ai/sdk` 1.x and 0.133, `openai` 7, 6, 5 and 4.
 *
 * - Item 17: `runner.generateToolResponse()` called from the app's loop body (to look at the tool
 *   results before the runner sends them), and the calls a `runToolsEagerly` runner starts while the
 *   app reads the stream: the tools run once each, and their spans join the run.
 * - Item 18: the runner is built from the app's own params and tools. What the app can observe
 *   (`runner.params.tools` and its tools, compared with `===`; a change the app makes to its params
 *   after building the runner; a tool's `this`, its function's `name` and `length`; a tool removed
 *   by identity) is the same with the instrumentation as without it.
 *
 * Every scenario runs without the instrumentation, then with it, and must observe the same.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, OpenAIInstrumentation } from '../../src';
import type { ReplayServer } from '../../src/testing/replay-server';
import { fixtureRequest, PROMPTS, startFixtureServer, WEATHER_TOOLS, weatherToolRunner } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

/* eslint-disable @typescript-eslint/no-explicit-any -- one body drives six SDK copies */

const tracing = setupTracing();
const anthropicInstrumentation = new AnthropicInstrumentation();
const openAIInstrumentation = new OpenAIInstrumentation();
for (const instrumentation of [anthropicInstrumentation, openAIInstrumentation]) instrumentation.setTracerProvider(tracing.provider);

// Loaded after the instrumentations exist, as an app's would be under `--import`.
const compat = (folder: string) => createRequire(join(__dirname, '..', '..', 'compat', folder, 'package.json'));
const ANTHROPIC_SDKS: Array<[string, any]> = [
  ['@anthropic-ai/sdk 1.x', createRequire(__filename)('@anthropic-ai/sdk').default],
  ['@anthropic-ai/sdk 0.133', compat('anthropic-sdk-0.133')('@anthropic-ai/sdk').default],
];
const OPENAI_SDKS: Array<[string, any, (client: any) => any]> = [
  ['openai 7', createRequire(__filename)('openai').default, (client) => client.chat.completions],
  ['openai 6', compat('openai-6')('openai').default, (client) => client.chat.completions],
  ['openai 5', compat('openai-5')('openai').default, (client) => client.chat.completions],
  ['openai 4', compat('openai-4')('openai').default, (client) => client.beta.chat.completions],
];

let server: ReplayServer;
beforeAll(async () => {
  server = await startFixtureServer(0);
});
afterAll(() => server.close());
beforeEach(() => {
  anthropicInstrumentation.enable();
  openAIInstrumentation.enable();
  tracing.exporter.reset();
  server.reset();
});

/** Runs `scenario` without the instrumentation, then with it: the app must observe the same. */
async function bareAndTraced<T>(instrumentation: AnthropicInstrumentation | OpenAIInstrumentation, scenario: () => Promise<T>): Promise<T> {
  instrumentation.disable();
  server.reset();
  const bare = await scenario();
  instrumentation.enable();
  server.reset();
  tracing.exporter.reset();
  const traced = await scenario();
  expect(traced).toEqual(bare);
  await settle();
  return traced;
}

const byOperation = (operation: string) => tracing.genAISpans().filter((span) => span.attributes['gen_ai.operation.name'] === operation);
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

/** One run: its invoke_agent span parents every tool span, in its trace, and counts them. */
function expectToolsInRun(callIds: string[]) {
  const agents = byOperation('invoke_agent');
  expect(agents).toHaveLength(1);
  const [agent] = agents;
  const tools = byOperation('execute_tool');
  expect(tools.map((span) => span.attributes['gen_ai.tool.call.id']).sort()).toEqual([...callIds].sort());
  for (const tool of tools) {
    expect(tool.attributes['otel_genai.tool.inferred']).toBeUndefined();
    expect(tool.spanContext().traceId).toBe(agent.spanContext().traceId);
    expect(parentOf(tool)).toBe(agent.spanContext().spanId);
  }
  expect(agent.attributes['otel_genai.agent.tool_calls']).toBe(callIds.length);
}

const MODEL = 'claude-sonnet-5-5';
const LISBON = "It's sunny in Lisbon right now, at about 19 °C.";
const sunny = ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' });
const user = (content: string) => [{ role: 'user' as const, content }];
const textOf = (message: { content: Array<{ type: string; text?: string }> }) =>
  message.content
    .filter((block) => block.type === 'text')
    .map((block) => block.text)
    .join('');

for (const [sdk, Anthropic] of ANTHROPIC_SDKS) {
  describe(`${sdk} toolRunner()`, () => {
    let client: any;
    beforeAll(() => {
      client = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
    });

    /** A tool that counts its runs. */
    const countingTool = () => {
      const tool = { ...WEATHER_TOOLS[0], runs: 0, run: (input: { location: string }) => (tool.runs++, sunny(input)) };
      return tool;
    };

    describe('item 17: tools the app runs through generateToolResponse() join the run, once each', () => {
      it('not streamed: the app looks at the tool results from its loop body', async () => {
        const seen = await bareAndTraced(anthropicInstrumentation, async () => {
          const tool = countingTool();
          const runner = weatherToolRunner(client, [tool]);
          const responses: unknown[] = [];
          const texts: string[] = [];
          for await (const message of runner) {
            texts.push(textOf(message));
            responses.push(await runner.generateToolResponse());
          }
          return { responses, texts, runs: tool.runs };
        });
        expect(seen.runs).toBe(1);
        expect(seen.texts.at(-1)).toBe(LISBON);
        expect(seen.responses[0]).toMatchObject({
          role: 'user',
          content: [{ type: 'tool_result', tool_use_id: 'toolu_01qZru8cdgXwJyMEbVaFvDsj' }],
        });
        expectToolsInRun(['toolu_01qZru8cdgXwJyMEbVaFvDsj']);
        expect(byOperation('chat').every((span) => parentOf(span) === byOperation('invoke_agent')[0].spanContext().spanId)).toBe(true);
      });

      it('streamed: after the reply has streamed', async () => {
        const seen = await bareAndTraced(anthropicInstrumentation, async () => {
          const tool = countingTool();
          const runner = weatherToolRunner(client, [tool], { stream: true });
          const responses: unknown[] = [];
          for await (const stream of runner) {
            await stream.finalMessage();
            responses.push(await runner.generateToolResponse());
          }
          return { responses, runs: tool.runs };
        });
        expect(seen.runs).toBe(1);
        expectToolsInRun(['toolu_01Hn5tVx8QkWm2Lr7PzY4cJd']);
      });

      it('runToolsEagerly: the calls started while the app reads the stream, and generateToolResponse() after', async () => {
        const seen = await bareAndTraced(anthropicInstrumentation, async () => {
          const tool = countingTool();
          const runner = weatherToolRunner(client, [tool], { stream: true, runToolsEagerly: true });
          const results: unknown[] = [];
          for await (const stream of runner) {
            for await (const event of stream) void event;
            results.push(await runner.generateToolResponse());
          }
          return { results, runs: tool.runs };
        });
        expect(seen.runs).toBe(1);
        expectToolsInRun(['toolu_01Hn5tVx8QkWm2Lr7PzY4cJd']);
      });

      it.skipIf(typeof Anthropic.Beta?.Messages?.prototype?.thread !== 'function')("a thread's toolRunner()", async () => {
        const seen = await bareAndTraced(anthropicInstrumentation, async () => {
          const tool = countingTool();
          const params = { model: MODEL, max_tokens: 1024, tools: [tool], messages: user(PROMPTS.toolUse) };
          const thread = client.beta.messages.thread(params);
          const runner = thread.toolRunner();
          // The thread holds the app's own params and tools too.
          const texts: string[] = [String(thread.params === params || thread.params?.tools === params.tools)];
          for await (const message of runner) {
            await runner.generateToolResponse();
            texts.push(textOf(message));
            // The runner's tools are the app's own objects.
            texts.push(String(runner.params.tools[0] === tool));
          }
          return { texts, runs: tool.runs };
        });
        expect(seen).toEqual({ texts: ['true', "I'll look up the current conditions in Lisbon.", 'true', LISBON, 'true'], runs: 1 });
        expectToolsInRun(['toolu_01qZru8cdgXwJyMEbVaFvDsj']);
      });
    });

    describe("item 18: the runner holds the app's own params and tools", () => {
      it('runner.params.tools and its tools are the very ones the app gave, during and after the run', async () => {
        const seen = await bareAndTraced(anthropicInstrumentation, async () => {
          const tool = countingTool();
          const { run } = tool;
          const params = { model: MODEL, max_tokens: 1024, tools: [tool], messages: user(PROMPTS.toolUse) };
          const runner = client.beta.messages.toolRunner(params);
          const observed: unknown[] = [runner.params.tools === params.tools, runner.params.tools[0] === tool];
          for await (const message of runner) {
            const tools = runner.params.tools;
            observed.push(
              message.stop_reason,
              tools === params.tools,
              tools[0] === tool,
              tools[0].run.name,
              tools[0].run.length,
              Object.keys(tools[0]),
            );
          }
          const { value, ...descriptor } = Object.getOwnPropertyDescriptor(tool, 'run')!;
          observed.push(tool.run === run, value === run, descriptor, Object.keys(tool), tool.runs);
          return observed;
        });
        expect(seen.slice(0, 4)).toEqual([true, true, 'tool_use', true]);
        expect(byOperation('execute_tool')).toHaveLength(1);
      });

      it('a tool the app pushes onto its params.tools after building the runner is run', async () => {
        const seen = await bareAndTraced(anthropicInstrumentation, async () => {
          const tool = countingTool();
          const params = { model: MODEL, max_tokens: 1024, tools: [] as unknown[], messages: user(PROMPTS.toolUse) };
          const runner = client.beta.messages.toolRunner(params);
          params.tools.push(tool);
          const final = await runner;
          return { text: textOf(final), runs: tool.runs };
        });
        expect(seen).toEqual({ text: LISBON, runs: 1 });
        expectToolsInRun(['toolu_01qZru8cdgXwJyMEbVaFvDsj']);
      });

      it('a tool removed by identity with setMessagesParams() is gone', async () => {
        const seen = await bareAndTraced(anthropicInstrumentation, async () => {
          const tool = countingTool();
          const decoy = {
            name: 'get_time',
            description: 'The time in a city.',
            input_schema: { type: 'object', properties: {} },
            run: () => '12:00',
          };
          const runner = weatherToolRunner(client, [tool, decoy]);
          runner.setMessagesParams((params: { tools: unknown[] }) => ({
            ...params,
            tools: params.tools.filter((candidate) => candidate !== decoy),
          }));
          const final = await runner.runUntilDone();
          return { text: textOf(final), runs: tool.runs, tools: runner.params.tools.length };
        });
        expect(seen).toEqual({ text: LISBON, runs: 1, tools: 1 });
        expectToolsInRun(['toolu_01qZru8cdgXwJyMEbVaFvDsj']);
      });

      it("a class tool runs as its own instance (this, its state), and keeps its prototype's run", async () => {
        class WeatherTool {
          readonly name = WEATHER_TOOLS[0].name;
          readonly description = WEATHER_TOOLS[0].description;
          readonly input_schema = WEATHER_TOOLS[0].input_schema;
          readonly calls: unknown[] = [];
          run(input: { location: string }) {
            this.calls.push(input.location);
            return sunny(input);
          }
        }
        const seen = await bareAndTraced(anthropicInstrumentation, async () => {
          const tool = new WeatherTool();
          const runner = weatherToolRunner(client, [tool], { stream: true });
          const names: unknown[] = [];
          for await (const stream of runner) {
            await stream.finalMessage();
            names.push(runner.params.tools[0] === tool, tool.run.name, tool.run.length);
          }
          return { names, calls: tool.calls, own: Object.getOwnPropertyNames(tool), run: tool.run === WeatherTool.prototype.run };
        });
        expect(seen).toEqual({
          names: [true, 'run', 1, true, 'run', 1],
          calls: ['Lisbon, Portugal'],
          own: ['name', 'description', 'input_schema', 'calls'],
          run: true,
        });
        expectToolsInRun(['toolu_01Hn5tVx8QkWm2Lr7PzY4cJd']);
      });

      it('a frozen tool runs untouched: no explicit span (its run cannot be wrapped), the inferred one', async () => {
        const seen = await bareAndTraced(anthropicInstrumentation, async () => {
          const tool = Object.freeze({ ...WEATHER_TOOLS[0], run: sunny });
          const final = await weatherToolRunner(client, [tool]);
          return { text: textOf(final), run: tool.run === sunny };
        });
        expect(seen).toEqual({ text: LISBON, run: true });
        const [agent] = byOperation('invoke_agent');
        const tools = byOperation('execute_tool');
        expect(
          tools.map((span) => [span.attributes['gen_ai.tool.call.id'], span.attributes['otel_genai.tool.inferred'], parentOf(span)]),
        ).toEqual([['toolu_01qZru8cdgXwJyMEbVaFvDsj', true, agent.spanContext().spanId]]);
      });

      it("a tool shared by two runs at once: each run's call in its own run, the tool as it was after both", async () => {
        const tool = countingTool();
        const { run } = tool;
        const start = () => weatherToolRunner(client, [tool]);
        const finals = await Promise.all([start(), start()]);
        expect(finals.map(textOf)).toEqual([LISBON, LISBON]);
        expect(tool.run).toBe(run);
        expect(Object.keys(tool)).toEqual(['name', 'description', 'input_schema', 'runs', 'run']);
        await settle();
        const agents = byOperation('invoke_agent');
        expect(agents).toHaveLength(2);
        for (const agent of agents) {
          expect(byOperation('execute_tool').filter((span) => parentOf(span) === agent.spanContext().spanId)).toHaveLength(1);
          expect(agent.attributes['otel_genai.agent.tool_calls']).toBe(1);
        }
        // Outside a run, the app's own call of the tool makes no span.
        tracing.exporter.reset();
        expect(tool.run({ location: 'Lisbon, Portugal' })).toBe(sunny({ location: 'Lisbon, Portugal' }));
        expect(byOperation('execute_tool')).toHaveLength(0);
      });
    });
  });
}

for (const [sdk, OpenAI, helpers] of OPENAI_SDKS) {
  describe(`${sdk} runTools()`, () => {
    let client: any;
    beforeAll(() => {
      client = new OpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
    });

    const CALL_IDS = ['call_towiSyY2E2cNJtAdJGZDwU25', 'call_2syLe4iVWPM1EuaRQS9PYAa6'];
    const ANSWER = "It's 18 °C in both Paris and London right now.";

    /** The fixture's tool as an app writes it, with what its function and parse see. */
    function weatherTool(fields: { name?: boolean } = {}) {
      const { name, description, parameters } = fixtureRequest('openai/chat-tool-calls').tools[0].function;
      const seen: unknown[] = [];
      const definition: Record<string, unknown> = {
        ...(fields.name === false ? {} : { name }),
        description,
        parameters,
        parse(text: string) {
          seen.push(['parse this', this === definition]);
          return JSON.parse(text);
        },
        function: function get_weather(this: unknown, args: { location: string }) {
          seen.push(['function this', this === definition]);
          return JSON.stringify({ location: args.location, temperature_c: 18 });
        },
      };
      return { tool: { type: 'function', function: definition }, definition, seen };
    }

    it("item 18: a tool function runs with the app's definition as this, and keeps its name", async () => {
      const seen = await bareAndTraced(openAIInstrumentation, async () => {
        const { model, messages } = fixtureRequest('openai/chat-tool-calls');
        const { tool, definition, seen: calls } = weatherTool();
        const fn = definition.function;
        const content = await helpers(client)
          .runTools({ model, messages, tools: [tool] })
          .finalContent();
        return {
          content,
          calls,
          fn: definition.function === fn,
          name: (definition.function as () => void).name,
          tool: tool.function === definition,
        };
      });
      expect(seen.content).toBe(ANSWER);
      // Parsed and run once per call (in parallel from openai 6, one call after the other before).
      expect(seen.calls.map(String).sort()).toEqual(['function this,true', 'function this,true', 'parse this,true', 'parse this,true']);
      expect(seen).toMatchObject({ fn: true, name: 'get_weather', tool: true });
      expectToolsInRun(CALL_IDS);
    });

    it("item 18: a tool without a name is known by its function's name", async () => {
      const content = await bareAndTraced(openAIInstrumentation, async () => {
        const { model, messages } = fixtureRequest('openai/chat-tool-calls');
        const { tool } = weatherTool({ name: false });
        return helpers(client)
          .runTools({ model, messages, tools: [tool] })
          .finalContent();
      });
      expect(content).toBe(ANSWER);
      expectToolsInRun(CALL_IDS);
      expect(byOperation('execute_tool').map((span) => span.name)).toEqual(['execute_tool get_weather', 'execute_tool get_weather']);
    });

    it('item 18: a tool the app adds to its params after runTools() returned is run', async () => {
      const content = await bareAndTraced(openAIInstrumentation, async () => {
        const { model, messages } = fixtureRequest('openai/chat-tool-calls');
        const params = { model, messages, tools: [] as unknown[] };
        const runner = helpers(client).runTools(params);
        params.tools.push(weatherTool().tool);
        return runner.finalContent();
      });
      expect(content).toBe(ANSWER);
      expectToolsInRun(CALL_IDS);
    });

    it('frozen params and tools: traced all the same, and left as they are', async () => {
      const content = await bareAndTraced(openAIInstrumentation, async () => {
        const { model, messages } = fixtureRequest('openai/chat-tool-calls');
        const { tool, definition } = weatherTool();
        Object.freeze(definition);
        return helpers(client)
          .runTools(Object.freeze({ model, messages, tools: Object.freeze([Object.freeze(tool)]) }))
          .finalContent();
      });
      expect(content).toBe(ANSWER);
      expectToolsInRun(CALL_IDS);
    });

    it("item 18, streamed: the app's definition as this, a function's name for a nameless tool", async () => {
      const seen = await bareAndTraced(openAIInstrumentation, async () => {
        const { model, messages, tools } = fixtureRequest('openai/chat-stream-tool-calls');
        const { description, parameters } = tools[0].function;
        const calls: unknown[] = [];
        const definition = {
          description,
          parameters,
          parse: JSON.parse,
          function: function get_weather(this: unknown, { location }: { location: string }) {
            calls.push(this === definition);
            return JSON.stringify({ location, raining: false });
          },
        };
        const params = { model, messages, stream: true, tools: [] as unknown[] };
        const runner = helpers(client).runTools(params);
        params.tools.push({ type: 'function', function: definition });
        return { content: await runner.finalContent(), calls, name: definition.function.name };
      });
      expect(seen).toEqual({ content: "No, it's dry in Berlin right now.", calls: [true], name: 'get_weather' });
      expectToolsInRun(['call_FrlAf7sN4LO6S7MF2wqfSqNJ']);
    });
  });
}
