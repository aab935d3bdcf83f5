import { expect } from 'vitest';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { ReplayServer } from '../../src/testing/replay-server';
import { settle } from './tracing';
import type { setupTracing } from './tracing';

/**
 * `bareAndTraced` runs a scenario without and then with the instrumentation and checks that the
 * app saw the same; `onlySpan` returns the one GenAI span the traced run made.
 */
export function scenarioTools(instrumentation: Instrumentation, tracing: ReturnType<typeof setupTracing>, server: () => ReplayServer) {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the suites drive several SDK majors
  async function bareAndTraced<T = any>(scenario: () => T | Promise<T>): Promise<Awaited<T>> {
    instrumentation.disable();
    server().reset();
    const bare = await scenario();
    instrumentation.enable();
    server().reset();
    tracing.exporter.reset();
    const traced = await scenario();
    expect(traced).toEqual(bare);
    await settle();
    return traced;
  }

  function onlySpan(): ReadableSpan {
    const spans = tracing.inferenceSpans();
    expect(spans).toHaveLength(1);
    return spans[0];
  }

  return { bareAndTraced, onlySpan };
}

/** What an app can observe of an error: its class, HTTP status and message. */
export function errorShape(error: unknown) {
  const e = error as { constructor: { name: string }; status?: number; message: string };
  return { name: e.constructor.name, status: e.status, message: e.message };
}

/** What an app can observe of the error `call` rejects with (errorShape); undefined when it resolves. */
export function rejectionShape(call: Promise<unknown>): Promise<ReturnType<typeof errorShape> | undefined> {
  return call.then(
    () => undefined,
    (caught: unknown) => errorShape(caught),
  );
}

export async function collect(stream: AsyncIterable<unknown>): Promise<unknown[]> {
  const chunks: unknown[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return chunks;
}
