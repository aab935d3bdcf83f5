// A small app as a user writes it: ESM, default import, key and base URL from the environment.
import Anthropic from '@anthropic-ai/sdk';
import { url as localModuleURL } from './local-module.mjs';

const client = new Anthropic({ maxRetries: 0 });
const message = await client.messages.create({
  model: 'claude-sonnet-5-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
});
const stream = await client.messages.create({
  model: 'claude-sonnet-5-5',
  max_tokens: 200,
  stream: true,
  messages: [{ role: 'user', content: 'Tell me a short story about a lighthouse.' }],
});
let events = 0;
for await (const _event of stream) events++;
let failure;
try {
  await client.messages.create({
    model: 'claude-sonnet-5-5',
    max_tokens: 10,
    messages: [{ role: 'user', content: 'Say hello. (This request is rate limited.)' }],
  });
} catch (error) {
  failure = `${error.constructor.name} ${error.status}`;
}
console.log(JSON.stringify({ text: message.content[0].text, events, failure, localModuleURL }));
