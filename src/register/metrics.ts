/**
 * A meter provider only when `OTEL_METRICS_EXPORTER` asks for one, read as the OpenTelemetry Node
 * SDK reads it: unset is `otlp`, `none` anywhere is no meter provider; `otlp`, `console`,
 * `prometheus` (a pull reader on its own port). `OTEL_METRIC_EXPORT_INTERVAL` (default 60 s) and
 * `OTEL_METRIC_EXPORT_TIMEOUT` (30 s, at most the interval) time the periodic readers. The metrics
 * SDK and the exporters are loaded only when asked for.
 */
import { diag } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { IMetricReader, MeterProvider, PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { exporterNamesFromEnv, positiveNumberFromEnv } from './env';
import { createOtlpMetricExporter } from './otlp-exporters';

type MetricsSDK = typeof import('@opentelemetry/sdk-metrics');

export function meterProviderFromEnv(resource: Resource): MeterProvider | undefined {
  const names = exporterNamesFromEnv('OTEL_METRICS_EXPORTER');
  if (names === undefined) return undefined;
  const sdk = require('@opentelemetry/sdk-metrics') as MetricsSDK;
  const readers = names.flatMap((name): IMetricReader[] => {
    switch (name) {
      case 'otlp':
        return [periodicReader(sdk, createOtlpMetricExporter())];
      case 'console':
        return [new sdk.PeriodicExportingMetricReader({ exporter: new sdk.ConsoleMetricExporter() })];
      case 'prometheus':
        return [
          new (require('@opentelemetry/exporter-prometheus') as typeof import('@opentelemetry/exporter-prometheus')).PrometheusExporter(),
        ];
      default:
        diag.warn(`Unsupported OTEL_METRICS_EXPORTER value: "${name}". Supported values are: otlp, console, prometheus, none.`);
        return [];
    }
  });
  return readers.length === 0 ? undefined : new sdk.MeterProvider({ resource, readers, views: [] });
}

function periodicReader(sdk: MetricsSDK, exporter: PushMetricExporter): IMetricReader {
  const interval = positiveNumberFromEnv('OTEL_METRIC_EXPORT_INTERVAL');
  const timeout = positiveNumberFromEnv('OTEL_METRIC_EXPORT_TIMEOUT');
  const exportIntervalMillis = interval ?? 60_000;
  let exportTimeoutMillis = timeout ?? 30_000;
  if (exportTimeoutMillis > exportIntervalMillis) {
    const message = `OTEL_METRIC_EXPORT_TIMEOUT (${exportTimeoutMillis}) is greater than OTEL_METRIC_EXPORT_INTERVAL (${exportIntervalMillis}). Clamping timeout to interval value.`;
    if (interval !== undefined && timeout !== undefined) diag.warn(message);
    else diag.info(message);
    exportTimeoutMillis = exportIntervalMillis;
  }
  return new sdk.PeriodicExportingMetricReader({ exporter, exportIntervalMillis, exportTimeoutMillis });
}
