import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The instrumentation scope: our package's name and version. */
export const PACKAGE_NAME = 'otel-genai';
export const PACKAGE_VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;
