/**
 * The ESM loader hook of import-in-the-middle, for the instrumented packages only, registered on
 * request (`OTEL_GENAI_ESM_LOADER_HOOK=true`): Node's synchronous in-thread hooks where Node has them
 * (`module.registerHooks`, >= 22.15 with the fix import-in-the-middle needs), else `module.register`
 * on Node's hooks thread. `supportsSyncHooks` also decides where our own import-patch hook runs.
 *
 * It must be the very copy of import-in-the-middle that `@opentelemetry/instrumentation` requires:
 * its hook registry is module-local, and with another copy the hooks never fire.
 */
import { createRequire, register } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

const requireFromInstrumentation = createRequire(require.resolve('@opentelemetry/instrumentation'));
const iitmDir = dirname(requireFromInstrumentation.resolve('import-in-the-middle'));

function iitmFile(name: string): string {
  return pathToFileURL(join(iitmDir, name)).href;
}

/** Whether import-in-the-middle can hook ES modules in-thread on this Node (a version check, nothing loaded). */
export async function supportsSyncHooks(): Promise<boolean> {
  const { supportsSyncHooks } = (await import(iitmFile('supports-sync-hooks.mjs'))) as { supportsSyncHooks(): boolean };
  return supportsSyncHooks();
}

/**
 * Registers the hook for `include`: package names, and patterns of the URLs of files inside them
 * that they import by relative path. On the hooks thread the instrumentations' `Hook()`s also add
 * the package names they hook. Call before the instrumentations are created; await what it returns after.
 */
export async function registerLoaderHook(mode: 'sync' | 'thread', include: Array<string | RegExp>): Promise<() => Promise<void>> {
  if (mode === 'sync') {
    const hooks = (await import(iitmFile('register-hooks.mjs'))) as { register(options: { include: Array<string | RegExp> }): void };
    hooks.register({ include });
    return async () => {};
  }
  const { createAddHookMessageChannel } = requireFromInstrumentation('import-in-the-middle') as typeof import('import-in-the-middle');
  const { registerOptions, waitForAllMessagesAcknowledged } = createAddHookMessageChannel();
  // Structured-cloned to the hooks thread, regular expressions included.
  (registerOptions.data as { include: Array<string | RegExp> }).include.push(...include);
  register(iitmFile('hook.mjs'), pathToFileURL(__filename).href, registerOptions);
  return waitForAllMessagesAcknowledged;
}
