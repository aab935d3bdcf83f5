import { createRequire } from 'node:module';
import { openAISuite } from './suite';

// The newest openai (7.x).
openAISuite(() => createRequire(__filename)('openai'), { chatHelpers: (client) => client.chat.completions });
