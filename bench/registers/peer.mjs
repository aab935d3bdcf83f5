// A peer's "register", made by the bench from the peer's documented set-up, since none of them ships
// one: the OpenTelemetry Node SDK with the peer's instrumentations, plus the loader hook an ESM app
// needs (`@opentelemetry/instrumentation/hook.mjs` from the copy the peer uses, for every module, as
// the OpenTelemetry docs describe). Which peer: BENCH_PEER=otel | arize | traceloop.
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const packages = {
  otel: ['@opentelemetry/instrumentation-openai'],
  arize: ['@arizeai/openinference-instrumentation-openai', '@arizeai/openinference-instrumentation-anthropic'],
  traceloop: ['@traceloop/instrumentation-openai', '@traceloop/instrumentation-anthropic'],
}[process.env.BENCH_PEER];
if (packages === undefined) throw new Error(`BENCH_PEER=${process.env.BENCH_PEER} is not a peer`);

const hook = createRequire(require.resolve(packages[0])).resolve('@opentelemetry/instrumentation/hook.mjs');
register(pathToFileURL(hook).href, import.meta.url);

const instrumentations = packages.map((name) => {
  const exports = require(name);
  return new (exports.OpenAIInstrumentation ?? exports.AnthropicInstrumentation)();
});
const { NodeSDK } = require('@opentelemetry/sdk-node');
const sdk = new NodeSDK({ instrumentations });
sdk.start();
process.once('beforeExit', () => sdk.shutdown());
