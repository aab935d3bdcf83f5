// Streams the app drops while it keeps what reads them: tee()'s branches, toReadableStream()'s
// stream, an iterator taken and not read yet. The garbage collector runs before they are read:
// no call is abandoned, and each span ends when its stream is read to the end.
import { cannedFetch } from './canned.mjs';
import { Anthropic, collectGarbage, OpenAI, ours } from './setup.mjs';

const anthropic = new Anthropic({ apiKey: 'x', baseURL: 'http://canned.invalid', fetch: cannedFetch, maxRetries: 0 });
const openai = new OpenAI({ apiKey: 'x', baseURL: 'http://canned.invalid/v1', fetch: cannedFetch, maxRetries: 0 });
const ask = (n) => ({ model: 'claude-sonnet-5-5', max_tokens: 10, stream: true, messages: [{ role: 'user', content: `question ${n}` }] });
const askOpenAI = (n) => ({
  model: 'gpt-4o-mini',
  stream: true,
  stream_options: { include_usage: true },
  messages: [{ role: 'user', content: `question ${n}` }],
});

async function branches(n) {
  return (await anthropic.messages.create(ask(n))).tee();
}
async function openAIBranches(n) {
  return (await openai.chat.completions.create(askOpenAI(n))).tee();
}
async function readable(n) {
  return (await anthropic.messages.create(ask(n))).toReadableStream();
}
async function iterator(n) {
  return (await anthropic.messages.create(ask(n)))[Symbol.asyncIterator]();
}
async function openAIIterator(n) {
  return (await openai.chat.completions.create(askOpenAI(n)))[Symbol.asyncIterator]();
}
async function drain(iterable) {
  let n = 0;
  for await (const _chunk of iterable) n++;
  return n;
}

const held = {
  tee: await branches(1),
  openaiTee: await openAIBranches(2),
  readable: await readable(3),
  iterator: await iterator(4),
  openaiIterator: await openAIIterator(5),
};
await collectGarbage();
const before = ours().length;
const chunks = {
  tee: await Promise.all(held.tee.map(drain)),
  openaiTee: await Promise.all(held.openaiTee.map(drain)),
  readable: (await new Response(held.readable).text()).trim().split('\n').length,
  iterator: await drain({ [Symbol.asyncIterator]: () => held.iterator }),
  openaiIterator: await drain({ [Symbol.asyncIterator]: () => held.openaiIterator }),
};
const after = ours().map((span) => ({
  id: span.attributes['gen_ai.response.id'],
  abandoned: span.attributes['otel_genai.abandoned'] === true,
  finish: span.attributes['gen_ai.response.finish_reasons'],
}));
console.log(JSON.stringify({ before, chunks, after }));
