// tree-tracing.cjs — each finished trace printed as a tree: node --require ./tree-tracing.cjs app.js
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { SimpleSpanProcessor } = require('@opentelemetry/sdk-trace');
const { AnthropicInstrumentation, GenAITreeExporter, OpenAIInstrumentation } = require('otel-genai');

const sdk = new NodeSDK({
  serviceName: 'my-agent',
  spanProcessors: [new SimpleSpanProcessor({ exporter: new GenAITreeExporter() })],
  instrumentations: [new AnthropicInstrumentation(), new OpenAIInstrumentation()],
});
sdk.start();
process.once('beforeExit', () => sdk.shutdown());
