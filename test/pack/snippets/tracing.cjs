// tracing.cjs — run with: node --require ./tracing.cjs app.js
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { createInstrumentations } = require('otel-genai');

const sdk = new NodeSDK({
  serviceName: 'my-agent',
  instrumentations: createInstrumentations(), // Anthropic, OpenAI, Google Gen AI, MCP, the Vercel AI SDK
});
sdk.start();
process.once('beforeExit', () => sdk.shutdown()); // flush before a short script exits
