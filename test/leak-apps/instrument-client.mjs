// instrumentClient() called per request, as a handler would: a new client each time, with an inline
// redact hook (a new function each call). The heap stays flat, and each client is traced under its
// own options (its hook's mark is on its own span). Prints the heap after each block of calls.
// No module hook here: the clients are traced by instrumentClient() alone, as in a bundled app.
import { createRequire } from 'node:module';
import { cannedFetch } from './canned.mjs';

const require = createRequire(import.meta.url);
const { instrumentClient } = require('../../dist/index.js');
const { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } = require('@opentelemetry/sdk-trace');
const { registerGlobalTracing } = require('../../dist/register/propagators.js');
const Anthropic = require('@anthropic-ai/sdk').default;
const OpenAI = require('openai').default;

const exporter = new InMemorySpanExporter();
registerGlobalTracing(new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] }), undefined);

async function collectGarbage() {
  for (let i = 0; i < 6; i++) {
    global.gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const total = Number(process.argv[2] ?? 5000);
const block = total / 10;

async function one(i) {
  const options = { captureMessageContent: true, redact: (part) => (part.type === 'text' ? { ...part, content: `[client ${i}]` } : part) };
  const content = `question ${i}`;
  if (i % 2 === 0) {
    const anthropic = instrumentClient(
      new Anthropic({ apiKey: 'x', baseURL: 'http://canned.invalid', fetch: cannedFetch, maxRetries: 0 }),
      options,
    );
    return anthropic.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [{ role: 'user', content }] });
  }
  const openai = instrumentClient(
    new OpenAI({ apiKey: 'x', baseURL: 'http://canned.invalid/v1', fetch: cannedFetch, maxRetries: 0 }),
    options,
  );
  return openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
}

const heap = [];
let spans = 0;
let ownHook = 0;
for (let i = 0; i < total; i++) {
  await one(i);
  if ((i + 1) % block === 0) {
    for (const span of exporter.getFinishedSpans()) {
      spans++;
      // The reply's id carries the call's number (canned.mjs): the input went through that call's own hook.
      const n = /(\d+)$/.exec(String(span.attributes['gen_ai.response.id']))?.[1];
      if (String(span.attributes['gen_ai.input.messages']).includes(`[client ${n}]`)) ownHook++;
    }
    exporter.reset();
    await collectGarbage();
    heap.push(process.memoryUsage().heapUsed);
  }
}
console.log(JSON.stringify({ calls: total, spans, ownHook, heap }));
