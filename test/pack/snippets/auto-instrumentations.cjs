// tracing.cjs — run with: node --require ./tracing.cjs app.js
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
const { AnthropicInstrumentation, OpenAIInstrumentation } = require('otel-genai');

const sdk = new NodeSDK({
  serviceName: 'my-agent',
  instrumentations: [
    getNodeAutoInstrumentations({ '@opentelemetry/instrumentation-openai': { enabled: false } }),
    new AnthropicInstrumentation(),
    new OpenAIInstrumentation(),
  ],
});
sdk.start();
process.once('beforeExit', () => sdk.shutdown());
