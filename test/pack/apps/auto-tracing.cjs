// NodeSDK with getNodeAutoInstrumentations() (which holds the contrib @opentelemetry/instrumentation-openai)
// beside our OpenAIInstrumentation, registered in the order AUTO_ORDER names: `ours-first` or `contrib-first`.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
const { OpenAIInstrumentation } = require('otel-genai');

const ours = [new OpenAIInstrumentation()];
const contrib = getNodeAutoInstrumentations();
const order = process.env.AUTO_ORDER;
if (order !== 'ours-first' && order !== 'contrib-first') throw new Error(`AUTO_ORDER must be ours-first or contrib-first, not ${order}`);
const sdk = new NodeSDK({
  serviceName: 'auto-app',
  instrumentations: order === 'ours-first' ? [ours, contrib] : [contrib, ours],
});
sdk.start();
process.once('beforeExit', () => sdk.shutdown());
