// Zero-code entry point: `node --import otel-genai/register app.js` (the first --import).
//
// Starts tracing, configured by the standard OTEL_* environment variables as the OpenTelemetry Node
// SDK reads them, without the Node SDK itself: a tracer provider from @opentelemetry/sdk-trace-node
// with only the exporters OTEL_TRACES_EXPORTER names (the OTLP one loaded on its first export), a
// meter and a logger provider unless OTEL_METRICS_EXPORTER / OTEL_LOGS_EXPORTER say `none` (both
// default to otlp, as in the Node SDK); then our instrumentations, and a flush when the process is
// about to exit (beforeExit), so that a short script loses no span. OTEL_SDK_DISABLED=true turns all
// of it off. An app that ends with process.exit(), which skips beforeExit, flushes first with
// `import { shutdown } from 'otel-genai/register'; await shutdown();`.
//
// ES modules: on a Node with synchronous module hooks (>= 22.15, in practice 22.22.3+ / 24.11.1+),
// an in-thread hook that patches the instrumented SDKs' ES modules in place as the app imports them.
// On older Node (20), no loader hook (Node would run it on a thread of its own, slow to start and
// crossed by every later import): for an ESM app, the ES module copy of each instrumented SDK
// installed for the app is imported here and patched in place. OTEL_GENAI_ESM_LOADER_HOOK=true
// registers import-in-the-middle's loader hook instead (on Node 20, for an SDK copy the app's folder
// does not resolve to), =false never registers a hook.
// The code is src/register/, compiled to dist/register/.
import { startZeroCode } from './dist/register/start.js';

export const { shutdown } = await startZeroCode();
