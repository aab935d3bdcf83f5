// 10,000 sequential calls and streams on both providers: the heap stays flat and nothing is left
// behind (timers, handles, listeners). Prints the heap after each block of calls.
import { cannedFetch } from './canned.mjs';
import { Anthropic, collectGarbage, exporter, OpenAI, ours } from './setup.mjs';

const total = Number(process.argv[2] ?? 10000);
const anthropic = new Anthropic({ apiKey: 'x', baseURL: 'http://canned.invalid', fetch: cannedFetch, maxRetries: 0 });
const openai = new OpenAI({ apiKey: 'x', baseURL: 'http://canned.invalid/v1', fetch: cannedFetch, maxRetries: 0 });

async function one(i) {
  const content = `question ${i % 100}`;
  switch (i % 4) {
    case 0:
      return anthropic.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [{ role: 'user', content }] });
    case 1:
      for await (const _event of await anthropic.messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 10,
        stream: true,
        messages: [{ role: 'user', content }],
      }));
      return undefined;
    case 2:
      return openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] });
    default:
      for await (const _chunk of await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content }],
      }));
      return undefined;
  }
}

// stdout is a TTY or a pipe, depending on who runs the script: not ours.
const resources = () =>
  process
    .getActiveResourcesInfo()
    .filter((kind) => kind !== 'TTYWrap' && kind !== 'PipeWrap')
    .sort();
const listeners = () => process.eventNames().reduce((sum, name) => sum + process.listenerCount(name), 0);
const heap = [];
const block = total / 10;
let spans = 0;
let listenersAfterFirstBlock;
for (let i = 0; i < total; i++) {
  await one(i);
  if ((i + 1) % block === 0) {
    spans += ours().length;
    exporter.reset();
    await collectGarbage();
    heap.push(process.memoryUsage().heapUsed);
    listenersAfterFirstBlock ??= listeners();
  }
}
await collectGarbage();
console.log(JSON.stringify({ calls: total, spans, heap, resources: resources(), listeners: [listenersAfterFirstBlock, listeners()] }));
