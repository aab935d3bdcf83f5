// Prints, as one JSON line at exit, what the register set up: the global tracer, meter and logger
// providers, the propagator's fields, and which OpenTelemetry SDK packages are loaded at start and
// at exit (after the exit flush). Arguments: `span` makes one span and flushes it before exit
// (`loadedAfterSpan`); `sdk` imports @anthropic-ai/sdk and says whether its create() is wrapped.
import { createRequire } from 'node:module';
import { logs, metrics, propagation, trace } from '@opentelemetry/api';

const require = createRequire(import.meta.url);
const PACKAGES = [
  'sdk-trace',
  'sdk-metrics',
  'sdk-logs',
  'exporter-trace-otlp-proto',
  'exporter-trace-otlp-http',
  'exporter-trace-otlp-grpc',
  'exporter-zipkin',
  'exporter-metrics-otlp-proto',
  'exporter-metrics-otlp-http',
  'exporter-logs-otlp-proto',
  'exporter-logs-otlp-http',
  'propagator-b3',
];
const loaded = () => PACKAGES.filter((name) => Object.keys(require.cache).some((file) => file.includes(`/@opentelemetry/${name}/`)));

const tracerProvider = trace.getTracerProvider();
const state = {
  tracerProvider: tracerProvider.getDelegate().constructor.name,
  meterProvider: metrics.getMeterProvider().constructor.name,
  // With none registered, the API hands out a proxy over its no-op provider.
  loggerProvider: (logs.getLoggerProvider()._getDelegate?.() ?? logs.getLoggerProvider()).constructor.name,
  propagationFields: propagation.fields(),
  loadedAtStart: loaded(),
};
if (process.argv.includes('sdk')) {
  const { default: Anthropic } = await import('@anthropic-ai/sdk');
  state.anthropicPatched = typeof Anthropic.Messages.prototype.create.__original === 'function';
}
if (process.argv.includes('span')) {
  trace.getTracer('otel-state-app').startSpan('app span').end();
  await tracerProvider.getDelegate().forceFlush?.();
  state.loadedAfterSpan = loaded();
}
process.on('exit', () => {
  state.loadedAtExit = loaded();
  console.log(JSON.stringify(state));
});
