/**
 * Every otel-genai instrumentation, and the packages they hook (without the rest of the public API,
 * for the register): both built from the registry (registry.ts), in its order.
 */
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { registryEntries } from './registry';
import type { RegistryConfig } from './registry';

/**
 * Options of each instrumentation, by its key: `anthropic`, `openai`, `google`, `mcp`, and `aiSdk`
 * (the Vercel AI SDK, `ai` >= 7, through its `ai:telemetry` channel).
 */
export type InstrumentationsConfig = RegistryConfig;

/** One instance of every otel-genai instrumentation, for `NodeSDK({ instrumentations })`. */
export function createInstrumentations(config: InstrumentationsConfig = {}): Instrumentation[] {
  const options = config as Record<string, object | undefined>;
  return registryEntries().map((entry) => {
    const Class = entry.instrumentation;
    const own = options[entry.key];
    return new Class(entry.defaults === undefined ? own : { ...entry.defaults, ...own });
  });
}

/** The packages our instrumentations hook: the ESM loader hook includes these and nothing else (the AI SDK is reached through its channel). */
export function instrumentedModules(): string[] {
  return registryEntries().flatMap((entry) => entry.modules);
}

/** What the ESM loader hook must include: the packages, and the files inside them patched that they import by relative path. */
export function loaderHookIncludes(): Array<string | RegExp> {
  return [...instrumentedModules(), ...registryEntries().flatMap((entry) => (entry.moduleFiles === undefined ? [] : [entry.moduleFiles]))];
}
