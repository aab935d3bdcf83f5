// The control for tracing.cjs: the same NodeSDK set-up without our instrumentations, under which
// @anthropic-ai/sdk >= 0.134 makes spans of its own (scope com.anthropic.sdk.*).
const { NodeSDK } = require('@opentelemetry/sdk-node');

const sdk = new NodeSDK({ serviceName: 'my-agent' });
sdk.start();
process.once('beforeExit', () => sdk.shutdown());
