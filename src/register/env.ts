/** Settings the OpenTelemetry Node SDK reads with its own rules, beyond `@opentelemetry/core`'s helpers. */
import { diag } from '@opentelemetry/api';
import { getNumberFromEnv, getStringListFromEnv } from '@opentelemetry/core';

/** A number from the environment, undefined (with a warning) when it is not above 0, as the Node SDK reads them. */
export function positiveNumberFromEnv(name: string): number | undefined {
  const value = getNumberFromEnv(name);
  if (value !== undefined && value <= 0) {
    diag.warn(`${name} (${value}) is invalid, expected number greater than 0, using default.`);
    return undefined;
  }
  return value;
}

/**
 * The exporters `name` (`OTEL_LOGS_EXPORTER`, `OTEL_METRICS_EXPORTER`) asks for, each once, as the
 * Node SDK reads it: `otlp` when unset; undefined (the signal off) when `none` is among them.
 */
export function exporterNamesFromEnv(name: string): string[] | undefined {
  const names = [...new Set(getStringListFromEnv(name) ?? [])];
  if (names.length === 0) names.push('otlp');
  return names.includes('none') ? undefined : names;
}
