// A small OpenAI app as a user writes it: ESM, key and base URL from the environment.
import OpenAI from 'openai';

const client = new OpenAI({ maxRetries: 0 });
const completion = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant. Keep answers short.' },
    { role: 'user', content: 'What is the capital of Japan? Reply in one short sentence.' },
  ],
});
let streamed = '';
const stream = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user', content: 'Give me a one-line tip for better sleep.' }],
  stream: true,
});
for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
const embeddings = await client.embeddings.create({
  model: 'text-embedding-3-small',
  input: ['The quick brown fox', 'jumps over the lazy dog'],
});
console.log(
  JSON.stringify({
    answer: completion.choices[0].message.content,
    streamed,
    dimensions: embeddings.data.map((item) => item.embedding.length),
  }),
);
