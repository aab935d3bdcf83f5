// An app that ends with process.exit(), which skips beforeExit: it flushes through the register's
// shutdown() first, unless told not to.
import Anthropic from '@anthropic-ai/sdk';
import { shutdown } from 'otel-genai/register';

const client = new Anthropic({ maxRetries: 0 });
await client.messages.create({
  model: 'claude-sonnet-5-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
});
if (process.argv[2] !== 'no-flush') await shutdown();
process.exit(0);
