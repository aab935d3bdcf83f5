/**
 * A logger provider only when `OTEL_LOGS_EXPORTER` asks for one (our content events go through the
 * Logs API), read as the OpenTelemetry Node SDK reads it: unset is `otlp`, `none` anywhere is no
 * logger provider; `otlp` (batched, `OTEL_BLRP_*`) and `console`. The record limits come from
 * `OTEL_LOGRECORD_ATTRIBUTE_*_LIMIT`, else `OTEL_ATTRIBUTE_*_LIMIT`. The logs SDK is loaded only when
 * asked for, and the OTLP exporter only on its first export.
 */
import { diag } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { LoggerProvider, LogRecordProcessor, ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { exporterNamesFromEnv, positiveNumberFromEnv } from './env';
import { LazyExporter } from './lazy-exporter';
import { createOtlpLogExporter, otlpProtocol } from './otlp-exporters';

export function loggerProviderFromEnv(resource: Resource): LoggerProvider | undefined {
  const names = exporterNamesFromEnv('OTEL_LOGS_EXPORTER');
  if (names === undefined) return undefined;
  const sdk = require('@opentelemetry/sdk-logs') as typeof import('@opentelemetry/sdk-logs');
  const processors = names.flatMap((name): LogRecordProcessor[] => {
    switch (name) {
      case 'otlp': {
        const protocol = otlpProtocol('LOGS');
        return [
          new sdk.BatchLogRecordProcessor({
            exporter: new LazyExporter<ReadableLogRecord>(() => createOtlpLogExporter(protocol)),
            maxQueueSize: positiveNumberFromEnv('OTEL_BLRP_MAX_QUEUE_SIZE'),
            scheduledDelayMillis: positiveNumberFromEnv('OTEL_BLRP_SCHEDULE_DELAY'),
            exportTimeoutMillis: positiveNumberFromEnv('OTEL_BLRP_EXPORT_TIMEOUT'),
            maxExportBatchSize: positiveNumberFromEnv('OTEL_BLRP_MAX_EXPORT_BATCH_SIZE'),
          }),
        ];
      }
      case 'console':
        return [new sdk.SimpleLogRecordProcessor({ exporter: new sdk.ConsoleLogRecordExporter() })];
      default:
        diag.warn(`Unsupported OTEL_LOGS_EXPORTER value: "${name}". Supported values are: otlp, console, none.`);
        return [];
    }
  });
  if (processors.length === 0) return undefined;
  return new sdk.LoggerProvider({
    resource,
    processors,
    logRecordLimits: {
      attributeCountLimit:
        positiveNumberFromEnv('OTEL_LOGRECORD_ATTRIBUTE_COUNT_LIMIT') ?? positiveNumberFromEnv('OTEL_ATTRIBUTE_COUNT_LIMIT'),
      attributeValueLengthLimit:
        positiveNumberFromEnv('OTEL_LOGRECORD_ATTRIBUTE_VALUE_LENGTH_LIMIT') ?? positiveNumberFromEnv('OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT'),
    },
  });
}
