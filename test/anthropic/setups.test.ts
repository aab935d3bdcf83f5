import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation } from '../../src';
import { semconvModeFromEnv } from '../../src/semconv';
import { PACKAGE_VERSION } from '../../src/version';
import { startReplayServer } from '../../src/testing/replay-server';
import type { ReplayServer } from '../../src/testing/replay-server';
import { PROMPTS, startFixtureServer } from '../helpers/replay';
import { captureDiag, settle, setupTracing } from '../helpers/tracing';

const failing = { onStart: false, onEnd: false, export: false };
const throwingProcessor: SpanProcessor = {
  onStart() {
    if (failing.onStart) throw new Error('processor onStart failed');
  },
  onEnd() {
    if (failing.onEnd) throw new Error('processor onEnd failed');
  },
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
const throwingExporter: SpanExporter = {
  export(_spans, done) {
    if (failing.export) throw new Error('exporter failed');
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
};
/** The attributes each span had when it started: what a sampler was given. */
const atStart: Array<Record<string, unknown>> = [];
const startRecorder: SpanProcessor = {
  onStart(span) {
    atStart.push({ ...(span as unknown as ReadableSpan).attributes });
  },
  onEnd() {},
  forceFlush: () => Promise.resolve(),
  shutdown: () => Promise.resolve(),
};
const tracing = setupTracing([throwingProcessor, new SimpleSpanProcessor({ exporter: throwingExporter }), startRecorder]);
const warnings = captureDiag();

const instrumentation = new AnthropicInstrumentation();
registerInstrumentations({ instrumentations: [instrumentation], tracerProvider: tracing.provider });
const require = createRequire(__filename);
const Anthropic = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;
const { AnthropicBedrock } = require('@anthropic-ai/bedrock-sdk') as typeof import('@anthropic-ai/bedrock-sdk');
const { AnthropicVertex } = require('@anthropic-ai/vertex-sdk') as typeof import('@anthropic-ai/vertex-sdk');

const MODEL = 'claude-sonnet-5-5';
const textRequest = { model: MODEL, max_tokens: 100, messages: [{ role: 'user' as const, content: PROMPTS.text }] };
let server: ReplayServer;

beforeAll(async () => {
  server = await startFixtureServer();
});
afterAll(() => server.close());
beforeEach(() => {
  instrumentation.setConfig({});
  tracing.exporter.reset();
  warnings.length = 0;
  atStart.length = 0;
});

const newClient = () => new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
const ours = (spans: ReadableSpan[]) => spans.filter((span) => span.instrumentationScope.name === 'otel-genai');
const native = (spans: ReadableSpan[]) => spans.filter((span) => span.instrumentationScope.name.startsWith('com.anthropic.sdk'));

describe("the Anthropic SDK's own tracing", () => {
  it('is replaced by ours: exactly one inference span per call', async () => {
    await newClient().messages.create(textRequest);
    await settle();
    expect(ours(tracing.spans())).toHaveLength(1);
    expect(native(tracing.spans())).toHaveLength(0);
  });

  it('is kept instead of ours with preferNativeSpans', async () => {
    instrumentation.setConfig({ preferNativeSpans: true });
    await newClient().messages.create(textRequest);
    await settle();
    expect(ours(tracing.spans())).toHaveLength(0);
    expect(native(tracing.spans()).map((span) => span.name)).toEqual(['anthropic.messages.create']);
  });

  it('stays off when the client has it off, and ours still traces', async () => {
    instrumentation.setConfig({ preferNativeSpans: true });
    const client = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0, openTelemetry: false });
    await client.messages.create(textRequest);
    await settle();
    expect(ours(tracing.spans())).toHaveLength(1);
    expect(native(tracing.spans())).toHaveLength(0);
  });
});

describe('semantic convention versions', () => {
  it('emits the legacy aliases by default and only the latest names when opted in', async () => {
    const client = newClient();
    await client.messages.create({ ...textRequest, messages: [{ role: 'user', content: PROMPTS.cache }] });
    instrumentation.setConfig({ semconv: 'latest' });
    await client.messages.create({ ...textRequest, messages: [{ role: 'user', content: PROMPTS.cache }] });
    await settle();
    const [compat, latest] = ours(tracing.spans());
    expect(compat.attributes).toMatchObject({ 'gen_ai.system': 'anthropic', 'gen_ai.usage.cache_creation.input_tokens': 2048 });
    expect(latest.attributes['gen_ai.provider.name']).toBe('anthropic');
    expect(latest.attributes['gen_ai.usage.cache_write.input_tokens']).toBe(2048);
    expect(latest.attributes['gen_ai.system']).toBeUndefined();
    expect(latest.attributes['gen_ai.usage.cache_creation.input_tokens']).toBeUndefined();
  });

  it('starts each span with the sampling-relevant attributes, which samplers see; the request parameters follow', async () => {
    await newClient().messages.create({ ...textRequest, stop_sequences: ['END'] });
    instrumentation.setConfig({ semconv: 'latest' });
    await newClient().messages.create({ ...textRequest, stop_sequences: ['END'] });
    await settle();
    const port = Number(new URL(server.url).port);
    const sampling = {
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': MODEL,
      'server.address': '127.0.0.1',
      'server.port': port,
    };
    expect(atStart).toEqual([{ ...sampling, 'gen_ai.system': 'anthropic' }, sampling]);
    for (const span of ours(tracing.spans())) {
      expect(span.attributes).toMatchObject({ ...sampling, 'gen_ai.request.max_tokens': 100, 'gen_ai.request.stop_sequences': ['END'] });
    }
  });

  it('reads OTEL_SEMCONV_STABILITY_OPT_IN as a comma-separated list', () => {
    expect(semconvModeFromEnv(undefined)).toBe('compat');
    expect(semconvModeFromEnv('http')).toBe('compat');
    expect(semconvModeFromEnv('http, gen_ai_latest_experimental')).toBe('latest');
    process.env.OTEL_SEMCONV_STABILITY_OPT_IN = 'gen_ai_latest_experimental';
    try {
      instrumentation.setConfig({});
      expect((instrumentation as unknown as { settings: { semconvMode: string } }).settings.semconvMode).toBe('latest');
    } finally {
      delete process.env.OTEL_SEMCONV_STABILITY_OPT_IN;
    }
  });
});

describe('telemetry failures never reach the app', () => {
  it('a span processor that throws in onStart and onEnd, and an exporter that throws', async () => {
    const bare = await newClient().messages.create(textRequest);
    failing.onStart = true;
    failing.onEnd = true;
    failing.export = true;
    try {
      const traced = await newClient().messages.create(textRequest);
      expect(traced).toEqual(bare);
      const stream = await newClient().messages.create({
        ...textRequest,
        stream: true,
        messages: [{ role: 'user', content: PROMPTS.streamText }],
      });
      let events = 0;
      for await (const _event of stream) events++;
      expect(events).toBe(13);
    } finally {
      failing.onStart = false;
      failing.onEnd = false;
      failing.export = false;
    }
  });

  it('a response whose fields have unexpected types', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otel-genai-malformed-'));
    writeFileSync(
      join(dir, 'malformed.json'),
      JSON.stringify({
        meta: { synthetic: true, description: 'usage and ids of the wrong types, for robustness tests' },
        request: { method: 'POST', path: '/v1/messages', match: { model: 'malformed' } },
        response: {
          status: 200,
          headers: { 'content-type': 'application/json' },
          body: {
            id: 42,
            type: 'message',
            model: null,
            content: [],
            stop_reason: ['end_turn'],
            usage: { input_tokens: 'ten', output_tokens: null },
          },
        },
      }),
    );
    const malformed = await startReplayServer({ fixtures: dir });
    try {
      const client = new Anthropic({ apiKey: 'test-key', baseURL: malformed.url, maxRetries: 0 });
      const message = await client.messages.create({ ...textRequest, model: 'malformed' });
      expect(message.id).toBe(42);
      await settle();
      const [span] = ours(tracing.spans());
      expect(span.attributes['gen_ai.response.id']).toBeUndefined();
      expect(span.attributes['gen_ai.usage.input_tokens']).toBeUndefined();
      expect(span.attributes['gen_ai.response.finish_reasons']).toBeUndefined();
    } finally {
      await malformed.close();
    }
  });
});

describe('Bedrock and Vertex clients', () => {
  it('traces AnthropicBedrock as aws.bedrock', async () => {
    const bedrock = new AnthropicBedrock({ baseURL: server.url, skipAuth: true, awsRegion: 'us-east-1', maxRetries: 0 });
    const message = await bedrock.messages.create({
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Which ocean is the largest? Answer in one word.' }],
    });
    expect(message.content[0]).toMatchObject({ text: 'Pacific' });
    await settle();
    const [span] = ours(tracing.spans());
    expect(span.name).toBe(`chat ${MODEL}`);
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'aws.bedrock',
      'server.address': '127.0.0.1',
      'gen_ai.response.id': 'msg_bdrk_01Hq7wQm3ZkR2vJd9TnYcE4x',
      'gen_ai.usage.input_tokens': 19,
    });
  });

  it('traces AnthropicVertex as gcp.vertex_ai', async () => {
    const authClient = {
      projectId: 'otel-genai-test',
      getRequestHeaders: async () => new Headers({ authorization: 'Bearer not-a-real-token' }),
    };
    const vertex = new AnthropicVertex({
      baseURL: server.url,
      region: 'us-east5',
      projectId: 'otel-genai-test',
      authClient: authClient as never,
      maxRetries: 0,
    });
    const message = await vertex.messages.create({
      model: MODEL,
      max_tokens: 50,
      messages: [{ role: 'user', content: 'Which planet is closest to the sun? Answer in one word.' }],
    });
    expect(message.content[0]).toMatchObject({ text: 'Mercury' });
    await settle();
    const [span] = ours(tracing.spans());
    expect(span.attributes).toMatchObject({
      'gen_ai.provider.name': 'gcp.vertex_ai',
      'gen_ai.response.id': 'msg_vrtx_01Vd2pK8sWm4QhZx6RbNcT3y',
    });
  });
});

describe('registered twice', () => {
  it('a second instance patches nothing again, and disabling it leaves the first in place', async () => {
    const second = new AnthropicInstrumentation();
    second.setTracerProvider(tracing.provider);
    await newClient().messages.create(textRequest);
    second.disable();
    await newClient().messages.create(textRequest);
    await settle();
    expect(ours(tracing.spans())).toHaveLength(2);
  });
});

describe('unknown SDK versions', () => {
  it('warns through diag, instruments what it recognises, and never throws', () => {
    const [definition] = instrumentation.getModuleDefinitions();
    expect(() => definition.patch?.({}, '9.0.0')).not.toThrow();
    expect(warnings.some((line) => line.includes('@anthropic-ai/sdk@9.0.0 is outside the tested versions'))).toBe(true);
    expect(warnings.some((line) => line.includes('Messages.create not found'))).toBe(true);
  });

  it('disable() puts the original methods back', async () => {
    instrumentation.disable();
    try {
      await newClient().messages.create(textRequest);
      await settle();
      expect(ours(tracing.spans())).toHaveLength(0);
    } finally {
      instrumentation.enable();
    }
    await newClient().messages.create(textRequest);
    await settle();
    expect(ours(tracing.spans())).toHaveLength(1);
  });
});

describe('the instrumentation scope', () => {
  it('carries the version in package.json', () => {
    const { version } = createRequire(__filename)('../../package.json') as { version: string };
    expect(PACKAGE_VERSION).toBe(version);
  });
});
