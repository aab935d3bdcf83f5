import { diag, DiagLogLevel, SpanKind } from '@opentelemetry/api';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace';
import { registerGlobalTracing } from '../../src/register/propagators';

/** Registers `provider` globally with a context manager and the default propagators, as NodeSDK 3 does. */
export function registerProvider(provider: TracerProvider): void {
  registerGlobalTracing(provider, undefined);
}

/** A tracer provider whose spans go through a simple processor to `exporter`. */
export function simpleProvider(exporter: SpanExporter, options: ConstructorParameters<typeof TracerProvider>[0] = {}): TracerProvider {
  return new TracerProvider({ ...options, spanProcessors: [new SimpleSpanProcessor({ exporter })] });
}

/** A tracer provider registered globally, with an in-memory exporter behind a simple processor. */
export function setupTracing(extraProcessors: SpanProcessor[] = []) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter }), ...extraProcessors],
  });
  registerProvider(provider);
  const genAISpans = () => exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === 'otel-genai');
  return {
    exporter,
    provider,
    spans(): ReadableSpan[] {
      return exporter.getFinishedSpans();
    },
    /** Our spans only (scope otel-genai). */
    genAISpans,
    /** The names of our spans, sorted. */
    genAISpanNames(): string[] {
      return genAISpans()
        .map((span) => span.name)
        .sort();
    },
    /** Our model-call (CLIENT) spans, without tool and agent spans. */
    inferenceSpans(): ReadableSpan[] {
      return exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === 'otel-genai' && span.kind === SpanKind.CLIENT);
    },
    /** Our `execute_tool` spans. */
    toolSpans(): ReadableSpan[] {
      return exporter
        .getFinishedSpans()
        .filter((span) => span.instrumentationScope.name === 'otel-genai' && span.attributes['gen_ai.operation.name'] === 'execute_tool');
    },
  };
}

/**
 * `setupTracing()` for one instrumentation, with a logger provider over an in-memory exporter for
 * the log records it emits (content events, exceptions as logs).
 */
export function setupTracingAndLogs(instrumentation: Pick<InstrumentationBase, 'setTracerProvider' | 'setLoggerProvider'>) {
  const tracing = setupTracing();
  const logs = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter: logs })] });
  instrumentation.setTracerProvider(tracing.provider);
  instrumentation.setLoggerProvider(loggerProvider);
  return { tracing, logs, loggerProvider };
}

/** Waits for pending span ends that happen a few ticks after the app got its result. */
export function settle(ms = 20): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Sends `diag` warnings and errors into the returned list, each as one line. */
export function captureDiag(): string[] {
  const lines: string[] = [];
  diag.setLogger(
    {
      error: (...args) => lines.push(`error ${args.join(' ')}`),
      warn: (...args) => lines.push(`warn ${args.join(' ')}`),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  return lines;
}
