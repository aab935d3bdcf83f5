/**
 * Tool arguments and results are recorded under the content settings of the instrumentation a tool
 * call belongs to, never under whichever instrumentation was configured last (issue 18 item 2):
 * - a `runTool` whose `callId` a traced response asked for: that response's instrumentation;
 * - a `runTool` inside such a tool call: the same;
 * - a `runTool` that belongs to none: its own `content` option, else nothing (the environment
 *   variable alone is not enough: no instrumentation's redact hook would see the values).
 * Module hooks here; instrumented clients and the SDK tool runners are in tool-content-clients.test.ts.
 */
import { createRequire } from 'node:module';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, instrumentClient, OpenAIInstrumentation, runTool, traceTool } from '../../src';
import type { Part, RedactContext } from '../../src/content';
import { clientsOverReplay, fixtureRequest, PROMPTS, WEATHER_TOOLS } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

const ENV = 'OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT';
delete process.env[ENV];

/** A redact hook that replaces each tool value with who redacted it and what it was. */
const markedBy =
  (who: string) =>
  (part: Part, { kind }: RedactContext) => ({ ...part, content: `[${who}: ${kind}]` });

const tracing = setupTracing();
const anthropicOptions = { captureMessageContent: true, redact: markedBy('anthropic') } as const;
const anthropicInstrumentation = new AnthropicInstrumentation(anthropicOptions);
const openAIInstrumentation = new OpenAIInstrumentation();
for (const instrumentation of [anthropicInstrumentation, openAIInstrumentation]) instrumentation.setTracerProvider(tracing.provider);
const require = createRequire(__filename);
const Anthropic = require('@anthropic-ai/sdk').default;
const OpenAI = require('openai').default;

const MODEL = 'claude-sonnet-5-5';
const replay = clientsOverReplay(0);
beforeEach(() => {
  anthropicInstrumentation.setConfig(anthropicOptions);
  openAIInstrumentation.setConfig({});
  tracing.exporter.reset();
});
afterEach(() => {
  delete process.env[ENV];
});

/** The id of a tool call a traced Anthropic response asked for. */
async function anthropicCallId(): Promise<string> {
  replay.server.reset();
  const reply = await replay.anthropic.messages.create({
    model: MODEL,
    max_tokens: 1024,
    tools: WEATHER_TOOLS,
    messages: [{ role: 'user', content: PROMPTS.toolUse }],
  });
  return reply.content.find((block: { type: string }) => block.type === 'tool_use').id;
}

/** The id of a tool call a traced OpenAI response asked for. */
async function openAICallId(): Promise<string> {
  replay.server.reset();
  const completion = await replay.openai.chat.completions.create(fixtureRequest('openai/chat-tool-calls'));
  return completion.choices[0].message.tool_calls[0].id;
}

const getWeather = (callId: string | undefined, extra: Record<string, unknown> = {}) =>
  runTool({ name: 'get_weather', callId, arguments: { location: 'Lisbon' }, ...extra }, () => 'sunny, 19 °C');

/** What each tool span recorded: [name, arguments, result]. */
async function recorded(): Promise<Array<[string, unknown, unknown]>> {
  await settle();
  return tracing
    .toolSpans()
    .map((span: ReadableSpan) => [span.name, span.attributes['gen_ai.tool.call.arguments'], span.attributes['gen_ai.tool.call.result']]);
}

describe('a tool call a traced response asked for: under that instrumentation', () => {
  it("another instrumentation configured later does not bypass the first one's redact hook", async () => {
    const callId = await anthropicCallId();
    // Configured after the Anthropic one, capture on and no hook.
    openAIInstrumentation.setConfig({ captureMessageContent: true });
    getWeather(callId);
    expect(await recorded()).toEqual([['execute_tool get_weather', '[anthropic: arguments]', '[anthropic: result]']]);
  });

  it('another instrumentation configured later, capture off, does not turn it off', async () => {
    const callId = await anthropicCallId();
    openAIInstrumentation.setConfig({ captureMessageContent: false });
    getWeather(callId);
    expect(await recorded()).toEqual([['execute_tool get_weather', '[anthropic: arguments]', '[anthropic: result]']]);
  });

  it("an instrumentation with capture off: its tool calls record nothing, whatever the others' settings", async () => {
    const callId = await openAICallId();
    // Configured after the OpenAI one, capture on.
    anthropicInstrumentation.setConfig({ captureMessageContent: true });
    getWeather(callId, { content: { captureMessageContent: true } });
    expect(await recorded()).toEqual([['execute_tool get_weather', undefined, undefined]]);
  });

  it('a tool call made inside such a tool call belongs where it does', async () => {
    const callId = await anthropicCallId();
    runTool({ name: 'plan', callId }, () => runTool({ name: 'geocode', arguments: 'Lisbon' }, () => ({ lat: 38.7 })));
    expect(await recorded()).toEqual([
      ['execute_tool geocode', '[anthropic: arguments]', '[anthropic: result]'],
      ['execute_tool plan', undefined, '[anthropic: result]'],
    ]);
  });
});

describe('instrumentClient() with capture on, for one debug client', () => {
  it('turns on capture for no tool call of any other instrumentation, nor for one that belongs to none', async () => {
    instrumentClient(new Anthropic({ apiKey: 'test-key', baseURL: replay.server.url, maxRetries: 0 }), { captureMessageContent: true });
    instrumentClient(new OpenAI({ apiKey: 'test-key', baseURL: `${replay.server.url}/v1`, maxRetries: 0 }), {
      captureMessageContent: true,
    });
    const callId = await openAICallId();
    getWeather(callId);
    getWeather(undefined);
    traceTool({ name: 'search' }, (query: string) => `results for ${query}`)('lisbon weather');
    expect(await recorded()).toEqual([
      ['execute_tool get_weather', undefined, undefined],
      ['execute_tool get_weather', undefined, undefined],
      ['execute_tool search', undefined, undefined],
    ]);
  });
});

describe('a tool call that belongs to no instrumentation', () => {
  it('records nothing without its own content option, even with the environment variable set', async () => {
    process.env[ENV] = 'true';
    anthropicInstrumentation.setConfig(anthropicOptions);
    getWeather(undefined);
    // An id no traced response asked for.
    getWeather('toolu_unknown');
    traceTool({ name: 'search' }, (query: string) => `results for ${query}`)('lisbon weather');
    expect(await recorded()).toEqual([
      ['execute_tool get_weather', undefined, undefined],
      ['execute_tool get_weather', undefined, undefined],
      ['execute_tool search', undefined, undefined],
    ]);
  });

  it('records under its own content option: capture from it (or the environment), its redact hook', async () => {
    getWeather(undefined, { content: { captureMessageContent: true, redact: markedBy('tool') } });
    getWeather(undefined, { content: { captureMessageContent: true } });
    // No capture setting in the option: the environment's.
    getWeather(undefined, { content: {} });
    process.env[ENV] = 'true';
    getWeather(undefined, { content: {} });
    const search = traceTool(
      { name: 'search', content: { captureMessageContent: true, redact: markedBy('search') } },
      (query: string) => `results for ${query}`,
    );
    search('lisbon weather');
    search('porto weather');
    expect(await recorded()).toEqual([
      ['execute_tool get_weather', '[tool: arguments]', '[tool: result]'],
      ['execute_tool get_weather', '{"location":"Lisbon"}', 'sunny, 19 °C'],
      ['execute_tool get_weather', undefined, undefined],
      ['execute_tool get_weather', '{"location":"Lisbon"}', 'sunny, 19 °C'],
      ['execute_tool search', '[search: arguments]', '[search: result]'],
      ['execute_tool search', '[search: arguments]', '[search: result]'],
    ]);
  });

  it('a call that belongs to an instrumentation follows it, not its own content option', async () => {
    const callId = await anthropicCallId();
    getWeather(callId, { content: { captureMessageContent: true } });
    expect(await recorded()).toEqual([['execute_tool get_weather', '[anthropic: arguments]', '[anthropic: result]']]);
  });
});

describe("a failed tool's error text", () => {
  it('is recorded only where the call records content: its runTool content option, or its owner', async () => {
    const failure = new RangeError('no rate for "secret-account-42"');
    const failing = (content?: { captureMessageContent: boolean }) =>
      Promise.resolve(runTool({ name: 'convert', ...(content ? { content } : {}) }, () => Promise.reject(failure))).catch(() => undefined);
    await failing();
    await failing({ captureMessageContent: true });
    await settle();
    const [off, on] = tracing.toolSpans().slice(-2);
    expect(JSON.stringify([off.status, off.events])).not.toContain('secret-account-42');
    expect(on.status.message).toContain('secret-account-42');
  });
});
