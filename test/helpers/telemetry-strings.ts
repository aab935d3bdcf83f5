/**
 * For the tests that search everything telemetry holds for text that must not be there: the
 * Anthropic and OpenAI instrumentations with every signal kept in memory (spans, log records, the
 * metric points of their own meter provider and of the global one), and all of it as labelled strings.
 */
import type { LoggerProvider as LoggerProviderAPI } from '@opentelemetry/api';
import { metrics } from '@opentelemetry/api';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { AnthropicInstrumentation, OpenAIInstrumentation } from '../../src';
import { setupTracing } from './tracing';

class TestReader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

export interface FoundString {
  where: string;
  text: string;
}

export interface MetricPoint {
  metric: string;
  attributes: Record<string, unknown>;
}

/** Every string in a value: keys too, and arrays and nested objects. */
function strings(value: unknown, into: string[]): string[] {
  if (typeof value === 'string') into.push(value);
  else if (Array.isArray(value)) for (const item of value) strings(item, into);
  else if (typeof value === 'object' && value !== null && !(value instanceof Uint8Array))
    for (const [key, item] of Object.entries(value)) strings([key, item], into);
  return into;
}

/**
 * The instrumentations and their in-memory telemetry for the whole test file, emptied before each
 * test (the instrumentations' config back to the default). `globalLogs`, the logs API the global
 * logger provider is registered through (for agent and tool spans' records), is reset after the file.
 */
export function captureAllTelemetry(globalLogs: { setGlobalLoggerProvider(provider: LoggerProviderAPI): unknown; disable(): void }) {
  const tracing = setupTracing();
  const logExporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logExporter })] });
  const instrumentations = [new AnthropicInstrumentation(), new OpenAIInstrumentation()];
  let readers: TestReader[] = [];

  beforeAll(() => {
    globalLogs.setGlobalLoggerProvider(loggerProvider);
  });
  afterAll(() => {
    globalLogs.disable();
    metrics.disable();
  });
  beforeEach(() => {
    const reader = new TestReader();
    const globalReader = new TestReader();
    readers = [reader, globalReader];
    metrics.disable();
    metrics.setGlobalMeterProvider(new MeterProvider({ readers: [globalReader] }));
    const meterProvider = new MeterProvider({ readers: [reader] });
    for (const instrumentation of instrumentations) {
      instrumentation.setConfig({});
      instrumentation.setTracerProvider(tracing.provider);
      instrumentation.setLoggerProvider(loggerProvider);
      instrumentation.setMeterProvider(meterProvider);
    }
    tracing.exporter.reset();
    logExporter.reset();
  });

  /** Every data point recorded since the test began, ours and the global meter provider's. */
  async function metricPoints(): Promise<MetricPoint[]> {
    const found: MetricPoint[] = [];
    for (const from of readers) {
      const { resourceMetrics } = await from.collect();
      for (const scope of resourceMetrics.scopeMetrics) {
        for (const metric of scope.metrics) {
          for (const point of metric.dataPoints as Array<{ attributes: Record<string, unknown> }>)
            found.push({ metric: metric.descriptor.name, attributes: point.attributes });
        }
      }
    }
    return found;
  }

  /** Every string of `spans` (all exported, by default), every log record and metric data point, labelled with where it is. */
  async function telemetryStrings(spans: ReadableSpan[] = tracing.spans()): Promise<FoundString[]> {
    const found: FoundString[] = [];
    const add = (where: string, value: unknown) => {
      for (const text of strings(value, [])) found.push({ where, text });
    };
    for (const span of spans) {
      const at = `span ${span.name} (${span.instrumentationScope.name})`;
      add(`${at} name`, span.name);
      add(`${at} attributes`, span.attributes);
      add(`${at} status`, span.status.message ?? '');
      for (const event of span.events) add(`${at} event ${event.name}`, [event.name, event.attributes ?? {}]);
      for (const link of span.links) add(`${at} link`, link.attributes ?? {});
    }
    for (const record of logExporter.getFinishedLogRecords()) {
      add(`log record ${record.eventName ?? ''}`, [record.eventName ?? '', record.body ?? '', record.attributes]);
    }
    for (const point of await metricPoints()) add(`metric ${point.metric}`, [point.metric, point.attributes]);
    return found;
  }

  return { tracing, logExporter, loggerProvider, instrumentations, metricPoints, telemetryStrings };
}

/** Where each of `forbidden` is found, one line each (none: no leak); `ignoreCase` compares in lower case. */
export function leaks(found: FoundString[], forbidden: string[], { ignoreCase = false } = {}): string[] {
  const fold = (text: string) => (ignoreCase ? text.toLowerCase() : text);
  const problems: string[] = [];
  for (const secret of forbidden) {
    for (const { where, text } of found) {
      if (fold(text).includes(fold(secret)))
        problems.push(`${where} holds ${JSON.stringify(secret)}: ${JSON.stringify(text.slice(0, 200))}`);
    }
  }
  return problems;
}
