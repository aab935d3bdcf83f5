/**
 * Each instrumented client's content options govern its own spans only (issue 18 item 2): its
 * model calls, its SDK tool runners' tool spans, and the tool calls its responses asked for, each
 * through its own redact hook, whatever other clients were instrumented with, and in which order.
 * No module hook here: the SDKs are loaded with no instrumentation in the process, as in a bundle.
 */
import { createRequire } from 'node:module';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { instrumentClient, runTool } from '../../src';
import type { Part, RedactContext } from '../../src/content';
import type { ReplayServer } from '../../src/testing/replay-server';
import { fixtureRequest, PROMPTS, startFixtureServer, WEATHER_TOOLS, weatherToolRunner } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

/* eslint-disable @typescript-eslint/no-explicit-any -- SDK clients driven as an app drives them */

delete process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT;

const tracing = setupTracing();
const requireSDK = createRequire(__filename);
const Anthropic = requireSDK('@anthropic-ai/sdk').default;
const OpenAI = requireSDK('openai').default;

const MODEL = 'claude-sonnet-5-5';
/** A redact hook that replaces each tool value with who redacted it and what it was. */
const markedBy =
  (who: string) =>
  (part: Part, { kind }: RedactContext) =>
    kind === 'arguments' || kind === 'result' ? { ...part, content: `[${who}: ${kind}]` } : part;
const sunny = ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' });
const mild = ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 18 });

let server: ReplayServer;
beforeAll(async () => {
  server = await startFixtureServer(0);
});
afterAll(() => server.close());
beforeEach(() => {
  tracing.exporter.reset();
  server.reset();
});

const anthropicClient = (options?: object) =>
  instrumentClient(new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 }), options);
const openAIClient = (options?: object) =>
  instrumentClient(new OpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries: 0 }), options);

async function anthropicRun(client: any): Promise<void> {
  server.reset();
  const final = await weatherToolRunner(client, [{ ...WEATHER_TOOLS[0], run: sunny }]);
  expect(final.content[0].text).toBe("It's sunny in Lisbon right now, at about 19 °C.");
}

async function openAIRun(client: any): Promise<void> {
  server.reset();
  const { model, messages, tools } = fixtureRequest('openai/chat-tool-calls');
  const { name, description, parameters } = tools[0].function;
  const content = await client.chat.completions
    .runTools({
      model,
      messages,
      tools: [{ type: 'function', function: { function: mild, parse: JSON.parse, name, description, parameters } }],
    })
    .finalContent();
  expect(content).toBe("It's 18 °C in both Paris and London right now.");
}

/** What each tool span recorded: [arguments, result]. */
async function toolValues(): Promise<Array<[unknown, unknown]>> {
  await settle();
  return tracing
    .toolSpans()
    .map((span: ReadableSpan) => [span.attributes['gen_ai.tool.call.arguments'], span.attributes['gen_ai.tool.call.result']]);
}

describe("SDK tool runners: a client's tool spans follow its own options", () => {
  it("Anthropic toolRunner(): through the client's redact hook, though a client without one was instrumented later", async () => {
    const redacting = anthropicClient({ captureMessageContent: true, redact: markedBy('redacting') });
    const plain = anthropicClient({ captureMessageContent: true });
    const quiet = anthropicClient();
    await anthropicRun(redacting);
    expect(await toolValues()).toEqual([['[redacting: arguments]', '[redacting: result]']]);
    tracing.exporter.reset();
    await anthropicRun(plain);
    expect(await toolValues()).toEqual([['{"location":"Lisbon, Portugal"}', sunny({ location: 'Lisbon, Portugal' })]]);
    tracing.exporter.reset();
    await anthropicRun(quiet);
    expect(await toolValues()).toEqual([[undefined, undefined]]);
  });

  it("OpenAI runTools(): through the client's redact hook, though a client with capture off was instrumented later", async () => {
    const redacting = openAIClient({ captureMessageContent: true, redact: markedBy('redacting') });
    const quiet = openAIClient({ captureMessageContent: false });
    await openAIRun(redacting);
    expect(await toolValues()).toEqual([
      ['[redacting: arguments]', '[redacting: result]'],
      ['[redacting: arguments]', '[redacting: result]'],
    ]);
    tracing.exporter.reset();
    await openAIRun(quiet);
    expect(await toolValues()).toEqual([
      [undefined, undefined],
      [undefined, undefined],
    ]);
  });
});

describe("model calls and the tool calls their responses ask for: the client's own options", () => {
  it('each client through its own redact hook', async () => {
    const first = anthropicClient({
      captureMessageContent: true,
      redact: (part: Part) => (part.type === 'text' ? { ...part, content: '[first]' } : part),
    });
    const second = anthropicClient({
      captureMessageContent: true,
      redact: (part: Part) => (part.type === 'text' ? { ...part, content: '[second]' } : part),
    });
    const request = { model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] };
    await first.messages.create(request);
    server.reset();
    await second.messages.create(request);
    server.reset();
    await first.messages.create(request);
    await settle();
    expect(
      tracing.inferenceSpans().map((span) => JSON.parse(span.attributes['gen_ai.input.messages'] as string)[0].parts[0].content),
    ).toEqual(['[first]', '[second]', '[first]']);
  });

  it("a runTool for a call the client's response asked for: under that client's options", async () => {
    const redacting = anthropicClient({ captureMessageContent: true, redact: markedBy('redacting') });
    // Instrumented later, with capture on and no hook.
    anthropicClient({ captureMessageContent: 'SPAN_ONLY', maxContentLength: 4096 });
    const reply = await redacting.messages.create({
      model: MODEL,
      max_tokens: 1024,
      tools: WEATHER_TOOLS,
      messages: [{ role: 'user', content: PROMPTS.toolUse }],
    });
    const call = reply.content.find((block: { type: string }) => block.type === 'tool_use');
    runTool({ name: call.name, callId: call.id, arguments: call.input }, () => sunny(call.input));
    expect(await toolValues()).toEqual([['[redacting: arguments]', '[redacting: result]']]);
  });
});
