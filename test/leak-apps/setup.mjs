// In-process tracing with our instrumentations, for the leak and load scripts (run with --expose-gc).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { AnthropicInstrumentation, OpenAIInstrumentation } = require('../../dist/index.js');
const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');
const { registerGlobalTracing } = require('../../dist/register/propagators.js');

export const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
registerGlobalTracing(provider, undefined);
for (const instrumentation of [new AnthropicInstrumentation(), new OpenAIInstrumentation()]) instrumentation.setTracerProvider(provider);

export const Anthropic = require('@anthropic-ai/sdk').default;
export const OpenAI = require('openai').default;

export const ours = () => exporter.getFinishedSpans().filter((span) => span.instrumentationScope.name === 'otel-genai');

export async function collectGarbage() {
  for (let i = 0; i < 6; i++) {
    global.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
