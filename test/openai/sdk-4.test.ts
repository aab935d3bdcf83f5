import { createRequire } from 'node:module';
import { join } from 'node:path';
import { openAISuite } from './suite';

// openai 4.x, installed in its own workspace.
const version = join(__dirname, '..', '..', 'compat', 'openai-4', 'package.json');
openAISuite(() => createRequire(version)('openai'), {
  chatHelpers: (client) => client.beta.chat.completions,
});
