/**
 * Where our log records (content events, exceptions as logs) go. OpenTelemetry JS 3 apps register
 * their logger provider through `@opentelemetry/api` 1.10's `logs` (NodeSDK 3 does); apps set up by
 * hand often still use `@opentelemetry/api-logs`, whose global is a different one. A record goes to
 * the provider registered through the API, else to the one registered through `api-logs`, so that
 * it reaches the app whichever way the app chose; never to both.
 */
import { logs } from '@opentelemetry/api';
import type { Logger, LoggerProvider, LogRecord } from '@opentelemetry/api';
import { logs as apiLogs } from '@opentelemetry/api-logs';

// The API keeps its globals on this object, one key per major version; `logs` is set there only once
// a logger provider is registered through `@opentelemetry/api` (`getLoggerProvider()` returns a proxy
// either way, so it cannot tell).
const API_GLOBAL = Symbol.for('opentelemetry.js.api.1');

function registeredThroughAPI(): boolean {
  return (globalThis as Record<symbol, { logs?: unknown } | undefined>)[API_GLOBAL]?.logs !== undefined;
}

/**
 * A logger that follows the app's global logger provider, through whichever logs API it registered
 * it, as it is at each record: the APIs' proxy loggers keep the first provider they reach, and an app
 * may replace its provider. Records are rare (exceptions, content events), so the lookup is cheap.
 */
export function followingGlobalLogger(name: string, version: string): Logger {
  // The api-logs package types its loggers with its own (equal) interfaces.
  const current = (): Logger =>
    registeredThroughAPI() ? logs.getLogger(name, version) : (apiLogs.getLogger(name, version) as unknown as Logger);
  return {
    emit: (record: LogRecord) => current().emit(record),
    enabled: (options) => current().enabled?.(options) ?? true,
  };
}

/**
 * Registers `provider` through both logs APIs, so that what the app emits through either one is
 * exported (the zero-code register). Returns whether the `@opentelemetry/api` registration took.
 */
export function registerGlobalLoggerProvider(provider: LoggerProvider): boolean {
  const registered = logs.setGlobalLoggerProvider(provider);
  apiLogs.setGlobalLoggerProvider(provider as unknown as Parameters<typeof apiLogs.setGlobalLoggerProvider>[0]);
  return registered;
}

/** Whether `provider` is the one the app's global logs API hands out (NodeSDK passes the global one on). */
export function isGlobalLoggerProvider(provider: LoggerProvider): boolean {
  return provider === logs.getLoggerProvider() || provider === (apiLogs.getLoggerProvider() as unknown);
}
