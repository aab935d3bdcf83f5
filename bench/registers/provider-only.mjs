// Start-up baseline: what any tracing register must load — a tracer provider with its context
// manager, a batch processor and the OTLP exporter (http/protobuf, as OTEL_TRACES_EXPORTER=otlp
// configures) — and no instrumentation, no loader hook.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { context, trace } = require('@opentelemetry/api');
const requireFromSDK = createRequire(require.resolve('@opentelemetry/sdk-node'));
const { BatchSpanProcessor, TracerProvider } = requireFromSDK('@opentelemetry/sdk-trace');
const { AsyncLocalStorageContextManager } = requireFromSDK('@opentelemetry/context-async-hooks');
const { OTLPTraceExporter } = requireFromSDK('@opentelemetry/exporter-trace-otlp-proto');

const provider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })] });
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);
process.once('beforeExit', () => provider.shutdown());
