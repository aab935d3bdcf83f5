/**
 * The testing kit, `otel-genai/testing`, used as a user would: only the package's public entry
 * points (through its "exports", built in dist/), the SDKs, and fixtures on disk.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type * as OtelGenAI from 'otel-genai';
import type * as Kit from 'otel-genai/testing';
import type AnthropicClient from '@anthropic-ai/sdk';
import type OpenAIClient from 'openai';

const require = createRequire(__filename);
const { collectSpans, startRecordingServer, startReplayServer } = require('otel-genai/testing') as typeof Kit;
const { withAgent } = require('otel-genai') as typeof OtelGenAI;

// Spans first, SDKs second: collectSpans() hooks `require`, and the SDKs are required after it.
// (An SDK loaded earlier with `require` is instrumented too; one loaded with `import` must be
// passed in `modules`: see the last tests.)
let spans = collectSpans();
const Anthropic = require('@anthropic-ai/sdk').default as typeof AnthropicClient;
const OpenAI = require('openai').default as typeof OpenAIClient;

const ROOT = join(__dirname, '..', '..');
const FIXTURES = join(ROOT, 'fixtures');
const MODEL = 'claude-sonnet-5-5';
// The get_weather tool as the fixtures were asked with it.
const TOOLS: AnthropicClient.Tool[] = JSON.parse(readFileSync(join(FIXTURES, 'anthropic', 'messages-tool-use.json'), 'utf8')).request.match
  .tools;
const getWeather = ({ location }: { location: string }) => JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' });

/** A hand-written tool loop, as an agent would have it. */
function weatherAgent(client: AnthropicClient, question: string): Promise<string> {
  return withAgent({ name: 'weather' }, async () => {
    const messages: AnthropicClient.MessageParam[] = [{ role: 'user', content: question }];
    for (;;) {
      const reply = await client.messages.create({ model: MODEL, max_tokens: 1024, tools: TOOLS, messages });
      messages.push({ role: 'assistant', content: reply.content });
      const calls = reply.content.filter((block) => block.type === 'tool_use');
      if (calls.length === 0) return reply.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
      messages.push({
        role: 'user',
        content: calls.map((call) => ({
          type: 'tool_result' as const,
          tool_use_id: call.id,
          content: getWeather(call.input as { location: string }),
        })),
      });
    }
  });
}

const chat = (finishReason: string, input: number, output: number) => ({
  name: `chat ${MODEL}`,
  attributes: {
    'gen_ai.provider.name': 'anthropic',
    'gen_ai.response.finish_reasons': [finishReason],
    'gen_ai.usage.input_tokens': input,
    'gen_ai.usage.output_tokens': output,
  },
  children: [],
});

const WEATHER_TREE = [
  {
    name: 'invoke_agent weather',
    attributes: {
      'gen_ai.response.finish_reasons': ['end_turn'],
      'otel_genai.agent.model_calls': 2,
      'otel_genai.agent.tool_calls': 1,
      'gen_ai.usage.input_tokens': 583 + 702,
      'gen_ai.usage.output_tokens': 64 + 18,
    },
    children: [
      chat('tool_use', 583, 64),
      {
        name: 'execute_tool get_weather',
        attributes: { 'gen_ai.tool.call.id': 'toolu_01qZru8cdgXwJyMEbVaFvDsj', 'otel_genai.tool.inferred': true },
        children: [],
      },
      chat('end_turn', 702, 18),
    ],
  },
];

const temp = mkdtempSync(join(tmpdir(), 'otel-genai-kit-'));
let server: Kit.ReplayServer;
let anthropic: AnthropicClient;

beforeAll(async () => {
  server = await startReplayServer({ fixtures: FIXTURES, delayScale: 0 });
  anthropic = new Anthropic({ apiKey: 'not-a-real-key', baseURL: server.url, maxRetries: 0 });
});
afterAll(async () => {
  await server.close();
  await spans.shutdown();
  rmSync(temp, { recursive: true, force: true });
});
beforeEach(() => {
  spans.reset();
  server.reset();
});

describe('collectSpans() over the replay server', () => {
  it('gives the agent run back as one tree: invoke_agent → chat, execute_tool, chat', async () => {
    expect(await weatherAgent(anthropic, 'What is the weather like in Lisbon right now?')).toBe(
      "It's sunny in Lisbon right now, at about 19 °C.",
    );
    await spans.settle();
    expect(spans.tree()).toEqual(WEATHER_TREE);
    expect(spans.genAISpans()).toHaveLength(4);
    expect(server.requests.map((request) => request.fixture)).toEqual(['anthropic/messages-tool-use', 'anthropic/messages-tool-result']);

    // The same run again gives the same tree: nothing in it depends on ids or time.
    spans.reset();
    await weatherAgent(anthropic, 'What is the weather like in Lisbon right now?');
    await spans.settle();
    expect(spans.tree()).toEqual(WEATHER_TREE);
  });

  it('keeps the attributes asked for; "all" has every one', async () => {
    await anthropic.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
    });
    await spans.settle();
    expect(spans.tree({ attributes: ['gen_ai.request.model', 'gen_ai.request.max_tokens', 'gen_ai.response.id'] })).toEqual([
      {
        name: `chat ${MODEL}`,
        attributes: {
          'gen_ai.request.model': MODEL,
          'gen_ai.request.max_tokens': 100,
          'gen_ai.response.id': 'msg_01EDxgC9HgnvgQyQRUejyWUH',
        },
        children: [],
      },
    ]);
    const [all] = spans.tree({ attributes: 'all' });
    expect(all.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(server.url).port),
      'gen_ai.usage.input_tokens': 21,
    });
  });

  it('replays a fixture of your own: an OpenAI call, with `${server.url}/v1` as the base URL', async () => {
    const dir = join(temp, 'my-fixtures');
    mkdirSync(join(dir, 'openai'), { recursive: true });
    const fixture: Kit.Fixture = {
      meta: { synthetic: true, provider: 'openai', description: 'A one-line answer.', source: 'Written by hand for this test.' },
      request: {
        method: 'POST',
        path: '/v1/chat/completions',
        // The request must contain these fields (it may have more).
        match: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi.' }] },
      },
      response: {
        status: 200,
        headers: { 'content-type': 'application/json', 'x-request-id': 'req_my_fixture' },
        body: {
          id: 'chatcmpl-my-fixture',
          object: 'chat.completion',
          created: 1795251611,
          model: 'gpt-4o-mini-2024-07-18',
          choices: [{ index: 0, message: { role: 'assistant', content: 'Hi!', refusal: null }, logprobs: null, finish_reason: 'stop' }],
          usage: { prompt_tokens: 9, completion_tokens: 2, total_tokens: 11 },
        },
      },
    };
    writeFileSync(join(dir, 'openai', 'say-hi.json'), JSON.stringify(fixture, null, 2));

    const mine = await startReplayServer({ fixtures: dir, delayScale: 0 });
    try {
      const openai = new OpenAI({ apiKey: 'not-a-real-key', baseURL: `${mine.url}/v1`, maxRetries: 0 });
      const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say hi.' }] });
      expect(completion.choices[0].message.content).toBe('Hi!');
      expect(mine.requests.map((request) => request.fixture)).toEqual(['openai/say-hi']);
    } finally {
      await mine.close();
    }
    await spans.settle();
    expect(
      spans.tree({
        attributes: ['gen_ai.provider.name', 'gen_ai.response.model', 'gen_ai.usage.input_tokens', 'gen_ai.usage.output_tokens'],
      }),
    ).toEqual([
      {
        name: 'chat gpt-4o-mini',
        attributes: {
          'gen_ai.provider.name': 'openai',
          'gen_ai.response.model': 'gpt-4o-mini-2024-07-18',
          'gen_ai.usage.input_tokens': 9,
          'gen_ai.usage.output_tokens': 2,
        },
        children: [],
      },
    ]);
  });
});

describe('record mode through the kit', () => {
  const KEY = 'fake-kit-recording-key-4b1d-not-a-secret';
  const answer = {
    model: MODEL,
    id: 'msg_recorded_by_the_kit',
    type: 'message',
    role: 'assistant',
    content: [{ type: 'text', text: 'Recorded.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 12, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 3 },
  };
  const received: Array<{ key: string | undefined; body: unknown }> = [];
  let upstream: Server;
  let upstreamURL: string;

  // A stand-in for the live API on 127.0.0.1: it wants the key, and answers one JSON message.
  beforeAll(async () => {
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        // The SDK sends its key as x-api-key or as a bearer token, depending on the version.
        const key = (req.headers['x-api-key'] as string | undefined) ?? req.headers.authorization?.replace(/^Bearer /, '');
        received.push({ key, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
        const authorized = key === KEY;
        res.writeHead(authorized ? 200 : 401, {
          'content-type': 'application/json',
          'request-id': 'req_recorded_by_the_kit',
          'set-cookie': 'session=FAKE-cookie',
        });
        res.end(JSON.stringify(authorized ? answer : { type: 'error', error: { type: 'authentication_error', message: 'no key' } }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    upstream.closeAllConnections();
    upstream.close();
  });

  it('records what no fixture answers into a new folder, then replays it with no upstream and the same spans', async () => {
    const dir = join(temp, 'recorded', 'anthropic');
    expect(existsSync(dir)).toBe(false);
    const request = { model: MODEL, max_tokens: 50, messages: [{ role: 'user' as const, content: 'Record this, please.' }] };

    const recording = await startRecordingServer(dir, { upstream: () => upstreamURL });
    try {
      const live = new Anthropic({ apiKey: KEY, baseURL: recording.url, maxRetries: 0 });
      expect(await live.messages.create(request)).toEqual(answer);
    } finally {
      await recording.close();
    }
    await spans.settle();
    const recordedTree = spans.tree();
    expect(recordedTree).toEqual([chat('end_turn', 12, 3)]);
    expect(received).toEqual([{ key: KEY, body: request }]);

    // One fixture, with the request it answers and no credential.
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    const text = readFileSync(join(dir, files[0]), 'utf8');
    expect(text).not.toContain(KEY);
    expect(text.toLowerCase()).not.toContain('cookie');
    const fixture = JSON.parse(text) as Kit.Fixture;
    expect(fixture.meta.synthetic).toBe(false);
    expect(fixture.request).toEqual({ method: 'POST', path: '/v1/messages', match: request });
    expect(fixture.response?.body).toEqual(answer);

    // Replayed with the upstream gone and no real key: the same answer and the same tree.
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    spans.reset();
    const replay = await startReplayServer({ fixtures: dir, delayScale: 0 });
    try {
      const offline = new Anthropic({ apiKey: 'not-a-real-key', baseURL: replay.url, maxRetries: 0 });
      expect(await offline.messages.create(request)).toEqual(answer);
    } finally {
      await replay.close();
    }
    await spans.settle();
    expect(spans.tree()).toEqual(recordedTree);
    expect(received).toHaveLength(1);
  });
});

describe('lifecycle and module loading', () => {
  // Structural: the CommonJS and the ESM copies of the SDK have distinct (nominal) class types.
  type MessagesClient = {
    messages: {
      create(body: { model: string; max_tokens: number; messages: Array<{ role: 'user'; content: string }> }): PromiseLike<unknown>;
    };
  };
  const ask = (client: MessagesClient) =>
    client.messages.create({
      model: MODEL,
      max_tokens: 100,
      messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
    });

  it('allows one collector at a time', () => {
    expect(() => collectSpans()).toThrow(/already active.*shutdown\(\)/);
  });

  it('after shutdown(), a new collectSpans() instruments the SDK copy already loaded with require', async () => {
    await spans.shutdown();
    await spans.shutdown(); // idempotent
    spans = collectSpans();
    await ask(anthropic);
    await spans.settle();
    expect(spans.tree()).toEqual([chat('end_turn', 21, 4)]);
  });

  it('instruments an SDK loaded with import (ESM) when it is passed in `modules`, and warns when it is not', async () => {
    const esm = await import('@anthropic-ai/sdk');
    // The ESM copy is another module, with its own classes, that the require hook never sees.
    expect(esm.default).not.toBe(Anthropic);
    const client = new esm.default({ apiKey: 'not-a-real-key', baseURL: server.url, maxRetries: 0 });
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(`${warning.name}: ${warning.message}`);
    process.on('warning', onWarning);
    try {
      // Not ours: @anthropic-ai/sdk >= 0.134 makes spans of its own when a tracer provider is
      // registered, and the collector says what that means.
      await ask(client);
      await spans.settle();
      expect(spans.genAISpans()).toEqual([]);
      expect(spans.tree().map((span) => span.name)).toEqual(['anthropic.messages.create']);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatch(
        /^OtelGenAITestingWarning: otel-genai\/testing: spans of @anthropic-ai\/sdk's own tracing .* collectSpans\(\{ modules: \{ anthropic \} \}\)/,
      );
    } finally {
      process.off('warning', onWarning);
    }

    // The module namespace, or its default export (the client class).
    for (const anthropicModule of [esm, esm.default]) {
      await spans.shutdown();
      spans = collectSpans({ modules: { anthropic: anthropicModule } });
      await ask(client);
      await spans.settle();
      expect(spans.tree()).toEqual([chat('end_turn', 21, 4)]);
    }

    // shutdown() restores the ESM copy too: a collector without it does not trace it.
    await spans.shutdown();
    spans = collectSpans();
    await ask(client);
    await spans.settle();
    expect(spans.genAISpans()).toEqual([]);
  });

  it('refuses to run beside another OpenTelemetry SDK: the global tracer provider must be its own', async () => {
    const { ProxyTracerProvider, trace } = require('@opentelemetry/api') as typeof import('@opentelemetry/api');
    await spans.shutdown();
    expect(trace.setGlobalTracerProvider(new ProxyTracerProvider())).toBe(true);
    try {
      expect(() => collectSpans()).toThrow(/a global tracer provider is already registered/);
    } finally {
      trace.disable();
    }
    spans = collectSpans();
    await ask(anthropic);
    await spans.settle();
    expect(spans.tree()).toEqual([chat('end_turn', 21, 4)]);
  });

  it('the example in examples/testing passes', async () => {
    const result = await new Promise<{ code: number | null; output: string }>((resolve) => {
      execFile(
        process.execPath,
        ['--test', '--test-reporter=tap', join(ROOT, 'examples', 'testing', 'my-agent.test.mjs')],
        { cwd: ROOT },
        (error, stdout, stderr) => {
          resolve({ code: error === null ? 0 : (error.code as number | null), output: `${stdout}${stderr}` });
        },
      );
    });
    expect(result.output).toContain('# pass 1');
    expect(result.code).toBe(0);
  });
});
