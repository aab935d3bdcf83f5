// manual-tracing.cjs — without NodeSDK: a tracer provider built by hand, the instrumentations
// registered with registerInstrumentations. Run with: node --require ./manual-tracing.cjs app.js
const { context, trace } = require('@opentelemetry/api');
const { AsyncLocalStorageContextManager } = require('@opentelemetry/context-async-hooks');
const { registerInstrumentations } = require('@opentelemetry/instrumentation');
const { ConsoleSpanExporter, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');
const { AnthropicInstrumentation, OpenAIInstrumentation } = require('otel-genai');

// The 3.x TracerProvider has no register(): set the context manager and the provider globally.
const provider = new TracerProvider({
  spanProcessors: [new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() })],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
trace.setGlobalTracerProvider(provider);

registerInstrumentations({
  instrumentations: [new AnthropicInstrumentation(), new OpenAIInstrumentation()],
});
process.once('beforeExit', () => provider.shutdown());
