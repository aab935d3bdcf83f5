import { createRequire } from 'node:module';
import { join } from 'node:path';
import { anthropicSuite } from './suite';

// The last 0.x release before the SDK traced itself, installed in its own workspace.
const version = join(__dirname, '..', '..', 'compat', 'anthropic-sdk-0.133', 'package.json');
anthropicSuite(() => createRequire(version)('@anthropic-ai/sdk'));
