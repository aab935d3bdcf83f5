// Start-up baseline: what any tracing register must load — a tracer provider with its context
// manager, a batch processor and the OTLP exporter (http/protobuf, as OTEL_TRACES_EXPORTER=otlp
// configures) — and no instrumentation, no loader hook.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base');
const requireFromSDK = createRequire(require.resolve('@opentelemetry/sdk-node'));
const { OTLPTraceExporter } = requireFromSDK('@opentelemetry/exporter-trace-otlp-proto');

const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
provider.register();
process.once('beforeExit', () => provider.shutdown());
