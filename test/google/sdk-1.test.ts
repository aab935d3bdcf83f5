import { createRequire } from 'node:module';
import { join } from 'node:path';
import { googleSuite } from './suite';

// @google/genai 1.x, installed in its own workspace; its default API version is v1beta, the fixtures' v1; it has no automatic continuation.
googleSuite(() => createRequire(join(__dirname, '..', '..', 'compat', 'google-genai-1', 'package.json'))('@google/genai'), {
  httpOptions: { apiVersion: 'v1' },
  continues: false,
});
