/**
 * Beside the contrib `@opentelemetry/instrumentation-openai` (which getNodeAutoInstrumentations()
 * includes for openai >= 4.19 < 7): whichever registers first, each call is traced once, by us (all
 * but a Responses call made in the same synchronous run as contrib's patch: see below); a `diag` warning says,
 * once, how to turn contrib off; our `disable()` gives the calls back to it.
 *
 * Both instrumentations register their module hooks here, at the start; each scenario loads a fresh
 * copy of openai 6 and decides the order of patching through which of them is enabled when it loads
 * and which is enabled afterwards (the base class then patches the copy its hook saw load).
 */
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { OpenAIInstrumentation as ContribOpenAIInstrumentation } from '@opentelemetry/instrumentation-openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentClient, OpenAIInstrumentation } from '../../src';
import type { ReplayServer } from '../../src/testing/replay-server';
import { fixtureRequest, startFixtureServer } from '../helpers/replay';
import { collect } from '../helpers/scenario';
import { captureDiag, settle, setupTracing } from '../helpers/tracing';

/* eslint-disable @typescript-eslint/no-explicit-any -- openai 6, loaded by path */

const OURS = 'otel-genai';
const CONTRIB = '@opentelemetry/instrumentation-openai';
const FIX = "getNodeAutoInstrumentations({ '@opentelemetry/instrumentation-openai': { enabled: false } })";

const diagLines = captureDiag();
const tracing = setupTracing();
const ours = new OpenAIInstrumentation();
const contrib = new ContribOpenAIInstrumentation();
ours.setTracerProvider(tracing.provider);
contrib.setTracerProvider(tracing.provider);

// Contrib patches openai < 7 only: the copy in the openai 6 workspace.
const requireOpenAI = createRequire(join(__dirname, '..', '..', 'compat', 'openai-6', 'package.json'));
const sdkFiles = dirname(requireOpenAI.resolve('openai')) + sep;

/** A fresh copy of openai 6, as an app starting would load it: the enabled instrumentations' hooks patch it. */
function loadOpenAI(): any {
  for (const file of Object.keys(requireOpenAI.cache)) if (file.startsWith(sdkFiles)) delete requireOpenAI.cache[file];
  return requireOpenAI('openai').OpenAI;
}

const CALLS: Record<string, (client: any) => Promise<unknown>> = {
  'chat.completions.create': (client) => client.chat.completions.create(fixtureRequest('openai/chat-text')),
  'chat.completions.create({ stream: true })': async (client) =>
    collect(await client.chat.completions.create(fixtureRequest('openai/chat-stream'))),
  'embeddings.create': (client) =>
    client.embeddings.create({ model: 'text-embedding-3-small', input: ['The quick brown fox', 'jumps over the lazy dog'] }),
  'responses.create': (client) => client.responses.create(fixtureRequest('openai/responses-text')),
};

let server: ReplayServer;
/** What each call returns to an app with neither instrumentation. */
const bare: Record<string, unknown> = {};

beforeAll(async () => {
  server = await startFixtureServer();
  ours.disable();
  contrib.disable();
  const client = newClient(loadOpenAI());
  for (const [name, call] of Object.entries(CALLS)) bare[name] = await call(client);
});
afterAll(() => server.close());

function newClient(OpenAI: any): any {
  return new OpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
}

/** The instrumentation scopes of the spans `call` made, once the app has its result, which must be what it gets untraced. */
async function scopesOf(name: string, client: any): Promise<string[]> {
  tracing.exporter.reset();
  expect(await CALLS[name](client)).toEqual(bare[name]);
  await settle();
  return tracing.spans().map((span) => span.instrumentationScope.name);
}

function fixWarnings(): string[] {
  return diagLines.filter((line) => line.includes('getNodeAutoInstrumentations('));
}

/** Each call is traced once, by us, and the app gets what it gets untraced. */
function eachCallTracedOnceByUs(client: () => any): void {
  for (const name of Object.keys(CALLS)) {
    it(`${name}: one span, ours, and the same result for the app`, async () => {
      expect(await scopesOf(name, client())).toEqual([OURS]);
    });
  }
}

describe('contrib registered before ours', () => {
  let OpenAI: any;
  let client: any;
  let contribCreate: unknown;
  beforeAll(() => {
    ours.disable();
    contrib.enable();
    OpenAI = loadOpenAI();
    contribCreate = OpenAI.Chat.Completions.prototype.create;
    // Patches the copy its hook saw load, over contrib's wrapper.
    ours.enable();
    client = newClient(OpenAI);
  });

  eachCallTracedOnceByUs(() => client);

  it('warns once, naming the fix', () => {
    const warnings = fixWarnings();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain(FIX);
    expect(warnings[0]).toContain('OpenAIInstrumentation');
  });

  it("disable() puts contrib's wrapper back, and enable() takes the calls again", async () => {
    ours.disable();
    expect(OpenAI.Chat.Completions.prototype.create).toBe(contribCreate);
    expect(await scopesOf('chat.completions.create', client)).toEqual([CONTRIB]);
    expect(await scopesOf('embeddings.create', client)).toEqual([CONTRIB]);
    ours.enable();
    expect(await scopesOf('chat.completions.create', client)).toEqual([OURS]);
    expect(await scopesOf('embeddings.create', client)).toEqual([OURS]);
  });
});

describe('contrib registered after ours (enabled once the SDK is loaded and patched)', () => {
  let OpenAI: any;
  let client: any;
  let oursCreate: unknown;
  beforeAll(() => {
    contrib.disable();
    ours.enable();
    OpenAI = loadOpenAI();
    oursCreate = OpenAI.Chat.Completions.prototype.create;
    client = newClient(OpenAI);
    // Wraps the copy its hook saw load, over ours.
    contrib.enable();
  });

  it('ours is back on top before any call', () => {
    expect(OpenAI.Chat.Completions.prototype.create).toBe(oursCreate);
  });

  eachCallTracedOnceByUs(() => client);

  it('disable() gives the calls to contrib, enable() takes them back', async () => {
    ours.disable();
    expect(await scopesOf('chat.completions.create', client)).toEqual([CONTRIB]);
    expect(await scopesOf('responses.create', client)).toEqual([CONTRIB]);
    ours.enable();
    expect(await scopesOf('chat.completions.create', client)).toEqual([OURS]);
    expect(await scopesOf('responses.create', client)).toEqual([OURS]);
  });
});

describe('a call made in the same synchronous run as contrib patching over ours', () => {
  let OpenAI: any;
  let client: any;
  beforeAll(() => {
    contrib.disable();
    ours.enable();
    OpenAI = loadOpenAI();
    client = newClient(OpenAI);
  });

  it('chat: ours is back on top before the call (contrib wrapping its next method put it back), one span, ours', async () => {
    const oursCreate = OpenAI.Chat.Completions.prototype.create;
    tracing.exporter.reset();
    contrib.enable();
    expect(OpenAI.Chat.Completions.prototype.create).toBe(oursCreate);
    const pending = client.chat.completions.create(fixtureRequest('openai/chat-text'));
    expect(await pending).toEqual(bare['chat.completions.create']);
    await settle();
    expect(tracing.spans().map((span) => span.instrumentationScope.name)).toEqual([OURS]);
    contrib.disable();
  });

  it('responses, the last method contrib wraps: that one call is traced by both and puts ours back on top, the next by us alone', async () => {
    const oursCreate = OpenAI.Responses.prototype.create;
    tracing.exporter.reset();
    contrib.enable();
    expect(OpenAI.Responses.prototype.create).not.toBe(oursCreate);
    const pending = client.responses.create(fixtureRequest('openai/responses-text'));
    expect(OpenAI.Responses.prototype.create).toBe(oursCreate);
    expect(await pending).toEqual(bare['responses.create']);
    await settle();
    expect(
      tracing
        .spans()
        .map((span) => span.instrumentationScope.name)
        .sort(),
    ).toEqual([CONTRIB, OURS]);
    expect(await scopesOf('responses.create', client)).toEqual([OURS]);
  });
});

describe('both registered before the SDK loads, as under NodeSDK', () => {
  let client: any;
  beforeAll(() => {
    ours.enable();
    contrib.enable();
    client = newClient(loadOpenAI());
  });

  eachCallTracedOnceByUs(() => client);
});

describe('two instances of ours beside contrib', () => {
  let second: OpenAIInstrumentation;
  let client: any;
  beforeAll(() => {
    ours.enable();
    second = new OpenAIInstrumentation();
    second.setTracerProvider(tracing.provider);
    contrib.enable();
    client = newClient(loadOpenAI());
  });
  afterAll(() => second.disable());

  eachCallTracedOnceByUs(() => client);
});

describe('instrumentClient() on a client of a copy contrib patched', () => {
  let client: any;
  beforeAll(() => {
    ours.disable();
    contrib.enable();
    client = instrumentClient(newClient(loadOpenAI()));
  });
  afterAll(() => ours.enable());

  eachCallTracedOnceByUs(() => client);
});

it('warned once in the whole process', () => {
  expect(fixWarnings()).toHaveLength(1);
});
