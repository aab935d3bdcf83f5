// 200 concurrent calls and streams on both providers at once: every span carries its own call's
// id and usage, never another's.
import { cannedFetch } from './canned.mjs';
import { Anthropic, OpenAI, ours } from './setup.mjs';

/** A fetch that answers after a random delay, so that calls interleave. */
const jittered = async (url, init) => {
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
  return cannedFetch(url, init);
};
const anthropic = new Anthropic({ apiKey: 'x', baseURL: 'http://canned.invalid', fetch: jittered, maxRetries: 0 });
const openai = new OpenAI({ apiKey: 'x', baseURL: 'http://canned.invalid/v1', fetch: jittered, maxRetries: 0 });

async function one(n) {
  const content = `question ${n}`;
  switch (n % 4) {
    case 0:
      return (await anthropic.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [{ role: 'user', content }] })).id;
    case 1: {
      let id;
      for await (const event of await anthropic.messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 10,
        stream: true,
        messages: [{ role: 'user', content }],
      })) {
        if (event.type === 'message_start') id = event.message.id;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      }
      return id;
    }
    case 2:
      return (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] })).id;
    default: {
      let id;
      for await (const chunk of await openai.chat.completions.create({
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content }],
      })) {
        id = chunk.id;
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
      }
      return id;
    }
  }
}

const numbers = Array.from({ length: 200 }, (_, i) => i + 1);
const ids = await Promise.all(numbers.map(one));
await new Promise((resolve) => setTimeout(resolve, 50));
const mismatches = [];
for (const span of ours()) {
  const id = String(span.attributes['gen_ai.response.id']);
  const n = Number(/\d+$/.exec(id)?.[0]);
  if (span.attributes['gen_ai.usage.input_tokens'] !== n || span.attributes['gen_ai.usage.output_tokens'] !== 2 * n) mismatches.push(id);
}
console.log(
  JSON.stringify({
    calls: ids.length,
    distinctIds: new Set(ids).size,
    spans: ours().length,
    spanIds: new Set(ours().map((span) => span.attributes['gen_ai.response.id'])).size,
    mismatches,
  }),
);
