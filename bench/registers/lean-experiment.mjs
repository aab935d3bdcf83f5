// EXPERIMENT, not shipped: what otel-genai's register would cost at start-up without the
// OpenTelemetry Node SDK. Same loader hook (the copy of import-in-the-middle our instrumentation
// uses, for the SDK packages only) and the same instrumentations, but the tracer provider is built
// from @opentelemetry/sdk-trace-node with only the one OTLP trace exporter the environment asks for
// (NodeSDK loads every exporter, the metrics and logs SDKs and the config-file parser up front).
// BENCH_NO_ESM_HOOK=1 leaves out the loader hook, to show what the hook itself costs on this Node.
// BENCH_PREPATCH_ESM=1 (with BENCH_NO_ESM_HOOK=1): instead of a loader hook, import each installed
// SDK's ESM entry here and patch its classes in place (an ES module is one instance per URL, so the
// app's own `import` gets the patched classes). Resolved from this file, which in the bench is where
// the app resolves from too; a real register would resolve from the app.
import { readFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
const requireFromRoot = createRequire(join(ROOT, 'package.json'));
const { createInstrumentations, instrumentedModules } = requireFromRoot(join(ROOT, 'dist', 'index.js'));

const requireFromInstrumentation = createRequire(requireFromRoot.resolve('@opentelemetry/instrumentation'));
let waitForLoader = async () => {};
if (process.env.BENCH_NO_ESM_HOOK !== '1') {
  const iitmDir = dirname(requireFromInstrumentation.resolve('import-in-the-middle'));
  const syncHooks = await import(pathToFileURL(join(iitmDir, 'register-hooks.mjs')).href);
  if (syncHooks.supportsSyncHooks()) {
    syncHooks.register({ include: instrumentedModules() });
  } else {
    const { createAddHookMessageChannel } = requireFromInstrumentation('import-in-the-middle');
    const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
    register(pathToFileURL(join(iitmDir, 'hook.mjs')).href, import.meta.url, registerOptions);
    waitForLoader = waitForAllMessagesAcknowledged;
  }
}

const { NodeTracerProvider } = requireFromRoot('@opentelemetry/sdk-trace-node');
const { BatchSpanProcessor } = requireFromRoot('@opentelemetry/sdk-trace-base');
const protocol = process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? process.env.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf';
const exporterPackage = { grpc: 'exporter-trace-otlp-grpc', 'http/json': 'exporter-trace-otlp-http' }[protocol] ?? 'exporter-trace-otlp-proto';
const requireFromSDK = createRequire(requireFromRoot.resolve('@opentelemetry/sdk-node'));
const { OTLPTraceExporter } = requireFromSDK(`@opentelemetry/${exporterPackage}`);

const provider = new NodeTracerProvider({ spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
provider.register();
const { registerInstrumentations } = requireFromInstrumentation('@opentelemetry/instrumentation');
const instrumentations = createInstrumentations();
registerInstrumentations({ instrumentations, tracerProvider: provider });
if (process.env.BENCH_PREPATCH_ESM === '1') {
  for (const name of instrumentedModules()) {
    let namespace;
    try {
      namespace = await import(import.meta.resolve(name));
    } catch {
      continue; // not installed
    }
    const version = JSON.parse(readFileSync(join(dirname(createRequire(import.meta.url).resolve(name)), 'package.json'), 'utf8')).version;
    for (const instrumentation of instrumentations) {
      for (const definition of instrumentation.getModuleDefinitions()) {
        if (definition.name === name) definition.patch?.(namespace, version);
      }
    }
  }
}
await waitForLoader();
process.once('beforeExit', () => provider.shutdown());
