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
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';

export type OtlpProtocol = 'grpc' | 'http/json' | 'http/protobuf';
type Signal = 'TRACES' | 'METRICS' | 'LOGS';

export function otlpProtocol(signal: Signal): OtlpProtocol {
  const configured =
    (getStringFromEnv(`OTEL_EXPORTER_OTLP_${signal}_PROTOCOL`) ?? getStringFromEnv('OTEL_EXPORTER_OTLP_PROTOCOL'))?.trim() || 'http/protobuf';
  if (configured === 'grpc' || configured === 'http/json' || configured === 'http/protobuf') return configured;
  diag.warn(`Unsupported OTLP ${signal.toLowerCase()} protocol: "${configured}". Using http/protobuf.`);
  return 'http/protobuf';
}

export function createOtlpTraceExporter(protocol = otlpProtocol('TRACES')): SpanExporter {
  switch (protocol) {
    case 'grpc':
      return new (require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc')).OTLPTraceExporter();
    case 'http/json':
      return new (require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter();
    case 'http/protobuf':
      return new (require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter();
  }
}

export function createOtlpMetricExporter(protocol = otlpProtocol('METRICS')): PushMetricExporter {
  switch (protocol) {
    case 'grpc':
      return new (require('@opentelemetry/exporter-metrics-otlp-grpc') as typeof import('@opentelemetry/exporter-metrics-otlp-grpc')).OTLPMetricExporter();
    case 'http/json':
      return new (require('@opentelemetry/exporter-metrics-otlp-http') as typeof import('@opentelemetry/exporter-metrics-otlp-http')).OTLPMetricExporter();
    case 'http/protobuf':
      return new (require('@opentelemetry/exporter-metrics-otlp-proto') as typeof import('@opentelemetry/exporter-metrics-otlp-proto')).OTLPMetricExporter();
  }
}

export function createOtlpLogExporter(protocol = otlpProtocol('LOGS')): LogRecordExporter {
  switch (protocol) {
    case 'grpc':
      return new (require('@opentelemetry/exporter-logs-otlp-grpc') as typeof import('@opentelemetry/exporter-logs-otlp-grpc')).OTLPLogExporter();
    case 'http/json':
      return new (require('@opentelemetry/exporter-logs-otlp-http') as typeof import('@opentelemetry/exporter-logs-otlp-http')).OTLPLogExporter();
    case 'http/protobuf':
      return new (require('@opentelemetry/exporter-logs-otlp-proto') as typeof import('@opentelemetry/exporter-logs-otlp-proto')).OTLPLogExporter();
  }
}
