/**
 * Where exceptions are recorded: span events by default; log records under
 * `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs`, both under `logs/dup` (the exceptions conventions'
 * move from span events to logs).
 */
import { logs } from '@opentelemetry/api-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, runTool, withAgent } from '../../src';
import { exceptionSignalFromEnv } from '../../src/semconv';
import { anthropicOverReplay, PROMPTS } from '../helpers/replay';
import { settle, setupTracingAndLogs } from '../helpers/tracing';

const { tracing, logs: records, loggerProvider } = setupTracingAndLogs(new AnthropicInstrumentation());
const replay = anthropicOverReplay(0);

const MODEL = 'claude-sonnet-5-5';
// Agent and tool spans go to the global providers.
beforeAll(() => logs.setGlobalLoggerProvider(loggerProvider));
afterAll(() => logs.disable());
beforeEach(() => {
  tracing.exporter.reset();
  records.reset();
  replay.server.reset();
});
afterEach(() => {
  delete process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN;
});

const rateLimited = () =>
  replay.client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: PROMPTS.error429 }] });

/** A run in which the model call fails and the run fails with its error, and a tool that throws. */
async function failingRun(): Promise<void> {
  await withAgent({ name: 'planner' }, async () => {
    await runTool({ name: 'convert_currency' }, async () => {
      throw new TypeError('rate service down');
    }).catch(() => undefined);
    await rateLimited();
  }).catch(() => undefined);
  await settle();
}

const exceptionEvents = (span: ReadableSpan) => span.events.filter((event) => event.name === 'exception');
const spanNamed = (prefix: string) => tracing.genAISpans().find((span) => span.name.startsWith(prefix))!;

describe('exceptions', () => {
  it('reads OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN as the conventions define it', () => {
    expect(exceptionSignalFromEnv(undefined)).toEqual({ onSpan: true, onLogs: false });
    expect(exceptionSignalFromEnv('')).toEqual({ onSpan: true, onLogs: false });
    expect(exceptionSignalFromEnv('logs')).toEqual({ onSpan: false, onLogs: true });
    expect(exceptionSignalFromEnv('logs/dup')).toEqual({ onSpan: true, onLogs: true });
    expect(exceptionSignalFromEnv('something-else')).toEqual({ onSpan: true, onLogs: false });
  });

  it('by default: span events on the model call, tool and run spans, and no log record', async () => {
    await failingRun();
    for (const prefix of ['chat', 'execute_tool', 'invoke_agent']) expect(exceptionEvents(spanNamed(prefix))).toHaveLength(1);
    expect(records.getFinishedLogRecords()).toHaveLength(0);
  });

  it('logs: one WARN record per exception, named by operation and correlated with its span; no span events', async () => {
    process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = 'logs';
    await failingRun();
    const chat = spanNamed('chat');
    const tool = spanNamed('execute_tool');
    for (const span of tracing.genAISpans()) expect(exceptionEvents(span)).toEqual([]);
    // The run failed with its model call's error: recorded once, on the model call.
    const found = records.getFinishedLogRecords().map((record) => ({
      eventName: record.eventName,
      severityNumber: record.severityNumber,
      severityText: record.severityText,
      spanId: record.spanContext?.spanId,
      type: record.attributes['exception.type'],
      message: record.attributes['exception.message'],
      stack: typeof record.attributes['exception.stacktrace'],
    }));
    expect(found).toEqual([
      {
        eventName: 'gen_ai.execute_tool.exception',
        severityNumber: 13,
        severityText: 'WARN',
        spanId: tool.spanContext().spanId,
        type: 'TypeError',
        // Content capture is off: the error's own message, which may quote the request, is left out.
        message: undefined,
        stack: 'string',
      },
      {
        eventName: 'gen_ai.client.inference.exception',
        severityNumber: 13,
        severityText: 'WARN',
        spanId: chat.spanContext().spanId,
        type: 'RateLimitError',
        message: 'HTTP 429 rate_limit_error',
        stack: 'string',
      },
    ]);
    // The spans still say what failed.
    expect([chat.attributes['error.type'], tool.attributes['error.type'], spanNamed('invoke_agent').attributes['error.type']]).toEqual([
      'RateLimitError',
      'TypeError',
      'RateLimitError',
    ]);
  });

  it("logs: a run's own error, which no call inside recorded, is a plain record on the run's span", async () => {
    process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = 'logs';
    expect(() =>
      withAgent({ name: 'planner' }, () => {
        throw new RangeError('gave up');
      }),
    ).toThrow(RangeError);
    const [record] = records.getFinishedLogRecords();
    expect(records.getFinishedLogRecords()).toHaveLength(1);
    expect(record.eventName).toBeUndefined();
    expect(record.attributes['exception.type']).toBe('RangeError');
    expect(record.spanContext?.spanId).toBe(spanNamed('invoke_agent').spanContext().spanId);
  });

  it('logs, with a logger provider that throws: the app gets its errors unchanged and every span ends', async () => {
    process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = 'logs';
    logs.disable();
    logs.setGlobalLoggerProvider({
      getLogger: () => {
        throw new Error('logger provider broke');
      },
    });
    try {
      const failure = new SyntaxError('bad plan');
      await expect(withAgent({ name: 'planner' }, () => runTool({ name: 'plan' }, () => Promise.reject(failure)))).rejects.toBe(failure);
      await settle();
      expect(tracing.genAISpans().map((span) => [span.name, span.attributes['error.type']])).toEqual([
        ['execute_tool plan', 'SyntaxError'],
        ['invoke_agent planner', 'SyntaxError'],
      ]);
      expect(records.getFinishedLogRecords()).toEqual([]);
    } finally {
      logs.disable();
      logs.setGlobalLoggerProvider(loggerProvider);
    }
  });

  it('logs/dup: both, span events and log records', async () => {
    process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = 'logs/dup';
    await failingRun();
    for (const prefix of ['chat', 'execute_tool', 'invoke_agent']) expect(exceptionEvents(spanNamed(prefix))).toHaveLength(1);
    expect(records.getFinishedLogRecords().map((record) => record.eventName)).toEqual([
      'gen_ai.execute_tool.exception',
      'gen_ai.client.inference.exception',
    ]);
  });
});
