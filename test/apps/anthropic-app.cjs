// The same app in CommonJS.
const Anthropic = require('@anthropic-ai/sdk');

async function main() {
  const client = new Anthropic({ maxRetries: 0 });
  const message = await client.messages.create({
    model: 'claude-sonnet-5-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
  });
  const final = await client.messages
    .stream({
      model: 'claude-sonnet-5-5',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Tell me a short story about a lighthouse.' }],
    })
    .finalMessage();
  console.log(JSON.stringify({ text: message.content[0].text, streamed: final.content[0].text.length }));
}

main();
