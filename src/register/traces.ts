/**
 * The span processors `OTEL_TRACES_EXPORTER` asks for, read as the OpenTelemetry Node SDK reads it
 * (`otlp` when unset, `none` first for no tracing, `zipkin`, `console`), plus our `genai-tree`,
 * alone or beside the others. Only the exporters named are loaded, and the OTLP and Zipkin ones
 * only on their first export (see LazyExporter). The sampler (`OTEL_TRACES_SAMPLER`), the span
 * limits and the batch processor's settings (`OTEL_BSP_*`) are read by the trace SDK itself.
 */
import { diag } from '@opentelemetry/api';
import { getStringListFromEnv } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan, SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { LazyExporter } from './lazy-exporter';
import { createOtlpTraceExporter, otlpProtocol } from './otlp-exporters';

export const TREE_EXPORTER = 'genai-tree';

/** The tracer provider for the environment, or undefined when it asks for no trace exporter. */
export function tracerProviderFromEnv(resource: Resource): NodeTracerProvider | undefined {
  const spanProcessors = spanProcessorsFromEnv();
  return spanProcessors.length === 0 ? undefined : new NodeTracerProvider({ resource, spanProcessors });
}

export function spanProcessorsFromEnv(): SpanProcessor[] {
  const names = [...new Set(getStringListFromEnv('OTEL_TRACES_EXPORTER') ?? [])].filter((name) => name !== 'null');
  const processors: SpanProcessor[] = [];
  if (names.includes(TREE_EXPORTER)) {
    const { GenAITreeExporter } = require('../tree-exporter') as typeof import('../tree-exporter');
    processors.push(new SimpleSpanProcessor(new GenAITreeExporter()));
  }
  for (const name of standardExporters(names)) {
    if (name === 'otlp') {
      const protocol = otlpProtocol('TRACES');
      processors.push(new BatchSpanProcessor(lazy(() => createOtlpTraceExporter(protocol))));
    } else if (name === 'zipkin') {
      processors.push(new BatchSpanProcessor(lazy(() => new (require('@opentelemetry/exporter-zipkin') as typeof import('@opentelemetry/exporter-zipkin')).ZipkinExporter())));
    } else if (name === 'console') {
      processors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
    } else {
      diag.warn(`Unrecognized OTEL_TRACES_EXPORTER value: ${name}.`);
    }
  }
  return processors;
}

/**
 * The Node SDK's reading of the list without `genai-tree`: empty is `otlp`, `none` first is no
 * exporter, `none` among others is `otlp`. Beside `genai-tree`, an empty list or `none` is none.
 */
function standardExporters(names: string[]): string[] {
  const standard = names.filter((name) => name !== TREE_EXPORTER);
  if (standard[0] === 'none') {
    if (standard.length === names.length) diag.warn('OTEL_TRACES_EXPORTER contains "none". SDK will not be initialized.');
    return [];
  }
  if (standard.length === 0) return standard.length === names.length ? ['otlp'] : [];
  if (standard.length > 1 && standard.includes('none')) {
    diag.warn('OTEL_TRACES_EXPORTER contains "none" along with other exporters. Using default otlp exporter.');
    return ['otlp'];
  }
  return standard;
}

function lazy(create: () => SpanExporter): SpanExporter {
  return new LazyExporter<ReadableSpan>(create);
}
