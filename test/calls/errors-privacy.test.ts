/**
 * Issue 18, item 7: with content capture off (the default), a failed call's telemetry carries no
 * text from the request or from the provider's error. Every scenario below fails in a way the
 * replay fixtures can produce (HTTP errors whose message quotes the prompt, generic `APIError`s
 * whose type is no documented one, in-stream error events, Responses that end `failed`), through
 * every content path (create, streamed create, the SDKs' stream helpers), once with exceptions as
 * span events and once under `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs/dup` (span events and log
 * records). Every string our spans, span events, statuses, log records and metric points hold is
 * collected and searched for the prompt and the provider's words. `error.type` must be one of the
 * known, bounded values. With capture on, the provider's message is recorded as before.
 */
import { createRequire } from 'node:module';
import { logs } from '@opentelemetry/api-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runTool, withAgent } from '../../src';
import { errorTypeOf, messageOf, recordException } from '../../src/errors';
import type { ReplayServer } from '../../src/testing/replay-server';
import { fixtureRequest, startFixtureServer } from '../helpers/replay';
import { captureAllTelemetry, leaks } from '../helpers/telemetry-strings';
import { settle } from '../helpers/tracing';

// Agent and tool spans, their exception records and metrics go to the global providers.
const { tracing, logExporter, loggerProvider, instrumentations, metricPoints, telemetryStrings } = captureAllTelemetry(logs);

const require = createRequire(__filename);
const Anthropic = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;
const OpenAI = require('openai').default as typeof import('openai').default;

let server: ReplayServer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
let anthropic: any;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
let openai: any;

beforeAll(async () => {
  server = await startFixtureServer(0);
  // The SDK's own spans are not ours to judge: keep them out.
  anthropic = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0, openTelemetry: false });
  openai = new OpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
});
afterAll(() => server.close());
beforeEach(() => server.reset());
afterEach(() => {
  delete process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN;
});

/** The body fields of a fixture, and the prompt it holds (its first user message, or its `input`). */
function request(name: string): { params: Record<string, unknown>; prompt: string } {
  const params = fixtureRequest(name) as Record<string, unknown>;
  const prompt = typeof params.input === 'string' ? params.input : (params.messages as Array<{ content: string }>)[0].content;
  return { params, prompt };
}
async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _event of stream);
}

interface Scenario {
  name: string;
  /** Runs the failing call; what it throws is caught by the test. */
  run: () => Promise<unknown>;
  /** Text from the request and from the provider that telemetry must not hold with capture off. */
  secrets: string[];
  /** `error.type` of the model call, on its span and on every metric point. */
  errorType: string;
  /** The model call's span status message with capture off. */
  status: string;
  /** The provider's message, which capture on records in the status and exception. */
  providerMessage: string;
}

function scenario(
  name: string,
  fixture: string,
  errorType: string,
  status: string,
  providerMessage: string,
  extraSecrets: string[],
  run: (params: Record<string, unknown>) => Promise<unknown>,
): Scenario {
  const { params, prompt } = request(fixture);
  return { name, run: () => run(params), secrets: [prompt, providerMessage, ...extraSecrets], errorType, status, providerMessage };
}

const SCENARIOS: Scenario[] = [
  scenario(
    'Anthropic create: HTTP 400 whose message quotes the prompt',
    'anthropic/messages-error-400-quotes-prompt',
    'BadRequestError',
    'BadRequestError: HTTP 400 invalid_request_error',
    'was rejected by a request filter',
    [],
    (params) => anthropic.messages.create({ ...params, max_tokens: 50 }),
  ),
  scenario(
    'Anthropic create: HTTP 418, a generic APIError with an undocumented error type',
    'anthropic/messages-error-418-unknown-type',
    'APIError',
    'APIError: HTTP 418',
    'cannot serve',
    ['teapot_refusal_qx7'],
    (params) => anthropic.messages.create({ ...params, max_tokens: 50 }),
  ),
  scenario(
    'Anthropic streamed create: an in-stream error event of an undocumented type',
    'anthropic/messages-stream-error-event-quotes-prompt',
    'APIError',
    'APIError',
    'stopped while writing',
    ['mystery_fault_kv93'],
    async (params) => drain(await anthropic.messages.create({ ...params, max_tokens: 50 })),
  ),
  scenario(
    'Anthropic messages.stream(): an in-stream error event of an undocumented type',
    'anthropic/messages-stream-error-event-quotes-prompt',
    'APIError',
    'APIError',
    'stopped while writing',
    ['mystery_fault_kv93'],
    ({ stream: _stream, ...params }) => anthropic.messages.stream({ ...params, max_tokens: 50 }).finalMessage(),
  ),
  scenario(
    'OpenAI chat: HTTP 400 whose message quotes the prompt',
    'openai/chat-error-400-quotes-prompt',
    'BadRequestError',
    'BadRequestError: HTTP 400 invalid_request_error',
    'Invalid content in messages[0]',
    [],
    (params) => openai.chat.completions.create(params),
  ),
  scenario(
    'OpenAI chat: HTTP 402, a generic APIError with an undocumented type and code',
    'openai/chat-error-402-unknown-type',
    'APIError',
    'APIError: HTTP 402',
    'Billing hold on',
    ['billing_hold_zq12', 'hold_code_zq12'],
    (params) => openai.chat.completions.create(params),
  ),
  scenario(
    'OpenAI chat streamed: an in-stream error object',
    'openai/chat-stream-error-event',
    'APIError',
    'APIError',
    'The stream broke while answering',
    ['stream_fault_mn44'],
    async (params) => drain(await openai.chat.completions.create(params)),
  ),
  scenario(
    'OpenAI chat.completions.stream(): an in-stream error object',
    'openai/chat-stream-error-event',
    'APIError',
    'APIError',
    'The stream broke while answering',
    ['stream_fault_mn44'],
    ({ stream: _stream, ...params }) => openai.chat.completions.stream(params).finalChatCompletion(),
  ),
  scenario(
    'OpenAI Responses streamed: response.failed with an undocumented code',
    'openai/responses-stream-failed-quotes-prompt',
    'response_failed',
    'response_failed',
    'Could not complete',
    ['policy_block_vv31'],
    async (params) => drain(await openai.responses.create(params)),
  ),
  scenario(
    'OpenAI Responses streamed: an error event with an undocumented code',
    'openai/responses-stream-error-event',
    'APIError',
    'APIError',
    'Stream interrupted for',
    ['odd_code_pp52'],
    async (params) => drain(await openai.responses.create(params)),
  ),
  scenario(
    'OpenAI responses.stream(): an error event with an undocumented code',
    'openai/responses-stream-error-event',
    'APIError',
    'APIError',
    'Stream interrupted for',
    ['odd_code_pp52'],
    ({ stream: _stream, ...params }) => openai.responses.stream(params).finalResponse(),
  ),
  scenario(
    'OpenAI Responses: a response that failed with a documented code (invalid_prompt)',
    'openai/responses-failed',
    'invalid_prompt',
    'invalid_prompt',
    'Prompt rejected',
    [],
    (params) => openai.responses.create(params),
  ),
];

const ours = (span: ReadableSpan) => span.instrumentationScope.name === 'otel-genai';

const chatSpan = () =>
  tracing
    .spans()
    .filter(ours)
    .find((span) => span.attributes['gen_ai.operation.name'] === 'chat')!;

describe('provider error text with content capture off', () => {
  for (const signal of ['', 'logs/dup']) {
    describe(signal === '' ? 'exceptions as span events' : 'OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs/dup', () => {
      for (const { name, run, secrets, errorType, status } of SCENARIOS) {
        it(name, async () => {
          if (signal) process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = signal;
          await run().catch(() => undefined);
          await settle();
          expect(leaks(await telemetryStrings(tracing.spans().filter(ours)), secrets, { ignoreCase: true })).toEqual([]);
          const span = chatSpan();
          expect(span.attributes['error.type']).toBe(errorType);
          const typed = (await metricPoints()).filter((point) => point.attributes['error.type'] !== undefined);
          expect(typed.length).toBeGreaterThan(0);
          expect(new Set(typed.map((point) => point.attributes['error.type']))).toEqual(new Set([errorType]));
          expect(span.status).toEqual({ code: 2, message: status });
          // An error the app saw is still recorded: type, and a stack trace without the message.
          const exceptions = [
            ...span.events.filter((event) => event.name === 'exception').map((event) => event.attributes ?? {}),
            ...logExporter
              .getFinishedLogRecords()
              .filter((record) => record.eventName === 'gen_ai.client.inference.exception')
              .map((record) => record.attributes),
          ];
          if (errorType === 'response_failed' || errorType === 'invalid_prompt') {
            expect(exceptions).toEqual([]);
          } else {
            expect(exceptions).toHaveLength(signal ? 2 : 1);
            for (const attributes of exceptions) {
              expect(attributes['exception.type']).toBe(errorType);
              expect(attributes['exception.stacktrace']).toMatch(new RegExp(`^${errorType}(: .*)?\\n\\s+at `));
            }
          }
        });
      }

      it("a tool that throws with the prompt in its message, in a run that fails with the model call's error", async () => {
        if (signal) process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = signal;
        const { params, prompt } = request('anthropic/messages-error-400-quotes-prompt');
        const toolMessage = `lookup failed for "${prompt}"`;
        await withAgent({ name: 'clerk' }, async () => {
          await runTool({ name: 'lookup_record' }, async () => {
            throw new RangeError(toolMessage);
          }).catch(() => undefined);
          await anthropic.messages.create({ ...params, max_tokens: 50 });
        }).catch(() => undefined);
        await settle();
        expect(
          leaks(await telemetryStrings(tracing.spans().filter(ours)), [prompt, toolMessage, 'was rejected by a request filter'], {
            ignoreCase: true,
          }),
        ).toEqual([]);
        const spans = tracing.spans().filter(ours);
        expect(spans.map((span) => [span.name, span.attributes['error.type'], span.status.message])).toEqual([
          ['execute_tool lookup_record', 'RangeError', 'RangeError'],
          ['chat claude-sonnet-5-5', 'BadRequestError', 'BadRequestError: HTTP 400 invalid_request_error'],
          ['invoke_agent clerk', 'BadRequestError', 'BadRequestError: HTTP 400 invalid_request_error'],
        ]);
      });
    });
  }
});

describe('provider error text with content capture on', () => {
  for (const { name, run, errorType, providerMessage } of SCENARIOS) {
    it(name, async () => {
      process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = 'logs/dup';
      for (const instrumentation of instrumentations) instrumentation.setConfig({ captureMessageContent: true });
      await run().catch(() => undefined);
      await settle();
      const span = chatSpan();
      // The type stays bounded; the status says what the provider said.
      expect(span.attributes['error.type']).toBe(errorType);
      expect(span.status.message).toContain(providerMessage);
      if (errorType === 'response_failed' || errorType === 'invalid_prompt') return;
      const event = span.events.find((found) => found.name === 'exception')!;
      expect(event.attributes?.['exception.message']).toContain(providerMessage);
      const [record] = logExporter.getFinishedLogRecords().filter((found) => found.eventName === 'gen_ai.client.inference.exception');
      expect(record.attributes['exception.message']).toContain(providerMessage);
    });
  }
});

describe('the shared error functions', () => {
  /** An error shaped as the SDKs' generic `APIError`: the class name is what the code reads. */
  class APIError extends Error {
    constructor(
      message: string,
      readonly status: number | undefined,
      readonly type: unknown,
      readonly error: unknown = undefined,
      readonly code: unknown = undefined,
    ) {
      super(message);
    }
  }

  it('errorTypeOf: class names, documented provider types, and nothing the provider made up', () => {
    expect(errorTypeOf(new TypeError('terminated'))).toBe('TypeError');
    expect(errorTypeOf(new APIError('x', 529, 'overloaded_error'))).toBe('overloaded_error');
    expect(errorTypeOf(new APIError('x', undefined, undefined, { type: 'error', error: { type: 'rate_limit_error' } }))).toBe(
      'rate_limit_error',
    );
    expect(errorTypeOf(new APIError('x', undefined, 'error', undefined, 'server_error'))).toBe('server_error');
    expect(errorTypeOf(new APIError('x', 418, 'anything the provider says about "a prompt"'))).toBe('APIError');
    expect(errorTypeOf(new APIError('x', undefined, undefined, { error: { type: 'x'.repeat(5000) } }))).toBe('APIError');
    expect(errorTypeOf(new DOMException('stop', 'AbortError'))).toBe('AbortError');
    expect(errorTypeOf(new DOMException('stop', 'a made-up name with "text"'))).toBe('DOMException');
    expect(errorTypeOf('a thrown string with a prompt')).toBe('_OTHER');
    expect(errorTypeOf({})).toBe('_OTHER');
    // A class name that is not one: a computed name from data.
    const Odd = { ['Quoting "a prompt" here']: class extends Error {} }['Quoting "a prompt" here'];
    expect(errorTypeOf(new Odd('x'))).toBe('_OTHER');
  });

  it('messageOf: no error text unless the caller says capture is on', () => {
    const error = new APIError('400 the prompt "hunter2" was rejected', 400, 'invalid_request_error');
    expect(messageOf(error)).toBe('APIError: HTTP 400 invalid_request_error');
    expect(messageOf(error, true)).toBe('400 the prompt "hunter2" was rejected');
    expect(messageOf(new TypeError('terminated'))).toBe('TypeError');
    expect(messageOf('a thrown string')).toBeUndefined();
    expect(messageOf('a thrown string', true)).toBe('a thrown string');
  });

  it('recordException: the stack trace loses the message, even a multi-line one, unless capture is on', () => {
    const message = 'first line quoting "hunter2"\n    at a line that looks like a frame "hunter2"\nlast line';
    const error = new RangeError(message);
    const events: Array<{ name: string; attributes: Record<string, unknown> }> = [];
    const span = {
      recordException(exception: { name?: string; message?: string; stack?: string; code?: unknown }) {
        events.push({
          name: 'exception',
          attributes: { 'exception.type': exception.name, 'exception.message': exception.message, 'exception.stacktrace': exception.stack },
        });
      },
    } as unknown as Parameters<typeof recordException>[0];
    recordException(span, error, { logger: () => loggerProvider.getLogger('x'), name: undefined });
    const [off] = events;
    expect(off.attributes['exception.type']).toBe('RangeError');
    expect(JSON.stringify(off)).not.toContain('hunter2');
    const stack = off.attributes['exception.stacktrace'] as string;
    expect(stack.split('\n')[0]).toBe('RangeError');
    expect(stack.split('\n').slice(1).length).toBeGreaterThan(0);
    expect(
      stack
        .split('\n')
        .slice(1)
        .every((line) => /^\s+at /.test(line)),
    ).toBe(true);
    recordException(span, error, { logger: () => loggerProvider.getLogger('x'), name: undefined, captureContent: true });
    expect(JSON.stringify(events[1])).toContain('hunter2');
  });
});
