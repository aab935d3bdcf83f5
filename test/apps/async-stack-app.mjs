// Makes one model call that fails, from two async functions of the app's own, and prints the
// error's `at async` frames as JSON. Arguments: `anthropic` or `openai`, then `http` (a 429 from the
// replay server at ANTHROPIC_BASE_URL / OPENAI_BASE_URL) or `refused` (a port nothing listens on).
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

const [provider, failure] = process.argv.slice(2);
const refused = failure === 'refused';
const client =
  provider === 'anthropic'
    ? new Anthropic({ maxRetries: 0, ...(refused ? { baseURL: 'http://127.0.0.1:9' } : {}) })
    : new OpenAI({ maxRetries: 0, ...(refused ? { baseURL: 'http://127.0.0.1:9/v1' } : {}) });
const call = () =>
  provider === 'anthropic'
    ? client.messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'Say hello. (This request is rate limited.)' }],
      })
    : client.chat.completions.create({ model: 'no-such-model-in-the-fixtures', messages: [{ role: 'user', content: 'hello' }] });

async function appHandler() {
  return await call();
}
async function appRoute() {
  return await appHandler();
}
try {
  await appRoute();
  console.log('null');
} catch (error) {
  console.log(
    JSON.stringify(
      error.stack
        .split('\n')
        .filter((line) => line.includes('at async'))
        .map((line) => line.trim().split(' (')[0]),
    ),
  );
}
