/** Settings the OpenTelemetry Node SDK reads with its own rules, beyond `@opentelemetry/core`'s helpers. */
import { diag } from '@opentelemetry/api';
import { getNumberFromEnv } from '@opentelemetry/core';

/** A number from the environment, undefined (with a warning) when it is not above 0, as the Node SDK reads them. */
export function positiveNumberFromEnv(name: string): number | undefined {
  const value = getNumberFromEnv(name);
  if (value !== undefined && value <= 0) {
    diag.warn(`${name} (${value}) is invalid, expected number greater than 0, using default.`);
    return undefined;
  }
  return value;
}
