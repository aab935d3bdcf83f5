/**
 * The span processors `OTEL_TRACES_EXPORTER` asks for, read as the OpenTelemetry Node SDK reads it
 * (`otlp` when unset, `none` first for no tracing, `zipkin`, `console`), plus our `genai-tree`,
 * alone or beside the others. Only the exporters named are loaded, and the OTLP and Zipkin ones
 * only on their first export (see LazyExporter). The 3.x trace SDK reads no environment itself: the
 * sampler (`OTEL_TRACES_SAMPLER`), the span limits (`OTEL_SPAN_*_LIMIT`) and the batch processor's
 * settings (`OTEL_BSP_*`) are read here, as NodeSDK 3 reads them.
 */
import { diag } from '@opentelemetry/api';
import { getNumberFromEnv, getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import type { Resource } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { ReadableSpan, Sampler, SpanExporter, SpanLimits, SpanProcessor } from '@opentelemetry/sdk-trace';
import { positiveNumberFromEnv } from './env';
import { LazyExporter } from './lazy-exporter';
import { createOtlpTraceExporter, otlpProtocol } from './otlp-exporters';

export const TREE_EXPORTER = 'genai-tree';

/** The tracer provider for the environment, or undefined when it asks for no trace exporter. */
export function tracerProviderFromEnv(resource: Resource): TracerProvider | undefined {
  const spanProcessors = spanProcessorsFromEnv();
  if (spanProcessors.length === 0) return undefined;
  return new TracerProvider({ resource, spanProcessors, sampler: samplerFromEnv(), spanLimits: spanLimitsFromEnv() });
}

export function spanProcessorsFromEnv(): SpanProcessor[] {
  const names = [...new Set(getStringListFromEnv('OTEL_TRACES_EXPORTER') ?? [])].filter((name) => name !== 'null');
  const processors: SpanProcessor[] = [];
  if (names.includes(TREE_EXPORTER)) {
    const { GenAITreeExporter } = require('../tree-exporter') as typeof import('../tree-exporter');
    processors.push(new SimpleSpanProcessor({ exporter: new GenAITreeExporter() }));
  }
  for (const name of standardExporters(names)) {
    if (name === 'otlp') {
      const protocol = otlpProtocol('TRACES');
      processors.push(batchProcessor(lazy(() => createOtlpTraceExporter(protocol))));
    } else if (name === 'zipkin') {
      processors.push(
        batchProcessor(
          lazy(() => new (require('@opentelemetry/exporter-zipkin') as typeof import('@opentelemetry/exporter-zipkin')).ZipkinExporter()),
        ),
      );
    } else if (name === 'console') {
      processors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
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

function batchProcessor(exporter: SpanExporter): SpanProcessor {
  return new BatchSpanProcessor({
    exporter,
    maxQueueSize: positiveNumberFromEnv('OTEL_BSP_MAX_QUEUE_SIZE'),
    scheduledDelayMillis: positiveNumberFromEnv('OTEL_BSP_SCHEDULE_DELAY'),
    exportTimeoutMillis: positiveNumberFromEnv('OTEL_BSP_EXPORT_TIMEOUT'),
    maxExportBatchSize: positiveNumberFromEnv('OTEL_BSP_MAX_EXPORT_BATCH_SIZE'),
  });
}

/** `OTEL_TRACES_SAMPLER` / `OTEL_TRACES_SAMPLER_ARG`; undefined leaves the SDK's default (parent-based, always on). */
export function samplerFromEnv(): Sampler | undefined {
  const name = getStringFromEnv('OTEL_TRACES_SAMPLER');
  switch (name) {
    case undefined:
      return undefined;
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'parentbased_always_on':
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'traceidratio':
      return new TraceIdRatioBasedSampler(samplerRatioFromEnv());
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(samplerRatioFromEnv()) });
    default:
      diag.error(`unknown OTEL_TRACES_SAMPLER value "${name}", using default`);
      return undefined;
  }
}

function samplerRatioFromEnv(): number {
  const ratio = getNumberFromEnv('OTEL_TRACES_SAMPLER_ARG');
  if (ratio === undefined) {
    diag.error('OTEL_TRACES_SAMPLER_ARG is blank, defaulting to 1.');
    return 1;
  }
  if (ratio < 0 || ratio > 1) {
    diag.error(`OTEL_TRACES_SAMPLER_ARG=${ratio} was given, but it is out of range ([0..1]), defaulting to 1.`);
    return 1;
  }
  return ratio;
}

function spanLimitsFromEnv(): SpanLimits {
  return {
    attributeCountLimit: getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_COUNT_LIMIT'),
    attributeValueLengthLimit:
      getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? getNumberFromEnv('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
    eventCountLimit: getNumberFromEnv('OTEL_SPAN_EVENT_COUNT_LIMIT'),
    linkCountLimit: getNumberFromEnv('OTEL_SPAN_LINK_COUNT_LIMIT'),
    attributePerEventCountLimit:
      getNumberFromEnv('OTEL_EVENT_ATTRIBUTE_COUNT_LIMIT') ?? getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_PER_EVENT_COUNT_LIMIT'),
    attributePerLinkCountLimit:
      getNumberFromEnv('OTEL_LINK_ATTRIBUTE_COUNT_LIMIT') ?? getNumberFromEnv('OTEL_SPAN_ATTRIBUTE_PER_LINK_COUNT_LIMIT'),
  };
}
