// tracing.cjs — run with: node --require ./tracing.cjs app.js
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { AnthropicInstrumentation, OpenAIInstrumentation } = require('otel-genai');

const sdk = new NodeSDK({
  serviceName: 'my-agent',
  instrumentations: [new AnthropicInstrumentation(), new OpenAIInstrumentation()],
});
sdk.start();
process.once('beforeExit', () => sdk.shutdown()); // flush before a short script exits
