// Zero-code entry point: `node --import otel-genai/register app.js`.
//
// Registers the ESM loader hook for the instrumented SDK modules only, starts the OpenTelemetry
// Node SDK with our instrumentations (configured by the standard OTEL_* environment variables) and
// flushes it when the process is about to exit, so that a short script loses no span.
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { diag } from '@opentelemetry/api';
import { createInstrumentations, instrumentedModules } from './dist/index.js';

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

const { NodeSDK } = await import('@opentelemetry/sdk-node');
const sdk = new NodeSDK({ instrumentations: createInstrumentations() });
sdk.start();
await waitForLoader();

process.once('beforeExit', () => {
  sdk.shutdown().catch((error) => diag.error('otel-genai: could not flush telemetry on exit', error));
});
