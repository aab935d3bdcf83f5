import { createRequire } from 'node:module';
import { openAISuite } from './helpers/openai-suite';

// openai 6.x, the newest major that runs on Node 20.
openAISuite(() => createRequire(__filename)('openai'), { chatHelpers: (client) => client.chat.completions });
