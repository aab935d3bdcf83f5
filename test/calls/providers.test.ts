/**
 * The guarantees every registered SDK instrumentation gives, checked on each from the same tests:
 * the providers are the registry's SDKs whose model calls it maps (src/registry.ts: entries with
 * `specs`; the AI SDK's channel has its guarantees in test/ai-sdk/), each driven by its driver
 * (test/helpers/providers.ts) against the bundled fixtures. (Fuzzed payloads: test/fuzz/properties.test.ts,
 * which takes its mappings from the registry too.)
 *
 * - one CLIENT span per call;
 * - every span ends exactly once: on success, on an error, a `break`, an abort, a stream cut;
 * - the app gets the very object it would get without us (the same class, the same own keys, the same data);
 * - telemetry faults (span processors that throw) never reach the app;
 * - no content is recorded unless asked.
 */
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { Instrumentation } from '@opentelemetry/instrumentation';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { registryEntries } from '../../src/registry';
import type { ReplayServer } from '../../src/testing/replay-server';
import { DRIVERS } from '../helpers/providers';
import { startFixtureServer } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

/** How often each span reached `onEnd`, and which started; a switch that makes a processor throw. */
const started = new Set<string>();
const ends = new Map<string, number>();
let hostile = false;
const counter: SpanProcessor = {
  onStart(span) {
    started.add(span.spanContext().spanId);
  },
  onEnd(span) {
    const id = span.spanContext().spanId;
    ends.set(id, (ends.get(id) ?? 0) + 1);
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};
const throwing: SpanProcessor = {
  onStart() {
    if (hostile) throw new Error('hostile processor: onStart');
  },
  onEnd() {
    if (hostile) throw new Error('hostile processor: onEnd');
  },
  forceFlush: async () => {},
  shutdown: async () => {},
};
const tracing = setupTracing([counter, throwing]);

const PROVIDERS = registryEntries().filter((entry) => entry.specs !== undefined);
const instrumentations = new Map<string, Instrumentation>();
for (const entry of PROVIDERS) {
  const instrumentation = new entry.instrumentation();
  instrumentation.setTracerProvider(tracing.provider);
  instrumentations.set(entry.key, instrumentation);
}

let server: ReplayServer;
beforeAll(async () => {
  server = await startFixtureServer(0.02);
});
afterAll(() => server.close());
beforeEach(() => {
  for (const instrumentation of instrumentations.values()) instrumentation.enable();
  tracing.exporter.reset();
  started.clear();
  ends.clear();
  hostile = false;
});

it('every SDK whose model calls the registry maps has a driver here', () => {
  expect(PROVIDERS.map((entry) => entry.key).filter((key) => DRIVERS[key] === undefined)).toEqual([]);
  expect(PROVIDERS.length).toBeGreaterThanOrEqual(3);
});

/** Every span started so far ended exactly once. */
async function everySpanEndedOnce(): Promise<void> {
  await settle(30);
  expect(started.size).toBeGreaterThan(0);
  for (const id of started) expect(ends.get(id), `span ${id}`).toBe(1);
}

function onlyCall(): ReadableSpan {
  const spans = tracing.inferenceSpans();
  expect(spans.map((span) => SpanKind[span.kind])).toEqual(['CLIENT']);
  return spans[0];
}

/** What the app can observe of a value: its class, its own keys, its data. */
function shape(value: unknown): unknown {
  const object = value as Record<string, unknown>;
  const { sdkHttpResponse: _google, _request_id: _anthropic, ...data } = object;
  return {
    prototype: Object.getPrototypeOf(value)?.constructor?.name,
    keys: Object.keys(object).sort(),
    data: JSON.parse(JSON.stringify(data)),
  };
}

async function outcome<T>(run: () => Promise<T>): Promise<{ value?: T; error?: string }> {
  try {
    return { value: await run() };
  } catch (error) {
    return { error: `${(error as Error)?.constructor?.name}: ${(error as { status?: number }).status ?? ''}` };
  }
}

describe.each(PROVIDERS.map((entry) => [entry.key, entry] as const))('%s', (key) => {
  const driver = DRIVERS[key];
  const instrumentation = () => instrumentations.get(key) as Instrumentation;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  let client: any;
  beforeAll(() => {
    client = driver.client(server.url);
  });

  /** The scenario without, then with, the instrumentation: the app sees the same. */
  async function bareAndTraced<T>(scenario: () => Promise<T>): Promise<T> {
    instrumentation().disable();
    server.reset();
    const bare = await scenario();
    instrumentation().enable();
    server.reset();
    tracing.exporter.reset();
    started.clear();
    ends.clear();
    const traced = await scenario();
    expect(traced).toEqual(bare);
    return traced;
  }

  it('a call: one CLIENT span, ended once; the app gets the same object (class, keys, data)', async () => {
    await bareAndTraced(async () => shape(await driver.call(client)));
    onlyCall();
    await everySpanEndedOnce();
  });

  it('an HTTP error: the same error for the app, one span ended once as an error', async () => {
    await bareAndTraced(() => outcome(() => driver.rateLimited(client)));
    expect(onlyCall().status.code).toBe(SpanStatusCode.ERROR);
    await everySpanEndedOnce();
  });

  it('a stream read to its end: the same stream object and chunks, one span ended once', async () => {
    await bareAndTraced(async () => {
      const stream = await driver.stream(client);
      const chunks: unknown[] = [];
      for await (const chunk of stream) chunks.push(shape(chunk));
      return { stream: { prototype: Object.getPrototypeOf(stream)?.constructor?.name, keys: Object.keys(stream).sort() }, chunks };
    });
    expect(onlyCall().status.code).toBe(SpanStatusCode.UNSET);
    await everySpanEndedOnce();
  });

  it('a stream left with break: one span, ended once, not an error', async () => {
    await bareAndTraced(async () => {
      let count = 0;
      for await (const _chunk of await driver.stream(client)) if (++count === 3) break;
      return count;
    });
    await everySpanEndedOnce();
    expect(onlyCall().status.code).toBe(SpanStatusCode.UNSET);
  });

  it('an aborted stream: the same outcome for the app, one span ended once as an error', async () => {
    const aborted = () =>
      outcome(async () => {
        const controller = new AbortController();
        let count = 0;
        for await (const _chunk of await driver.stream(client, controller.signal)) if (++count === 2) controller.abort();
        return count;
      });
    // The Stainless SDKs end the iteration quietly on an abort, @google/genai throws: the app sees what it saw untraced.
    await bareAndTraced(aborted);
    await everySpanEndedOnce();
    expect(onlyCall().status.code).toBe(SpanStatusCode.ERROR);
  });

  it('a stream the network cuts: the same outcome for the app, one span ended once as an error', async () => {
    await bareAndTraced(() =>
      outcome(async () => {
        let count = 0;
        for await (const _chunk of await driver.cut(client)) count++;
        return count;
      }),
    );
    await everySpanEndedOnce();
    expect(onlyCall().status.code).toBe(SpanStatusCode.ERROR);
  });

  it('span processors that throw: the app gets the same results, call and stream', async () => {
    const run = async () => {
      const whole = shape(await driver.call(client));
      const chunks: unknown[] = [];
      for await (const chunk of await driver.stream(client)) chunks.push(shape(chunk));
      return { whole, chunks };
    };
    instrumentation().disable();
    server.reset();
    const bare = await run();
    instrumentation().enable();
    server.reset();
    hostile = true;
    expect(await run()).toEqual(bare);
  });

  it('no content unless asked: neither the prompt nor the reply reaches a span', async () => {
    await driver.call(client);
    for await (const _chunk of await driver.stream(client)) {
      // read to the end
    }
    await settle(30);
    const recorded = JSON.stringify(tracing.spans().map((span) => [span.attributes, span.events, span.status]));
    for (const text of driver.promptText) expect(recorded).not.toContain(text);
    for (const key of ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions'])
      expect(recorded).not.toContain(key);
  });
});
