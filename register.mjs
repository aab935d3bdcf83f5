// Zero-code entry point: `node --import otel-genai/register app.js`.
//
// Registers the ESM loader hook for the instrumented SDK modules only, starts the OpenTelemetry
// Node SDK with our instrumentations (configured by the standard OTEL_* environment variables) and
// flushes it when the process is about to exit, so that a short script loses no span.
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { diag } from '@opentelemetry/api';
import { createInstrumentations, GenAITreeExporter, instrumentedModules } from './dist/index.js';

// The loader hook must use the very copy of import-in-the-middle that @opentelemetry/instrumentation
// requires: its hook registry is module-local, and with another copy ESM hooks never fire.
const requireFromInstrumentation = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/instrumentation'));
const iitmDir = dirname(requireFromInstrumentation.resolve('import-in-the-middle'));
const include = instrumentedModules();

const syncHooks = await import(pathToFileURL(join(iitmDir, 'register-hooks.mjs')).href);
let waitForLoader = async () => {};
if (syncHooks.supportsSyncHooks()) {
  syncHooks.register({ include });
} else {
  const { createAddHookMessageChannel } = requireFromInstrumentation('import-in-the-middle');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  register(pathToFileURL(join(iitmDir, 'hook.mjs')).href, import.meta.url, registerOptions);
  waitForLoader = waitForAllMessagesAcknowledged;
}

const { NodeSDK, tracing } = await import('@opentelemetry/sdk-node');
const sdk = new NodeSDK({ instrumentations: createInstrumentations(), spanProcessors: await treeSpanProcessors() });
sdk.start();
await waitForLoader();

process.once('beforeExit', () => {
  sdk.shutdown().catch((error) => diag.error('otel-genai: could not flush telemetry on exit', error));
});

/**
 * `OTEL_TRACES_EXPORTER=genai-tree` prints each trace as a tree in the terminal, alone or beside the
 * standard exporters (`otlp,genai-tree`, `console,genai-tree`). The Node SDK does not know that
 * name, so with it the span processors are built here; without it (undefined) the SDK builds them
 * from the environment as usual.
 */
async function treeSpanProcessors() {
  const names = (process.env.OTEL_TRACES_EXPORTER ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  if (!names.includes('genai-tree')) return undefined;
  const processors = [new tracing.SimpleSpanProcessor(new GenAITreeExporter())];
  for (const name of names) {
    if (name === 'otlp') processors.push(new tracing.BatchSpanProcessor(await otlpTraceExporter()));
    else if (name === 'console') processors.push(new tracing.SimpleSpanProcessor(new tracing.ConsoleSpanExporter()));
    else if (name !== 'genai-tree' && name !== 'none') diag.warn(`otel-genai: OTEL_TRACES_EXPORTER=${name} is not supported beside genai-tree`);
  }
  return processors;
}

async function otlpTraceExporter() {
  const protocol = process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
  const packages = { grpc: 'exporter-trace-otlp-grpc', 'http/json': 'exporter-trace-otlp-http', 'http/protobuf': 'exporter-trace-otlp-proto' };
  // The exporters are the Node SDK's own dependencies.
  const requireFromSDK = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/sdk-node'));
  const { OTLPTraceExporter } = requireFromSDK(`@opentelemetry/${packages[protocol] ?? packages['http/protobuf']}`);
  return new OTLPTraceExporter();
}
