/** Narrowing helpers for provider payloads, which telemetry must read without trusting their shape. */

export function finiteNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

export function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function stringArray(value: unknown): string[] | undefined {
  if (typeof value === 'string') return [value];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) return undefined;
  return value as string[];
}

/** A JSON text parsed (a model's tool-call arguments, a request body); what is no JSON text, as it came. */
export function parsedJSON(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}

/** `String(value)`, or the value's `typeof` where that throws (an object whose `toString` and `valueOf` are not functions: `{"toString": 1}`). */
export function asString(value: unknown): string {
  try {
    return String(value);
  } catch {
    return typeof value;
  }
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : undefined;
}

/** Sets `target[name]` to `value` when it is a finite number. */
export function putNumber(target: Record<string, unknown>, name: string, value: unknown): void {
  const number = finiteNumber(value);
  if (number !== undefined) target[name] = number;
}

/** Sets `target[name]` to `value` when it is a non-empty string. */
export function putString(target: Record<string, unknown>, name: string, value: unknown): void {
  const string = nonEmptyString(value);
  if (string !== undefined) target[name] = string;
}

/** Sets `target[name]` to `value` when it is a string (as a list of one) or a list of strings. */
export function putStrings(target: Record<string, unknown>, name: string, value: unknown): void {
  const strings = stringArray(value);
  if (strings !== undefined) target[name] = strings;
}

/**
 * A copy of `object` with `key` set to `value`: same prototype, and every other own property with
 * its descriptor (non-enumerable ones such as an SDK's `$brand` included), so that the SDK reads it
 * exactly as the original.
 */
export function withProperty<T extends object>(object: T, key: string, value: unknown): T {
  const descriptors: PropertyDescriptorMap = Object.getOwnPropertyDescriptors(object);
  const existing = descriptors[key];
  descriptors[key] = {
    value,
    writable: existing?.writable ?? true,
    enumerable: existing?.enumerable ?? true,
    configurable: existing?.configurable ?? true,
  };
  return Object.create(Object.getPrototypeOf(object), descriptors) as T;
}

/**
 * An ended span's duration in seconds, as the OpenTelemetry SDK's span holds it (`duration`, not in
 * the API): a duration metric that takes it is the span's duration exactly. Undefined for another
 * tracer's span.
 */
export function spanSeconds(span: object): number | undefined {
  const duration = (span as { duration?: unknown }).duration;
  if (!Array.isArray(duration) || typeof duration[0] !== 'number' || typeof duration[1] !== 'number') return undefined;
  return duration[0] + duration[1] / 1e9;
}
