// One model call that fails, its error left to Node's report of an uncaught error (an unhandled
// rejection). Arguments: `anthropic` or `openai`, then how: `dropped` (a failing create() never
// awaited), `awaited` (awaited at the top level), `stream` (a stream whose error event fails the
// read), `cut` (a stream whose connection is cut). Against the replay server at
// ANTHROPIC_BASE_URL / OPENAI_BASE_URL.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';

const [provider, how] = process.argv.slice(2);
const anthropic = provider === 'anthropic';
const client = anthropic ? new Anthropic({ maxRetries: 0 }) : new OpenAI({ maxRetries: 0 });
const user = (content) => [{ role: 'user', content }];
const requests = anthropic
  ? {
      failing: { model: 'claude-sonnet-5-5', max_tokens: 10, messages: user('Say hello. (This request is rate limited.)') },
      stream: { model: 'claude-sonnet-5-5', max_tokens: 500, stream: true, messages: user('List three uses for a paperclip.') },
      cut: { model: 'claude-sonnet-5-5', max_tokens: 500, stream: true, messages: user('Explain how a refrigerator works.') },
    }
  : {
      failing: { model: 'gpt-4o-mini', messages: user('Summarize the plot of Hamlet in two sentences.') },
      stream: { model: 'gpt-4o-mini', stream: true, messages: user('Compose a toast for Percival Ashdown-Kray.') },
      cut: { model: 'gpt-4o-mini', stream: true, messages: user('Describe the water cycle in a few sentences.') },
    };
const create = (request) => (anthropic ? client.messages.create(request) : client.chat.completions.create(request));

if (how === 'dropped') {
  create(requests.failing);
} else if (how === 'awaited') {
  await create(requests.failing);
} else {
  for await (const _chunk of await create(requests[how]));
}
