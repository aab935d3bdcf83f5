// One process that loads the SDK through both `import` and `require`: two copies of every class.
import { createRequire } from 'node:module';
import ImportedAnthropic from '@anthropic-ai/sdk';

const RequiredAnthropic = createRequire(import.meta.url)('@anthropic-ai/sdk');
const params = {
  model: 'claude-sonnet-5-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
};
const a = await new ImportedAnthropic({ maxRetries: 0 }).messages.create(params);
const b = await new RequiredAnthropic({ maxRetries: 0 }).messages.create(params);
console.log(JSON.stringify({ distinctClasses: ImportedAnthropic !== RequiredAnthropic, ids: [a.id, b.id] }));
