// Preloaded after the loader hook: lists every ESM module the hook wrapped, to stderr at exit.
// It uses the same copy of import-in-the-middle as @opentelemetry/instrumentation.
import { createRequire } from 'node:module';

const requireFromInstrumentation = createRequire(createRequire(import.meta.url).resolve('@opentelemetry/instrumentation'));
const { Hook } = requireFromInstrumentation('import-in-the-middle');
const wrapped = [];
new Hook((exports, name) => {
  wrapped.push(name);
  return exports;
});
process.on('exit', () => process.stderr.write(`WRAPPED ${JSON.stringify(wrapped)}\n`));
