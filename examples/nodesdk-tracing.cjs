// The ordinary OpenTelemetry JS setup, preloaded into a CommonJS app:
//   node --require ./examples/nodesdk-tracing.cjs app.js
// (ESM apps use `node --import otel-genai/register app.mjs`, which also instruments ES modules.)
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { createInstrumentations } = require('otel-genai');

const sdk = new NodeSDK({
  serviceName: 'my-agent',
  instrumentations: createInstrumentations(), // Anthropic, OpenAI, Google Gen AI, MCP, the Vercel AI SDK
});
sdk.start();

// Flush before a short script exits.
process.once('beforeExit', () => sdk.shutdown());
