/** Error typing, exception recording, and the guard that keeps telemetry failures away from the app. */
import { diag, ROOT_CONTEXT, SeverityNumber, trace } from '@opentelemetry/api';
import type { Attributes, Logger, Span } from '@opentelemetry/api';
import { followingGlobalLogger } from './logs';
import { ATTR_EXCEPTION_MESSAGE, ATTR_EXCEPTION_STACKTRACE, ATTR_EXCEPTION_TYPE, ERROR_TYPE_OTHER, exceptionSignalFromEnv } from './semconv';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

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

/** The log event an exception goes to when exceptions are recorded as logs. */
export interface ExceptionEvent {
  /** Asked only when exceptions are recorded as logs. */
  logger: () => Logger;
  /** The conventions' event name for the operation; none for a plain exception log record. */
  name: string | undefined;
}

/** Exceptions already recorded as a log record: a run that fails with its model call's error records it once. */
const loggedExceptions = new WeakSet<Error>();

/**
 * Records `error` (an `Error`; other thrown values have no exception to record) as the exceptions
 * conventions say for `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`: a span event, a WARN log record
 * correlated with the span, or both. A plain record (no event name) is skipped for an error that a
 * log record already holds.
 */
export function recordException(span: Span, error: unknown, event: ExceptionEvent): void {
  if (!(error instanceof Error)) return;
  const signal = exceptionSignalFromEnv();
  // The SDK reads the error's own fields (`code.toString()`, …), which may throw: the span still ends.
  if (signal.onSpan) guard(() => span.recordException(error));
  if (!signal.onLogs || (event.name === undefined && loggedExceptions.has(error))) return;
  guard(() => {
    loggedExceptions.add(error);
    const attributes: Attributes = { [ATTR_EXCEPTION_TYPE]: exceptionTypeOf(error) };
    if (typeof error.message === 'string' && error.message) attributes[ATTR_EXCEPTION_MESSAGE] = error.message;
    if (typeof error.stack === 'string') attributes[ATTR_EXCEPTION_STACKTRACE] = error.stack;
    event.logger().emit({
      eventName: event.name,
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      context: trace.setSpan(ROOT_CONTEXT, span),
      attributes,
    });
  });
}

/** The error's dynamic type, as the conventions prefer: its class name, else its `name`. */
function exceptionTypeOf(error: Error): string {
  const name = (error as { constructor?: { name?: unknown } }).constructor?.name;
  if (typeof name === 'string' && name && name !== 'Object') return name;
  return typeof error.name === 'string' && error.name ? error.name : ERROR_TYPE_OTHER;
}

const ourGlobalLogger = followingGlobalLogger(PACKAGE_NAME, PACKAGE_VERSION);

/** The global logger provider's logger, for the agent and tool spans that go to the global tracer provider. */
export function globalLogger(): Logger {
  return ourGlobalLogger;
}
