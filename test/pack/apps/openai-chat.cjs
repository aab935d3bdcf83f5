// Two OpenAI chat completions, one plain and one streamed, against the bundled fixtures
// (OPENAI_BASE_URL points at the replay server). Prints both answers as JSON.
const OpenAI = require('openai');

async function main() {
  const client = new OpenAI({ maxRetries: 0 });
  const completion = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a helpful assistant. Keep answers short.' },
      { role: 'user', content: 'What is the capital of Japan? Reply in one short sentence.' },
    ],
  });
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    stream: true,
    messages: [{ role: 'user', content: 'Give me a one-line tip for better sleep.' }],
  });
  let streamed = '';
  for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
  console.log(JSON.stringify({ text: completion.choices[0].message.content, streamed }));
}

main();
