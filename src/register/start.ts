/**
 * The zero-code start-up behind `node --import otel-genai/register`: the tracer, meter and logger
 * providers the standard OTEL_* environment asks for (as the OpenTelemetry Node SDK reads it, but
 * without loading what it does not ask for), our instrumentations, the ES module side of them, and a
 * flush before the process exits.
 *
 * ES modules, by `OTEL_GENAI_ESM_LOADER_HOOK` and the Node line (docs/esm.md): unset, patched as
 * imported (import-patch.ts) where Node has the synchronous module hooks we use, else patched up
 * front (esm-prepatch.ts); `true`, import-in-the-middle's loader hook (loader-hook.ts); `false`,
 * patched up front on every Node.
 */
import { diag, DiagConsoleLogger, metrics } from '@opentelemetry/api';
import { diagLogLevelFromString, getBooleanFromEnv, getStringFromEnv } from '@opentelemetry/core';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { createInstrumentations, loaderHookIncludes } from '../instrumentations';
import { registerImportPatchHook } from './import-patch';
import { registerLoaderHook, supportsSyncHooks } from './loader-hook';
import { loggerProviderFromEnv } from './logs';
import { meterProviderFromEnv } from './metrics';
import { isPatchable } from './patch-module';
import type { PatchableInstrumentation } from './patch-module';
import { abandonHeldCalls } from '../abandonment';
import { registerGlobalLoggerProvider } from '../logs';
import { flushOnExit } from './exit';
import { propagatorFromEnv, registerGlobalTracing } from './propagators';
import { resourceFromEnv } from './resource';
import { tracerProviderFromEnv } from './traces';

export const ESM_LOADER_HOOK_ENV = 'OTEL_GENAI_ESM_LOADER_HOOK';

type ESMStrategy = 'import-patch' | 'sync-hook' | 'thread-hook' | 'prepatch';

export interface ZeroCode {
  /** How ES modules are instrumented in this process; undefined when OTEL_SDK_DISABLED. */
  esm: ESMStrategy | undefined;
  /** Ends the calls the app still holds unfinished, as abandoned, then flushes and shuts every provider down (done at exit: see exit.ts). */
  shutdown(): Promise<void>;
}

export async function startZeroCode(): Promise<ZeroCode> {
  const logLevel = getStringFromEnv('OTEL_LOG_LEVEL');
  if (logLevel !== undefined) diag.setLogger(new DiagConsoleLogger(), { logLevel: diagLogLevelFromString(logLevel) });
  if (getBooleanFromEnv('OTEL_SDK_DISABLED')) return { esm: undefined, shutdown: async () => {} };

  const esm = esmStrategy(await supportsSyncHooks());
  diag.debug(`otel-genai: ES modules through ${ESM_STRATEGY_DESCRIPTIONS[esm]}`);
  const hookReady =
    esm === 'sync-hook' || esm === 'thread-hook'
      ? await registerLoaderHook(esm === 'sync-hook' ? 'sync' : 'thread', loaderHookIncludes())
      : undefined;

  const resource = resourceFromEnv();
  const tracerProvider = tracerProviderFromEnv(resource);
  registerGlobalTracing(tracerProvider, propagatorFromEnv());
  const meterProvider = meterProviderFromEnv(resource);
  if (meterProvider !== undefined) metrics.setGlobalMeterProvider(meterProvider);
  const loggerProvider = loggerProviderFromEnv(resource);
  if (loggerProvider !== undefined) registerGlobalLoggerProvider(loggerProvider);

  // With the providers registered globally, the instrumentations follow them.
  const instrumentations = createInstrumentations();
  registerInstrumentations({ instrumentations });

  if (hookReady !== undefined) {
    await hookReady();
  } else if (esm !== 'import-patch' || !registeredImportPatch(instrumentations.filter(isPatchable))) {
    // Loaded only when used: where Node has synchronous module hooks, the pre-patch is only a fallback.
    const app = (require('./app-entry') as typeof import('./app-entry')).appEntry();
    // A CommonJS app gets its SDKs through require(), which the require hook patches when it happens.
    if (app.esm)
      await (require('./esm-prepatch') as typeof import('./esm-prepatch')).prepatchInstalledSDKs(
        instrumentations.filter(isPatchable),
        app.dir,
      );
  }

  const shutdown = async () => {
    abandonHeldCalls();
    await Promise.all([tracerProvider?.shutdown(), meterProvider?.shutdown(), loggerProvider?.shutdown()]);
  };
  flushOnExit(shutdown);
  return { esm, shutdown };
}

function esmStrategy(syncHooks: boolean): ESMStrategy {
  const setting = getStringFromEnv(ESM_LOADER_HOOK_ENV)?.trim().toLowerCase();
  if (setting === 'true') return syncHooks ? 'sync-hook' : 'thread-hook';
  if (setting === 'false') return 'prepatch';
  if (setting !== undefined) diag.warn(`otel-genai: ${ESM_LOADER_HOOK_ENV}=${setting} is neither true nor false; using the default`);
  return syncHooks ? 'import-patch' : 'prepatch';
}

/** Whether the import-patch hook is in place; when Node refuses it, the pre-patch takes over. */
function registeredImportPatch(instrumentations: PatchableInstrumentation[]): boolean {
  try {
    registerImportPatchHook(instrumentations);
    return true;
  } catch (error) {
    diag.error('otel-genai: could not register the import-patch hook; patching the installed SDKs up front instead', error);
    return false;
  }
}

const ESM_STRATEGY_DESCRIPTIONS: Record<ESMStrategy, string> = {
  'import-patch': 'the instrumented SDKs patched in place as they are imported',
  'sync-hook': "import-in-the-middle's in-thread loader hook",
  'thread-hook': "import-in-the-middle's loader hook on Node's hooks thread",
  prepatch: 'the installed SDKs patched in place',
};
