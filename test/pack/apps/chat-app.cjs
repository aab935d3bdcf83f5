// One Anthropic messages.create and one OpenAI chat.completions.create, against the bundled fixtures
// (ANTHROPIC_BASE_URL / OPENAI_BASE_URL point at the replay server). Prints both answers as JSON.
const Anthropic = require('@anthropic-ai/sdk');
const OpenAI = require('openai');

async function main() {
  const message = await new Anthropic({ maxRetries: 0 }).messages.create({
    model: 'claude-sonnet-5-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
  });
  const completion = await new OpenAI({ maxRetries: 0 }).chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a helpful assistant. Keep answers short.' },
      { role: 'user', content: 'What is the capital of Japan? Reply in one short sentence.' },
    ],
  });
  console.log(JSON.stringify({ anthropic: message.content[0].text, openai: completion.choices[0].message.content }));
}

main();
