// An AI SDK (ai 7) app that ships as one bundled file (test/ai-sdk/zero-code.test.ts bundles it
// with esbuild: ai, @ai-sdk/openai, OpenTelemetry and otel-genai inlined). No module hook sees the
// AI SDK load; its channel needs none. Tracing as a bundled app sets it up: a NodeSDK with our
// instrumentations, configured by the standard OTEL_* variables, shut down (flushed) at the end.
//
// No top-level await: the bundle is CommonJS.
import { openai } from '@ai-sdk/openai';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { generateText, isStepCount } from 'ai';
import { createInstrumentations } from 'otel-genai';
import { weatherTools } from './ai-sdk-weather-tools.mjs';

async function main() {
  const sdk = new NodeSDK({ instrumentations: createInstrumentations() });
  sdk.start();
  const result = await generateText({
    model: openai.chat('gpt-4o-mini'),
    prompt: "What's the weather like in Paris and London right now?",
    tools: weatherTools,
    stopWhen: isStepCount(3),
    maxRetries: 0,
  });
  await sdk.shutdown();
  console.log(JSON.stringify({ answer: result.text, steps: result.steps.length }));
}

main();
