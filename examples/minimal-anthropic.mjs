// The smallest Anthropic app: one question. Traced with no code change:
//   node examples/run-demo.mjs examples/minimal-anthropic.mjs
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic();
const message = await client.messages.create({
  model: 'claude-sonnet-5-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
});
console.log(message.content[0].text);
