import { join } from 'node:path';
import { createRequire } from 'node:module';
import { expect, it } from 'vitest';
import { openAISuite } from '../helpers/openai-suite';

// openai 7.x declares Node >= 22; this file runs under tools/node-22 and tools/node-26.
it('runs under Node 22', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(22);
});

const version = join(__dirname, '..', '..', 'compat', 'openai-7', 'package.json');
openAISuite(() => createRequire(version)('openai'), { chatHelpers: (client) => client.chat.completions });
