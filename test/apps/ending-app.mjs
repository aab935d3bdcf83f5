// One model call, then the process ends the way argv[2] says: `normal`, `throw` (an uncaught
// exception), `reject` (an unhandled rejection), `wait` (runs until a signal stops it),
// `wait-handled` (its own SIGTERM handler, which exits with code 3), `unread` (a stream created and
// never read, held to the end), `exit-code` (sets process.exitCode = 5).
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic({ maxRetries: 0 });
const ask = {
  model: 'claude-sonnet-5-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
};
const message = await client.messages.create(ask);
console.log(message.content[0].text);

const how = process.argv[2];
if (how === 'throw') {
  setTimeout(() => {
    throw new RangeError('the app broke');
  }, 10);
} else if (how === 'reject') {
  Promise.reject(new RangeError('the app broke'));
} else if (how === 'wait' || how === 'wait-handled') {
  if (how === 'wait-handled') {
    process.on('SIGTERM', () => {
      console.log('app handler');
      // An app's own clean-up before it exits; the flush, started at the signal, ends within it
      // (a loaded machine makes the child's export slower than a few hundred milliseconds).
      setTimeout(() => process.exit(3), 1500);
    });
  }
  setInterval(() => {}, 1000);
  console.log('ready');
} else if (how === 'exit-code') {
  process.exitCode = 5;
} else if (how === 'unread') {
  globalThis.unread = await client.messages.create({ ...ask, stream: true });
}
