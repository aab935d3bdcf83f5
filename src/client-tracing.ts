/**
 * The machinery of `instrumentClient()` that every SDK shares (see instrument-client.ts): stand-in
 * module exports that an instrumentation (built with `enabled: false`, so that it registers no module
 * hook) wraps with its usual wrappers, and the client's own objects shadowing their methods with
 * those wrapped stand-ins, run under the client's own settings. Each SDK's part (which methods, on
 * which objects of a client) is its `ClientSupport`, in its own folder, named by its registry entry.
 */
import { diag, metrics } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/api';
import type { InstrumentationBase } from '@opentelemetry/instrumentation';
import { beneathOthers, isOurs, warnDisplaced } from './genai-instrumentation';
import { CallSettings } from './telemetry-instrumentation';
import type { GenAIInstrumentationConfig } from './config';
import { asRecord } from './values';

export type Method = (this: unknown, ...args: unknown[]) => unknown;
export type Fields = Record<string, unknown>;

/** How `instrumentClient()` recognises and traces the clients of one SDK. */
export interface ClientSupport {
  /** The module whose definition patches the stand-ins (and checks the SDK version). */
  module: string;
  /** What the client is, for the warning about a client no SDK recognises. */
  describes: string;
  /** Whether `client` is one of this SDK's clients. */
  recognises(client: Fields): boolean;
  /** The instrumentation (built with `enabled: false`) and the stand-in exports it patches: made once per process. */
  tracing(): Tracing;
  /** Shadows the client's methods with the traced ones, under `settings`. */
  instrument(tracing: Tracing, settings: CallSettings, client: Fields): void;
}

/** What `instrumentClient()` runs a client's methods with: the instrumentation's `callWith`. */
interface CallsWith {
  callWith(settings: CallSettings, method: Method, thisArg: unknown, args: unknown[]): unknown;
}

/** The instrumentation driving the instrumented clients of one kind, and the traced methods it made. */
export interface Tracing {
  instrumentation: InstrumentationBase<GenAIInstrumentationConfig>;
  /** The global meter provider the instrumentation's instruments come from. */
  meterProvider: MeterProvider;
  traced: Record<string, Method | undefined>;
  /** The stand-in module exports, and the SDK versions they were patched for (each checked once). */
  exports: Fields;
  standIns: Record<string, Fields>;
  versions: Set<string | undefined>;
  /** The settings of clients instrumented without options. */
  defaults: CallSettings | undefined;
  /** Settings by the options object they were made from: clients instrumented with one object share them. */
  byOptions: WeakMap<object, CallSettings>;
}

/** The methods each instrumented object had before we shadowed them, by name. */
const originals = new WeakMap<object, Map<string, Method>>();

export const hasMethod = (value: unknown, name: string): boolean => typeof asRecord(value)?.[name] === 'function';

/** What `target[name]` was before we shadowed it (or, called on another object, what it inherits). */
export function originalMethod(target: unknown, name: string): Method {
  const recorded = asRecord(target) === undefined ? undefined : originals.get(target as object)?.get(name);
  if (recorded !== undefined) return recorded;
  // Not an object we shadowed (a method called on another object): the method it inherits, as
  // the SDK would run it. Like the SDK, this throws a TypeError for an undefined `this`.
  return (Object.getPrototypeOf(target) as Fields)[name] as Method;
}

/** A stand-in for an SDK method: the instrumentation wraps it, and it runs the object's own method. */
export function standIn(name: string): Method {
  return function standInMethod(this: unknown, ...args: unknown[]) {
    return originalMethod(this, name).apply(this, args);
  };
}

export function newTracing(
  instrumentation: InstrumentationBase<GenAIInstrumentationConfig>,
  exports: Fields,
  standIns: Record<string, Fields>,
): Tracing {
  return {
    instrumentation,
    meterProvider: metrics.getMeterProvider(),
    traced: {},
    exports,
    standIns,
    versions: new Set(),
    defaults: undefined,
    byOptions: new WeakMap(),
  };
}

/** The settings a client instrumented with `config` runs under (a copy of its options, as they are now). */
export function settingsFor(tracing: Tracing, config: object | undefined): CallSettings {
  const options = asRecord(config);
  if (options === undefined) return (tracing.defaults ??= new CallSettings({}));
  let settings = tracing.byOptions.get(options);
  if (settings === undefined) tracing.byOptions.set(options, (settings = new CallSettings({ ...options, enabled: false })));
  return settings;
}

/**
 * The API has no proxy meter provider (unlike tracers and loggers): instruments made before an app
 * registers its provider stay no-ops. Each call picks up a provider registered since.
 */
function refreshMeter(tracing: Tracing): void {
  try {
    const current = metrics.getMeterProvider();
    if (current !== tracing.meterProvider) {
      tracing.meterProvider = current;
      tracing.instrumentation.setMeterProvider(current);
    }
  } catch (problem) {
    diag.error('otel-genai: could not pick up the global meter provider', problem);
  }
}

/** The method an object gets as its own: the traced one, run under the client's settings, named as the SDK's. */
export function shadowMethod(
  tracing: Tracing,
  settings: CallSettings,
  name: string,
  traced: Method,
  after?: (result: unknown) => unknown,
): Method {
  const shadow = function (this: unknown, ...args: unknown[]) {
    refreshMeter(tracing);
    const result = (tracing.instrumentation as unknown as CallsWith).callWith(settings, traced, this, args);
    return after === undefined ? result : after(result);
  };
  Object.defineProperty(shadow, 'name', { value: name });
  return shadow;
}

/**
 * Gives `object` its own `name` that runs `shadow`, remembering the method it had. Leaves alone a
 * method we already shadowed and one our module hook already wrapped (shadowing it too would trace
 * each call twice). Another instrumentation's wrappers are left out of this client's calls, which
 * we trace in their place, as the module hook does. `enumerable`: as the SDK has that property
 * (its own instance arrow functions are enumerable; prototype methods are not).
 */
export function shadowOn(object: unknown, name: string, shadow: Method | undefined): void {
  const target = asRecord(object);
  const current = target?.[name];
  if (target === undefined || shadow === undefined || typeof current !== 'function') return;
  let methods = originals.get(target);
  if (methods?.has(name)) return;
  const original = beneathOthers(current);
  if (isOurs(original)) {
    diag.debug(`otel-genai: instrumentClient() leaves ${name}() to the module hook that already traces it`);
    return;
  }
  const own = Object.getOwnPropertyDescriptor(target, name);
  try {
    Object.defineProperty(target, name, { value: shadow, writable: true, configurable: true, enumerable: own?.enumerable ?? false });
  } catch (problem) {
    diag.warn(`otel-genai: instrumentClient() could not trace ${name}() on this client`, problem);
    return;
  }
  if (original !== current) warnDisplaced(`${name}() of a client given to instrumentClient()`);
  if (methods === undefined) originals.set(target, (methods = new Map()));
  methods.set(name, original as Method);
}

/**
 * Hands the instrumentation the stand-in module exports for an SDK version not seen yet (its check
 * warns about an untested one), and keeps the stand-ins it wrapped.
 */
export function wrapStandIns(tracing: Tracing, module: string, version: string | undefined): void {
  if (tracing.versions.has(version)) return;
  tracing.versions.add(version);
  const definition = tracing.instrumentation.getModuleDefinitions().find((candidate) => candidate.name === module);
  definition?.patch?.(tracing.exports, version);
  for (const [key, holder] of Object.entries(tracing.standIns)) {
    for (const [name, method] of Object.entries(holder)) {
      // A stand-in the instrumentation did not wrap would run untraced: it is not used.
      tracing.traced[`${key}.${name}`] = isOurs(method) ? (method as unknown as Method) : undefined;
    }
  }
  if (!Object.values(tracing.traced).some(Boolean))
    diag.warn(`otel-genai: instrumentClient() found nothing to trace with for ${module} clients`);
}

/** The SDK version a client reports in its User-Agent (`Anthropic/JS 1.2.3`), for the version check. */
export function versionOf(client: Fields): string | undefined {
  try {
    const agent = typeof client.getUserAgent === 'function' ? (client.getUserAgent as () => unknown).call(client) : undefined;
    return typeof agent === 'string' ? /(\d+\.\d+\.\d+\S*)$/.exec(agent)?.[1] : undefined;
  } catch {
    return undefined;
  }
}
