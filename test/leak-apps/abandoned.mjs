// Calls the app drops without reading: their spans end when the garbage collector reclaims them.
import { cannedFetch } from './canned.mjs';
import { Anthropic, collectGarbage, ours } from './setup.mjs';

const client = new Anthropic({ apiKey: 'x', baseURL: 'http://canned.invalid', fetch: cannedFetch, maxRetries: 0 });
const ask = (n, stream = false) => ({
  model: 'claude-sonnet-5-5',
  max_tokens: 10,
  stream,
  messages: [{ role: 'user', content: `question ${n}` }],
});

async function neverIterated() {
  await client.messages.create(ask(1, true));
}
async function droppedAfterOneChunk() {
  const iterator = (await client.messages.create(ask(2, true)))[Symbol.asyncIterator]();
  await iterator.next();
}
function neverAwaited() {
  client.messages.create(ask(3));
}
async function readToTheEnd() {
  for await (const _event of await client.messages.create(ask(4, true)));
}

await neverIterated();
await droppedAfterOneChunk();
neverAwaited();
await readToTheEnd();
await new Promise((resolve) => setTimeout(resolve, 50));
const before = ours().map((span) => span.attributes['gen_ai.response.id'] ?? 'pending');
await collectGarbage();
const after = ours().map((span) => ({
  id: span.attributes['gen_ai.response.id'],
  abandoned: span.attributes['otel_genai.abandoned'] === true,
}));
console.log(JSON.stringify({ before, after }));
