import { createRequire } from 'node:module';
import { googleSuite } from './suite';

// @google/genai 3.x, the root install.
googleSuite(() => createRequire(__filename)('@google/genai'));
