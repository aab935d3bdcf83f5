// The smallest OpenAI app: one question, then a streamed answer. Traced with no code change:
//   node examples/run-demo.mjs examples/minimal-openai.mjs
import OpenAI from 'openai';

const client = new OpenAI();
const completion = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  messages: [
    { role: 'system', content: 'You are a helpful assistant. Keep answers short.' },
    { role: 'user', content: 'What is the capital of Japan? Reply in one short sentence.' },
  ],
});
console.log(completion.choices[0].message.content);

const stream = await client.chat.completions.create({
  model: 'gpt-4o-mini',
  stream: true,
  messages: [{ role: 'user', content: 'Give me a one-line tip for better sleep.' }],
});
for await (const chunk of stream) process.stdout.write(chunk.choices[0]?.delta?.content ?? '');
process.stdout.write('\n');
