// Start-up baseline: the OpenTelemetry Node SDK (`@opentelemetry/sdk-node`), configured from the
// environment like otel-genai's register, with no instrumentation and no loader hook.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { NodeSDK } = require('@opentelemetry/sdk-node');

const sdk = new NodeSDK({ instrumentations: [] });
sdk.start();
process.once('beforeExit', () => sdk.shutdown());
