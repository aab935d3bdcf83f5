import { createRequire } from 'node:module';
import { anthropicSuite } from './suite';

// The newest @anthropic-ai/sdk (1.x), which has tracing of its own.
anthropicSuite(() => createRequire(__filename)('@anthropic-ai/sdk'));
