// NodeSDK with getNodeAutoInstrumentations() (which holds the contrib @opentelemetry/instrumentation-openai)
// beside our OpenAIInstrumentation, registered in the order AUTO_ORDER names: `ours-first` or
// `contrib-first`; `contrib-only` (the control) leaves ours out.
const { NodeSDK } = require('@opentelemetry/sdk-node');
const { getNodeAutoInstrumentations } = require('@opentelemetry/auto-instrumentations-node');
const { OpenAIInstrumentation } = require('otel-genai');

const orders = {
  'ours-first': () => [new OpenAIInstrumentation(), getNodeAutoInstrumentations()],
  'contrib-first': () => [getNodeAutoInstrumentations(), new OpenAIInstrumentation()],
  'contrib-only': () => [getNodeAutoInstrumentations()],
};
const order = orders[process.env.AUTO_ORDER];
if (order === undefined) throw new Error(`AUTO_ORDER must be one of ${Object.keys(orders).join(', ')}, not ${process.env.AUTO_ORDER}`);
const sdk = new NodeSDK({ serviceName: 'auto-app', instrumentations: order() });
sdk.start();
process.once('beforeExit', () => sdk.shutdown());
