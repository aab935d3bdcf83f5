/**
 * A model call's error that the app leaves to Node's report (an unhandled rejection) is reported as
 * without us, heading line included (issue 18, item 19). Node heads the report with the source
 * line where the error was made, which it finds from the error's frames; V8 drops those frames once
 * the error's `stack` is read, and Node then shows a line of its own
 * (`node:internal/process/promises … triggerUncaughtException`). Recording the exception reads the
 * stack without formatting the error's own (`peekStack`). Run as apps, with and without `register`.
 */
import { join } from 'node:path';
import { SpanStatusCode } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../../src';
import { peekStack } from '../../src/errors';
import { fixtureRequest } from '../helpers/replay';
import { replayAndReceiver } from '../helpers/replay-and-receiver';
import { runApp } from '../helpers/run-app';
import { settle, setupTracing } from '../helpers/tracing';

const APP = join(__dirname, '..', 'apps', 'unhandled-app.mjs');
const backends = replayAndReceiver(0);

describe("Node's report of an unhandled model-call error", () => {
  for (const provider of ['anthropic', 'openai']) {
    for (const how of ['dropped', 'awaited', 'stream', 'cut']) {
      it(`${provider}, ${how}: the same report, heading line included, traced as untraced; the span exported`, async () => {
        const bare = await runApp(APP, { register: false, env: backends.env(), script: [provider, how] });
        backends.server.reset();
        const traced = await runApp(APP, { register: true, env: backends.env(), script: [provider, how] });
        expect(bare.code).toBe(1);
        expect(traced.code).toBe(bare.code);
        // The heading: the source line where the error was made (the SDK's, or undici's for a cut).
        const heading = (stderr: string) => stderr.slice(0, stderr.indexOf('\n\n'));
        expect(heading(bare.stderr)).not.toContain('node:internal/process/promises');
        expect(heading(traced.stderr)).toBe(heading(bare.stderr));
        // A cut connection's error shows the socket's (random) local port, and its frames end in
        // `TCP.callbackTrampoline` while async hooks are on (the context manager): the rest is compared.
        const comparable = (stderr: string) =>
          how === 'cut'
            ? stderr.replace(/\n {4,}at TCP\.callbackTrampoline \(.*\)/g, '').replace(/localPort: \d+/g, 'localPort: N')
            : stderr;
        expect(comparable(traced.stderr)).toBe(comparable(bare.stderr));
        const chat = backends.receiver.spans.filter((span) => span.scope === 'otel-genai' && span.name.startsWith('chat'));
        expect(chat).toHaveLength(1);
        expect(chat[0].statusCode).toBe(SpanStatusCode.ERROR);
      });
    }
  }
});

describe('peekStack', () => {
  it("reads the frames as Node formats them, and leaves the error's own stack unformatted", () => {
    const make = () => new RangeError('the message');
    const expected = make().stack;
    const error = make();
    const peeked = peekStack(error);
    // Equal but for the line of the second make() call.
    expect(String(peeked).split('\n').slice(0, 2)).toEqual(String(expected).split('\n').slice(0, 2));
    // Unformatted: the first read of `stack` still goes through the app's formatter, and it is ours again.
    const previous = Error.prepareStackTrace;
    let formatted = 0;
    Error.prepareStackTrace = (formatting, frames) => {
      formatted++;
      return `formatted by the app: ${String(formatting)} ${frames.length}`;
    };
    try {
      expect(error.stack).toBe(`formatted by the app: RangeError: the message ${String(peeked).split('\n').length - 1}`);
      expect(formatted).toBe(1);
    } finally {
      Error.prepareStackTrace = previous;
    }
    expect(Error.prepareStackTrace).toBe(previous);
  });

  it("uses the app's own prepareStackTrace, and reads a stack already formatted or set as it is", () => {
    const previous = Error.prepareStackTrace;
    Error.prepareStackTrace = (formatting) => `app format of ${(formatting as Error).message}`;
    try {
      expect(peekStack(new Error('one'))).toBe('app format of one');
    } finally {
      Error.prepareStackTrace = previous;
    }
    const read = new Error('two');
    const text = read.stack;
    expect(peekStack(read)).toBe(text);
    const set = new Error('three');
    set.stack = 'set by hand';
    expect(peekStack(set)).toBe('set by hand');
  });

  it('an exception recorded on a span carries the frames, and the error stays unformatted', async () => {
    const tracing = setupTracing();
    const instrumentation = new OpenAIInstrumentation();
    instrumentation.setTracerProvider(tracing.provider);
    // Loaded after the instrumentation, as an app's SDK would be.
    const OpenAI = require('openai').default;
    const client = new OpenAI({ apiKey: 'test-key', baseURL: `${backends.server.url}/v1`, maxRetries: 0 });
    const error = await client.chat.completions.create(fixtureRequest('openai/chat-error-429')).then(
      () => undefined,
      (failure: Error) => failure,
    );
    await settle();
    const previous = Error.prepareStackTrace;
    let formatted = 0;
    Error.prepareStackTrace = (formatting, frames) => {
      formatted++;
      return `${String(formatting)}\n    at ${frames.join('\n    at ')}`;
    };
    try {
      expect(typeof error?.stack).toBe('string');
      expect(formatted).toBe(1);
    } finally {
      Error.prepareStackTrace = previous;
    }
    const [span] = tracing.inferenceSpans();
    const event = span.events.find((each) => each.name === 'exception');
    expect(event?.attributes?.['exception.type']).toBe('RateLimitError');
    expect(String(event?.attributes?.['exception.stacktrace'])).toMatch(/^RateLimitError: HTTP 429 rate_limit_exceeded\n {4}at /);
    instrumentation.disable();
  });
});
