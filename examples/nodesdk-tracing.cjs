// The ordinary OpenTelemetry JS setup, preloaded into a CommonJS app:
//   node --require ./examples/nodesdk-tracing.cjs app.js
// (ESM apps use `node --import otel-genai/register app.mjs`, which also registers the loader hook.)
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { AnthropicInstrumentation, OpenAIInstrumentation } = require('otel-genai');

const sdk = new NodeSDK({
  serviceName: 'my-agent',
  instrumentations: [new AnthropicInstrumentation(), new OpenAIInstrumentation()],
});
sdk.start();

// Flush before a short script exits.
process.once('beforeExit', () => sdk.shutdown());
