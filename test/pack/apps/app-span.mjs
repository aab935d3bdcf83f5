// An ES module app with its own @opentelemetry/api: its own span, 'handle-request', around one
// Anthropic call. Run as `node --import <otel-genai's folder>/register.mjs app-span.mjs`, with
// otel-genai installed in another folder. Prints the API version it loaded, the answer and its span's ids.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { trace } from '@opentelemetry/api';
import Anthropic from '@anthropic-ai/sdk';

// The version of the copy `import` resolves to (its package.json is not exported).
const entry = createRequire(import.meta.url).resolve('@opentelemetry/api');
const api = JSON.parse(readFileSync(entry.replace(/(node_modules\/@opentelemetry\/api\/).*$/, '$1package.json'), 'utf8')).version;
const result = await trace.getTracer('app').startActiveSpan('handle-request', async (span) => {
  try {
    const message = await new Anthropic({ maxRetries: 0 }).messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
    });
    const { traceId, spanId } = span.spanContext();
    return { text: message.content[0].text, traceId, spanId };
  } finally {
    span.end();
  }
});
console.log(JSON.stringify({ api, ...result }));
