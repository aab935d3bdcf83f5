// Zero-code entry point: `node --import otel-genai/register app.js` (the first --import).
//
// Sets up tracing, metrics and logs from the standard OTEL_* environment, as the OpenTelemetry Node
// SDK reads it but without loading what it does not ask for; then every otel-genai instrumentation,
// the ES-module side of them, and a bounded flush when the process ends. OTEL_SDK_DISABLED=true turns
// all of it off. An app that ends with process.exit() flushes first:
// `import { shutdown } from 'otel-genai/register'; await shutdown();`.
// What it sets up: docs/setup.md; how ES modules are instrumented: docs/esm.md (in the repository).
// The code is src/register/, compiled to dist/register/.
import { startZeroCode } from './dist/register/start.js';

export const { shutdown } = await startZeroCode();
