/** Error typing and the guard that keeps telemetry failures away from the app. */
import { diag } from '@opentelemetry/api';
import { ERROR_TYPE_OTHER } from './semconv';

/**
 * The error's class name (`RateLimitError`, `APIConnectionError`, `TypeError` for a connection cut
 * by undici); for the SDKs' generic `APIError`, the provider's own error type when the body gave one;
 * for a `DOMException`, its name (`AbortError`).
 */
export function errorTypeOf(error: unknown): string {
  if (error === null || typeof error !== 'object') return ERROR_TYPE_OTHER;
  const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (name === 'DOMException') return (error as DOMException).name || ERROR_TYPE_OTHER;
  if (name === 'APIError') {
    const providerType = (error as { type?: unknown; error?: { error?: { type?: unknown } } }).type
      ?? (error as { error?: { error?: { type?: unknown } } }).error?.error?.type;
    if (typeof providerType === 'string' && providerType) return providerType;
  }
  return typeof name === 'string' && name && name !== 'Object' ? name : ERROR_TYPE_OTHER;
}

export function messageOf(error: unknown): string | undefined {
  if (error instanceof Error) return typeof error.message === 'string' ? error.message : undefined;
  return typeof error === 'string' ? error : undefined;
}

/** Runs a telemetry step; what it throws goes to `diag`, never to the application. */
export function guard(step: () => void): void {
  try {
    step();
  } catch (problem) {
    reportFailure(problem);
  }
}

/** What `guard` does with a failure, for hot paths that catch inline rather than allocate a closure. */
export function reportFailure(problem: unknown): void {
  diag.error('otel-genai: telemetry step failed', problem);
}
