/**
 * Faults in telemetry and on the wire: the app's results, errors and timing stay what they would be
 * without us, every span ends exactly once with the right status, and nothing throws from our code.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation } from '../../src';
import type { Fixture } from '../../src/testing/fixtures';
import { startReplayServer } from '../../src/testing/replay-server';
import type { ReplayServer } from '../../src/testing/replay-server';
import { FIXTURES, PROMPTS } from '../helpers/replay';
import { collect, errorShape, scenarioTools } from '../helpers/scenario';
import { captureDiag, registerProvider, settle, setupTracing, simpleProvider } from '../helpers/tracing';

const tracing = setupTracing();
const diagnostics = captureDiag();
const instrumentation = new AnthropicInstrumentation();
instrumentation.setTracerProvider(tracing.provider);
const Anthropic = createRequire(__filename)('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;

const MODEL = 'claude-sonnet-5-5';
const user = (content: string) => [{ role: 'user', content }];

/** Fixtures that only these tests need: odd servers, written to a temp folder beside the bundled ones. */
function faultFixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otel-genai-faults-'));
  const event = (type: string, data: Record<string, unknown>) => ({ event: type, data: { type, ...data } });
  const messageStart = event('message_start', {
    message: {
      id: 'msg_faults',
      type: 'message',
      role: 'assistant',
      model: MODEL,
      content: [],
      stop_reason: null,
      usage: { input_tokens: 9, output_tokens: 1 },
    },
  });
  const fixtures: Record<string, Fixture> = {
    'auth-401': {
      meta: { synthetic: true, description: 'an invalid key' },
      request: { method: 'POST', path: '/v1/messages', match: { messages: user('fault: 401') } },
      response: {
        status: 401,
        headers: { 'content-type': 'application/json' },
        body: { type: 'error', error: { type: 'authentication_error', message: 'invalid x-api-key' } },
      },
    },
    'not-found-404': {
      meta: { synthetic: true, description: 'an unknown model' },
      request: { method: 'POST', path: '/v1/messages', match: { messages: user('fault: 404') } },
      response: {
        status: 404,
        headers: { 'content-type': 'application/json' },
        body: { type: 'error', error: { type: 'not_found_error', message: 'model: nope' } },
      },
    },
    'too-large-413-text': {
      meta: { synthetic: true, description: 'a proxy that answers 413 in plain text' },
      request: { method: 'POST', path: '/v1/messages', match: { messages: user('fault: 413') } },
      response: { status: 413, headers: { 'content-type': 'text/plain' }, body: 'Request Entity Too Large' },
    },
    'bad-gateway-502-html': {
      meta: { synthetic: true, description: 'a gateway error page, no JSON' },
      request: { method: 'POST', path: '/v1/messages', match: { messages: user('fault: 502') } },
      response: { status: 502, headers: { 'content-type': 'text/html' }, body: '<html><body>Bad Gateway</body></html>' },
    },
    'truncated-json': {
      meta: { synthetic: true, description: 'a JSON body cut short' },
      request: { method: 'POST', path: '/v1/messages', match: { messages: user('fault: truncated json') } },
      response: { status: 200, headers: { 'content-type': 'application/json' }, body: '{"id":"msg_cut","type":"message","usage":{"input_' },
    },
    slow: {
      meta: { synthetic: true, description: 'headers after 2 s' },
      request: { method: 'POST', path: '/v1/messages', match: { messages: user('fault: slow') } },
      response: { delay_ms: 2000, status: 200, headers: { 'content-type': 'application/json' }, body: { id: 'msg_slow' } },
    },
    'stream-unknown-events': {
      meta: { synthetic: true, description: 'event types the SDK and we do not know' },
      request: { method: 'POST', path: '/v1/messages', match: { stream: true, messages: user('fault: unknown events') } },
      response: {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        events: [
          messageStart,
          event('future_event', { anything: [1, 2, 3] }),
          event('content_block_start', { index: 0, content_block: { type: 'hologram', payload: 'x' } }),
          event('message_delta', { delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 3 } }),
          event('message_stop', {}),
        ],
      },
    },
    'stream-truncated-json': {
      meta: { synthetic: true, description: 'an SSE data line cut short' },
      request: { method: 'POST', path: '/v1/messages', match: { stream: true, messages: user('fault: truncated event') } },
      response: {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        events: [messageStart, { event: 'content_block_delta', data: '{"type":"content_block_delta","index":0,"delta":{"type":"te' }],
      },
    },
    'stream-pings-only': {
      meta: { synthetic: true, description: 'keep-alive pings and nothing else' },
      request: { method: 'POST', path: '/v1/messages', match: { stream: true, messages: user('fault: pings only') } },
      response: {
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        events: [
          { event: 'ping', data: '{"type": "ping"}' },
          { event: 'ping', data: '{"type": "ping"}' },
        ],
      },
    },
  };
  for (const [name, fixture] of Object.entries(fixtures)) writeFileSync(join(dir, `${name}.json`), JSON.stringify(fixture));
  return dir;
}

let server: ReplayServer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
let client: any;
const { bareAndTraced, onlySpan } = scenarioTools(instrumentation, tracing, () => server);

beforeAll(async () => {
  server = await startReplayServer({ fixtures: [FIXTURES, faultFixtures()], delayScale: 1 });
  client = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
});
afterAll(() => server.close());
beforeEach(() => {
  instrumentation.enable();
  instrumentation.setTracerProvider(tracing.provider);
  tracing.exporter.reset();
  server.reset();
  diagnostics.length = 0;
});

const outcome = (promise: Promise<unknown>): Promise<{ value?: unknown; error?: ReturnType<typeof errorShape> }> =>
  promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error: errorShape(error) }),
  );

describe('faults on the wire', () => {
  const statuses = [
    ['fault: 401', 'AuthenticationError', 401],
    ['fault: 404', 'NotFoundError', 404],
    ['fault: 413', 'ContentTooLargeError', 413],
    ['fault: 502', 'InternalServerError', 502],
  ] as const;
  for (const [prompt, type, status] of statuses) {
    it(`${status}: the same error for the app, an ERROR span of ${type}`, async () => {
      const result = await bareAndTraced(() => outcome(client.messages.create({ model: MODEL, max_tokens: 10, messages: user(prompt) })));
      expect(result.error).toMatchObject({ name: type, status });
      const span = onlySpan();
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.attributes['error.type']).toBe(type);
    });
  }

  it('a JSON body cut short', async () => {
    const result = await bareAndTraced(() =>
      outcome(client.messages.create({ model: MODEL, max_tokens: 10, messages: user('fault: truncated json') })),
    );
    expect(result.error?.name).toBe('SyntaxError');
    expect(onlySpan().attributes['error.type']).toBe('SyntaxError');
  });

  it('a timeout (the timeout option): APIConnectionTimeoutError, one span', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
    const impatient: any = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0, timeout: 100 });
    const result = await bareAndTraced(() =>
      outcome(impatient.messages.create({ model: MODEL, max_tokens: 10, messages: user('fault: slow') })),
    );
    expect(result.error?.name).toBe('APIConnectionTimeoutError');
    expect(onlySpan().attributes['error.type']).toBe('APIConnectionTimeoutError');
  });

  it('a timeout with retries: one span for the logical call', async () => {
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
    const impatient: any = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 1, timeout: 100 });
    await bareAndTraced(() => outcome(impatient.messages.create({ model: MODEL, max_tokens: 10, messages: user('fault: slow') })));
    expect(server.requests).toHaveLength(2);
    expect(onlySpan().status.code).toBe(SpanStatusCode.ERROR);
  });

  it('unknown SSE event and block types pass through; the span is complete', async () => {
    const events = await bareAndTraced(async () =>
      collect(await client.messages.create({ model: MODEL, max_tokens: 10, stream: true, messages: user('fault: unknown events') })),
    );
    expect(events.map((event) => (event as { type: string }).type)).toEqual([
      'message_start',
      'future_event',
      'content_block_start',
      'message_delta',
      'message_stop',
    ]);
    expect(onlySpan().attributes).toMatchObject({ 'gen_ai.response.finish_reasons': ['end_turn'], 'gen_ai.usage.output_tokens': 3 });
  });

  it('an SSE event cut short: the SDK throws as before, the span fails once', async () => {
    const result = await bareAndTraced(async () =>
      outcome(
        collect(await client.messages.create({ model: MODEL, max_tokens: 10, stream: true, messages: user('fault: truncated event') })),
      ),
    );
    expect(result.error?.name).toBe('SyntaxError');
    const span = onlySpan();
    expect(span.attributes).toMatchObject({ 'error.type': 'SyntaxError', 'gen_ai.response.finish_reasons': ['error'] });
  });

  it('keep-alive pings only: an empty stream for the app, an incomplete span', async () => {
    const events = await bareAndTraced(async () =>
      collect(await client.messages.create({ model: MODEL, max_tokens: 10, stream: true, messages: user('fault: pings only') })),
    );
    expect(events).toEqual([]);
    expect(onlySpan().attributes['error.type']).toBe('incomplete_stream');
  });
});

describe('faults in telemetry', () => {
  /** Runs a plain call and a stream with `provider` as the instrumentation's tracer provider. */
  async function callsUnder(setUp: () => void) {
    const bare = await outcome(client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) }));
    setUp();
    const started = performance.now();
    const traced = await outcome(client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) }));
    const stream = await client.messages.create({ model: MODEL, max_tokens: 200, stream: true, messages: user(PROMPTS.streamText) });
    const events = await collect(stream);
    return { bare, traced, events: events.length, elapsed: performance.now() - started };
  }

  it('an exporter that never calls back: results unchanged, nothing waits on it', async () => {
    const stuck: SpanExporter = { export: () => {}, shutdown: () => new Promise(() => {}) };
    const result = await callsUnder(() => instrumentation.setTracerProvider(simpleProvider(stuck)));
    expect(result.traced).toEqual(result.bare);
    expect(result.events).toBe(13);
  });

  it('a tracer provider, meter provider and logger provider that throw', async () => {
    const throwing = () => {
      throw new Error('provider broke');
    };
    const result = await callsUnder(() => {
      instrumentation.setTracerProvider({ getTracer: throwing } as never);
      instrumentation.setMeterProvider({ getMeter: throwing } as never);
      instrumentation.setLoggerProvider({ getLogger: throwing } as never);
    });
    expect(result.traced).toEqual(result.bare);
    expect(diagnostics.filter((line) => line.includes('could not use the')).length).toBe(3);
  });

  it('a tracer whose spans throw on every call', async () => {
    const brokenSpan = new Proxy(
      {},
      {
        get: () => () => {
          throw new Error('span broke');
        },
      },
    );
    const result = await callsUnder(() =>
      instrumentation.setTracerProvider({ getTracer: () => ({ startSpan: () => brokenSpan, startActiveSpan: () => undefined }) } as never),
    );
    expect(result.traced).toEqual(result.bare);
  });

  it('a meter whose instruments throw on record, with content events on and a logger that throws', async () => {
    const throwing = () => {
      throw new Error('instrument broke');
    };
    const instrument = { record: throwing, add: throwing };
    const result = await callsUnder(() => {
      instrumentation.setMeterProvider({ getMeter: () => new Proxy({}, { get: () => () => instrument }) } as never);
      instrumentation.setLoggerProvider({ getLogger: () => ({ emit: throwing }) } as never);
      instrumentation.setConfig({ captureMessageContent: 'SPAN_AND_EVENT' });
    });
    instrumentation.setConfig({});
    expect(result.traced).toEqual(result.bare);
    expect(result.events).toBe(13);
    await settle();
    // The first call ran before the faults; the next two under them, read whole.
    const spans = tracing.inferenceSpans();
    expect(spans).toHaveLength(3);
    expect(spans.map((span) => span.attributes['gen_ai.response.finish_reasons'])).toEqual([['end_turn'], ['end_turn'], ['end_turn']]);
    // Metrics and the event at each call's end (2 × 2), and the stream's chunk gaps once, not once for each of its 12 gaps.
    expect(diagnostics.filter((line) => line.includes('instrument broke'))).toHaveLength(5);
  });

  it('the global tracer provider replaced at runtime', async () => {
    const first = new InMemorySpanExporter();
    const second = new InMemorySpanExporter();
    try {
      // As NodeSDK does: the instrumentation is handed the global provider, and follows it.
      instrumentation.setTracerProvider(trace.getTracerProvider());
      trace.disable();
      registerProvider(simpleProvider(first));
      await client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
      trace.disable();
      registerProvider(simpleProvider(second));
      await client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
      await settle();
      const ours = (exporter: InMemorySpanExporter) =>
        exporter.getFinishedSpans().filter((span: ReadableSpan) => span.instrumentationScope.name === 'otel-genai');
      expect(ours(first)).toHaveLength(1);
      expect(ours(second)).toHaveLength(1);
    } finally {
      trace.disable();
      registerProvider(tracing.provider);
    }
  });

  it('disable() and enable() while calls and streams are in flight: each span ends once, the app sees no change', async () => {
    const pending = client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
    const stream = await client.messages.create({ model: MODEL, max_tokens: 500, stream: true, messages: user(PROMPTS.streamLong) });
    instrumentation.disable();
    const message = await pending;
    let count = 0;
    for await (const _event of stream) {
      count++;
      if (count === 10) instrumentation.enable();
      if (count === 20) instrumentation.disable();
    }
    instrumentation.enable();
    expect(message.content[0].text).toBe('Paris');
    expect(count).toBe(65);
    await settle();
    const spans = tracing.inferenceSpans();
    expect(spans).toHaveLength(2);
    expect(spans.map((span) => span.attributes['gen_ai.response.finish_reasons'])).toEqual([['end_turn'], ['end_turn']]);
  });
});

describe('unusual setups', () => {
  it('two SDK versions in one process: both traced', async () => {
    const compat = join(__dirname, '..', '..', 'compat', 'anthropic-sdk-0.133', 'package.json');
    const Older = createRequire(compat)('@anthropic-ai/sdk').default;
    const older = new Older({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
    await older.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
    await client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
    await settle();
    expect(tracing.inferenceSpans()).toHaveLength(2);
  });

  it('an SDK loaded before the instrumentation: a clear diag warning', () => {
    const late = new AnthropicInstrumentation();
    try {
      expect(diagnostics.some((line) => line.includes('@anthropic-ai/sdk was loaded before otel-genai'))).toBe(true);
    } finally {
      late.disable();
    }
  });
});
