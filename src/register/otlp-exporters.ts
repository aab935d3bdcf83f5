/**
 * The OTLP exporter of each signal for the protocol the environment names, as the OpenTelemetry
 * Node SDK picks it: `OTEL_EXPORTER_OTLP_{TRACES,METRICS,LOGS}_PROTOCOL`, else
 * `OTEL_EXPORTER_OTLP_PROTOCOL`, else `http/protobuf`. Each package is `require`d only when its
 * exporter is built; endpoint, headers, timeouts and compression are read by the exporter itself.
 */
import { diag } from '@opentelemetry/api';
import { getStringFromEnv } from '@opentelemetry/core';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import type { LogRecordExporter } from '@opentelemetry/sdk-logs';
import type { SpanExporter } from '@opentelemetry/sdk-trace';

export type OtlpProtocol = 'grpc' | 'http/json' | 'http/protobuf';
type Signal = 'TRACES' | 'METRICS' | 'LOGS';

export function otlpProtocol(signal: Signal): OtlpProtocol {
  const configured =
    (getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL'))?.trim() ||
    'http/protobuf';
  if (configured === 'grpc' || configured === 'http/json' || configured === 'http/protobuf') return configured;
  diag.warn(`Unsupported OTLP ${signal.toLowerCase()} protocol: "${configured}". Using http/protobuf.`);
  return 'http/protobuf';
}

/** The package of each protocol, by its suffix: `@opentelemetry/exporter-trace-otlp-proto`, … */
const PACKAGE_SUFFIX: Record<OtlpProtocol, string> = { grpc: 'grpc', 'http/json': 'http', 'http/protobuf': 'proto' };

/** `require`s `@opentelemetry/exporter-{kind}-otlp-{suffix}` and builds its `exportName` with its defaults. */
function createOtlpExporter<Exporter>(kind: 'trace' | 'metrics' | 'logs', exportName: string, protocol: OtlpProtocol): Exporter {
  const exports = require(`@opentelemetry/exporter-${kind}-otlp-${PACKAGE_SUFFIX[protocol]}`) as Record<string, new () => Exporter>;
  return new exports[exportName]();
}

export function createOtlpTraceExporter(protocol = otlpProtocol('TRACES')): SpanExporter {
  return createOtlpExporter('trace', 'OTLPTraceExporter', protocol);
}

export function createOtlpMetricExporter(protocol = otlpProtocol('METRICS')): PushMetricExporter {
  return createOtlpExporter('metrics', 'OTLPMetricExporter', protocol);
}

export function createOtlpLogExporter(protocol = otlpProtocol('LOGS')): LogRecordExporter {
  return createOtlpExporter('logs', 'OTLPLogExporter', protocol);
}
