// Preloaded after the register, on a Node with synchronous module hooks: lists every module whose
// source reached Node changed by the register's import-patch hook, to stderr at exit. Hooks
// registered later run first, so this one's nextLoad returns what the register's hook made.
import { registerHooks } from 'node:module';

const changed = [];
registerHooks({
  load(url, context, nextLoad) {
    const result = nextLoad(url, context);
    if (result.source != null && String(result.source).includes('otel-genai.patch-imported-module')) changed.push(url);
    return result;
  },
});
process.on('exit', () => process.stderr.write(`CHANGED ${JSON.stringify(changed)}\n`));
