import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { startReplayServer } from '../../src/testing/replay-server';
import type { ReplayServer } from '../../src/testing/replay-server';

export const FIXTURES = join(__dirname, '..', '..', 'fixtures');
export const ANTHROPIC_FIXTURES = join(FIXTURES, 'anthropic');

/** A replay server over the bundled fixtures, replaying 20 times faster than recorded. */
export function startFixtureServer(delayScale = 0.05): Promise<ReplayServer> {
  return startReplayServer({ fixtures: FIXTURES, delayScale });
}

/** The prompts the bundled Anthropic fixtures answer (see each fixture's request.match). */
export const PROMPTS = {
  text: 'What is the capital of France? Answer in one word.',
  cache: "Using the style guide in the system prompt, rewrite this sentence: 'the meeting got moved to thursday'.",
  toolUse: 'What is the weather like in Lisbon right now?',
  maxTokens: 'Write a detailed history of the printing press.',
  streamText: 'Tell me a short story about a lighthouse.',
  streamToolUse: "What's the weather in Tokyo? Use the get_weather tool.",
  streamLong: 'Describe the water cycle in detail.',
  streamCut: 'Explain how a refrigerator works.',
  streamErrorEvent: 'List three uses for a paperclip.',
  error400: 'This request leaves out max_tokens.',
  error429: 'Say hello. (This request is rate limited.)',
  error500: 'Say hello. (This request hits a server error.)',
  retryThenOk: 'Say hello. (The first attempt is overloaded.)',
  betaText: 'Name one primary color.',
  betaStream: 'Give me a haiku about autumn leaves.',
  streamThinking: 'Is 391 a prime number?',
} as const;

/** What our span of the call the messages-text fixture answers (PROMPTS.text, model claude-sonnet-5-5) says of its reply. */
export const TEXT_REPLY_ATTRIBUTES = {
  'gen_ai.response.id': 'msg_01EDxgC9HgnvgQyQRUejyWUH',
  'gen_ai.response.model': 'claude-sonnet-5-5',
  'gen_ai.response.finish_reasons': ['end_turn'],
  'gen_ai.usage.input_tokens': 21,
  'gen_ai.usage.output_tokens': 4,
  'gen_ai.usage.cache_read.input_tokens': 0,
  'gen_ai.usage.cache_write.input_tokens': 0,
  'gen_ai.usage.cache_creation.input_tokens': 0,
};

/** The get_weather tool the weather fixtures are asked with (their request's `tools`). */
export const WEATHER_TOOLS = fixtureRequest('anthropic/messages-tool-use').tools;

/**
 * The hand-written tool loop the weather fixtures answer (messages-tool-use, then messages-tool-result):
 * a call that asks for get_weather, then one with its result.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an Anthropic client of any SDK version
export async function anthropicWeatherLoop(client: any): Promise<void> {
  const messages: unknown[] = [{ role: 'user', content: PROMPTS.toolUse }];
  for (;;) {
    const reply = await client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 1024, tools: WEATHER_TOOLS, messages });
    messages.push({ role: 'assistant', content: reply.content });
    const calls = reply.content.filter((block: { type: string }) => block.type === 'tool_use');
    if (calls.length === 0) return;
    messages.push({
      role: 'user',
      content: calls.map((call: { id: string; input: { location: string } }) => ({
        type: 'tool_result',
        tool_use_id: call.id,
        content: JSON.stringify({ location: call.input.location, temperature_c: 19, conditions: 'sunny' }),
      })),
    });
  }
}

/**
 * An Anthropic client's `beta.messages.toolRunner()` over the weather fixtures (PROMPTS.toolUse) with
 * `tools`, and `options` (stream, runToolsEagerly) over its params.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an Anthropic client of any SDK version
export function weatherToolRunner(client: any, tools: unknown[], options: { stream?: true; runToolsEagerly?: true } = {}) {
  return client.beta.messages.toolRunner({
    model: 'claude-sonnet-5-5',
    max_tokens: 1024,
    ...options,
    tools,
    messages: [{ role: 'user', content: PROMPTS.toolUse }],
  });
}

/** The request body fields a fixture matches on: a test sends these (plus anything unmatched). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- passed to SDK methods of several versions
export function fixtureRequest(name: string): any {
  const fixture = JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8'));
  return structuredClone(fixture.request.match);
}

/**
 * A fixture server and an Anthropic client of it, for the whole test file: started before its
 * tests, closed after them. Call it after the instrumentation exists, as an app's SDK would load.
 */
export function anthropicOverReplay(delayScale?: number) {
  const Anthropic = createRequire(__filename)('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
  const replay = {} as { server: ReplayServer; client: any };
  beforeAll(async () => {
    replay.server = await startFixtureServer(delayScale);
    replay.client = new Anthropic({ apiKey: 'test-key', baseURL: replay.server.url, maxRetries: 0 });
  });
  afterAll(() => replay.server.close());
  return replay;
}

/**
 * A fixture server and a client of it made by `OpenAI` (no retries; the installed openai's class
 * unless given a copy's), for the whole test file or describe block: started before its tests,
 * closed after them, its served sequences reset before each test. Call it after the instrumentation
 * exists, as an app's SDK would load.
 */
export function openAIOverReplay<Client = InstanceType<typeof import('openai').default>>(
  OpenAI: new (options: { apiKey: string; baseURL: string; maxRetries: number }) => Client = createRequire(__filename)('openai').default,
): { server: ReplayServer; client: Client } {
  const replay = {} as { server: ReplayServer; client: Client };
  beforeAll(async () => {
    replay.server = await startFixtureServer();
    replay.client = new OpenAI({ apiKey: 'test-key', baseURL: `${replay.server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => replay.server.close());
  beforeEach(() => replay.server.reset());
  return replay;
}

/**
 * A fixture server with an Anthropic and an OpenAI client of it (no retries), for the whole test
 * file: started before its tests, closed after them, its served sequences reset before each test.
 * Call it after the instrumentations exist, as an app's SDKs would load.
 */
export function clientsOverReplay(delayScale?: number) {
  const requireSDK = createRequire(__filename);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
  const replay = {} as { server: ReplayServer; anthropic: any; openai: any };
  beforeAll(async () => {
    replay.server = await startFixtureServer(delayScale);
    const Anthropic = requireSDK('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;
    const OpenAI = requireSDK('openai').default as typeof import('openai').default;
    replay.anthropic = new Anthropic({ apiKey: 'test-key', baseURL: replay.server.url, maxRetries: 0 });
    replay.openai = new OpenAI({ apiKey: 'test-key', baseURL: `${replay.server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => replay.server.close());
  beforeEach(() => replay.server.reset());
  return replay;
}
