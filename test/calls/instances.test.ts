/**
 * Several instances of one instrumentation, and an instance disabled and enabled again (issue 18
 * items 11 and 12): each call is traced once while any instance is enabled, and only an SDK really
 * loaded before an instance existed is warned about.
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { OpenAIInstrumentation as ContribOpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, OpenAIInstrumentation } from '../../src';
import type { ReplayServer } from '../../src/testing/replay-server';
import { fixtureRequest, PROMPTS, startFixtureServer } from '../helpers/replay';
import { captureDiag, settle, setupTracing } from '../helpers/tracing';

/* eslint-disable @typescript-eslint/no-explicit-any -- SDK clients driven as an app drives them */

const diagnostics = captureDiag();
const tracing = setupTracing();
// Two instances registered before the SDK loads, as two setups of one app might each register one.
const first = new AnthropicInstrumentation();
const second = new AnthropicInstrumentation();
for (const instrumentation of [first, second]) instrumentation.setTracerProvider(tracing.provider);
const Anthropic = createRequire(__filename)('@anthropic-ai/sdk').default;

const MODEL = 'claude-sonnet-5-5';
const LOADED_BEFORE = '@anthropic-ai/sdk was loaded before otel-genai';
const loadedBeforeWarnings = () => diagnostics.filter((line) => line.includes(LOADED_BEFORE));

let server: ReplayServer;
let client: any;
beforeAll(async () => {
  server = await startFixtureServer(0);
  client = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
});
afterAll(() => server.close());
beforeEach(() => {
  tracing.exporter.reset();
  server.reset();
});

/** The spans of one call (ours): one is right, whatever the instances. */
async function spansOfOneCall(): Promise<number> {
  tracing.exporter.reset();
  server.reset();
  const message = await client.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] });
  expect(message.content[0].text).toBe('Paris');
  await settle();
  return tracing.inferenceSpans().length;
}

describe('two enabled instances of one instrumentation (item 11)', () => {
  it('one span per call while both are enabled', async () => {
    expect(await spansOfOneCall()).toBe(1);
  });

  it('disabling the one that traces: the other, still enabled, traces in its place', async () => {
    first.disable();
    try {
      expect(second.isEnabled()).toBe(true);
      expect(await spansOfOneCall()).toBe(1);
      // Enabled again: still one span per call, whichever of the two traces it.
      first.enable();
      expect(await spansOfOneCall()).toBe(1);
      // And the other way round.
      second.disable();
      expect(await spansOfOneCall()).toBe(1);
    } finally {
      first.enable();
      second.enable();
    }
    expect(await spansOfOneCall()).toBe(1);
  });

  it('disabling both: no span; enabling either: one', async () => {
    first.disable();
    second.disable();
    try {
      expect(await spansOfOneCall()).toBe(0);
      second.enable();
      expect(await spansOfOneCall()).toBe(1);
    } finally {
      first.enable();
      second.enable();
    }
    expect(await spansOfOneCall()).toBe(1);
  });

  it('an instance made after the SDK loaded takes over the copy the others patched', async () => {
    const late = new AnthropicInstrumentation();
    late.setTracerProvider(tracing.provider);
    first.disable();
    second.disable();
    try {
      expect(await spansOfOneCall()).toBe(1);
    } finally {
      late.disable();
      first.enable();
      second.enable();
    }
    expect(await spansOfOneCall()).toBe(1);
  });
});

describe('the warning that an SDK was loaded before otel-genai (item 12)', () => {
  it('is not given by enable() after disable(), nor by enable() on an enabled instance', () => {
    const before = loadedBeforeWarnings().length;
    first.disable();
    first.enable();
    // registerInstrumentations() enables what it is given, enabled or not.
    second.enable();
    expect(loadedBeforeWarnings()).toHaveLength(before);
  });

  it('is given, once, by an instance made after the SDK was loaded', () => {
    const before = loadedBeforeWarnings().length;
    const late = new AnthropicInstrumentation();
    try {
      expect(loadedBeforeWarnings()).toHaveLength(before + 1);
      late.disable();
      late.enable();
      expect(loadedBeforeWarnings()).toHaveLength(before + 1);
    } finally {
      late.disable();
    }
  });
});

describe('two instances of ours beside contrib @opentelemetry/instrumentation-openai (item 11)', () => {
  const ours = new OpenAIInstrumentation();
  const other = new OpenAIInstrumentation();
  const contrib = new ContribOpenAIInstrumentation();
  for (const instrumentation of [ours, other, contrib]) instrumentation.setTracerProvider(tracing.provider);
  // Contrib patches openai < 7 only: the copy in the openai 6 workspace.
  const requireOpenAI = createRequire(join(__dirname, '..', '..', 'compat', 'openai-6', 'package.json'));
  const sdkFiles = dirname(requireOpenAI.resolve('openai')) + sep;
  let openai: any;

  beforeAll(() => {
    for (const file of Object.keys(requireOpenAI.cache)) if (file.startsWith(sdkFiles)) delete requireOpenAI.cache[file];
    const OpenAI = requireOpenAI('openai').OpenAI;
    openai = new OpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => {
    for (const instrumentation of [ours, other, contrib]) instrumentation.disable();
  });

  const scopes = async () => {
    tracing.exporter.reset();
    server.reset();
    const completion = await openai.chat.completions.create(fixtureRequest('openai/chat-text'));
    expect(completion.choices[0].message.content).toBe('The capital of Japan is Tokyo.');
    await settle();
    return tracing.spans().map((span) => span.instrumentationScope.name);
  };

  it('one span, ours, while both of ours are enabled', async () => {
    expect(await scopes()).toEqual(['otel-genai']);
  });

  it("disabling the one of ours that traces: the other traces, contrib's wrapper still set aside", async () => {
    ours.disable();
    expect(other.isEnabled()).toBe(true);
    expect(await scopes()).toEqual(['otel-genai']);
    // The last of ours disabled: contrib's calls again.
    other.disable();
    expect(await scopes()).toEqual(['@opentelemetry/instrumentation-openai']);
    other.enable();
    expect(await scopes()).toEqual(['otel-genai']);
  });
});
