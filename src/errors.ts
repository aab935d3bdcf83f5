/**
 * Error typing, exception recording, and the guard that keeps telemetry failures away from the app.
 *
 * What a failure says in telemetry: bounded and free of provider-written text by default.
 *
 * `error.type` (on spans and metrics) is always one of a known set: a JavaScript error class name
 * (`RateLimitError`, `APIConnectionError`, `TypeError`, `AbortError` for an abort's `DOMException`),
 * a provider error type or code the providers document (`KNOWN_PROVIDER_ERROR_TYPES`), one of our
 * own (`incomplete_stream`, `response_failed`, `tool_error`), or `_OTHER`.
 *
 * An error's message (and the first line of its stack, which repeats it) is the provider's text
 * (a 400 may quote the prompt) or the app's: it is recorded only when the caller says content
 * capture is on. Otherwise the status message and `exception.message` say the error class, the
 * HTTP status and the documented provider type (`BadRequestError: HTTP 400 invalid_request_error`).
 */
import { diag, ROOT_CONTEXT, SeverityNumber, trace } from '@opentelemetry/api';
import type { Attributes, Exception, Logger, Span } from '@opentelemetry/api';
import { followingGlobalLogger } from './logs';
import {
  ATTR_EXCEPTION_MESSAGE,
  ATTR_EXCEPTION_STACKTRACE,
  ATTR_EXCEPTION_TYPE,
  ERROR_TYPE_OTHER,
  exceptionSignalFromEnv,
  KNOWN_DOM_EXCEPTION_NAMES,
  KNOWN_PROVIDER_ERROR_TYPES,
} from './semconv';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

/** A class or exception name we record: an identifier, never free text. */
const IDENTIFIER = /^[A-Za-z_$][\w$]{0,63}$/;
/** Node's and undici's own error codes (`ECONNRESET`, `ERR_STREAM_PREMATURE_CLOSE`, `UND_ERR_SOCKET`). */
const SYSTEM_CODE = /^(?:E[A-Z0-9]{2,31}|ERR_[A-Z0-9_]{1,60}|UND_ERR_[A-Z0-9_]{1,40})$/;

/** Errors we made ourselves (`incomplete_stream`): their message is ours and always recorded. */
const ownErrors = new WeakSet<Error>();

/** An error of ours, whose message telemetry may always carry. */
export function ownError(message: string): Error {
  const error = new Error(message);
  ownErrors.add(error);
  return error;
}

/** `value` when the providers document it as an error type or code, else `undefined`. */
export function knownErrorType(value: unknown): string | undefined {
  return typeof value === 'string' && KNOWN_PROVIDER_ERROR_TYPES.has(value) ? value : undefined;
}

/** A field of an error, `undefined` when reading it throws (a getter, a proxy). */
function field(value: object, name: string): unknown {
  try {
    return (value as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

function className(error: object): string | undefined {
  const constructor = field(error, 'constructor');
  const name = typeof constructor === 'function' ? field(constructor, 'name') : undefined;
  return typeof name === 'string' && name !== 'Object' && IDENTIFIER.test(name) ? name : undefined;
}

/**
 * The documented provider error type an SDK error carries: its `type` (Anthropic, OpenAI), the
 * body's `error.type` (Anthropic SDKs that keep only the body), or its `code` (OpenAI). Undocumented
 * values are ignored.
 */
function providerTypeOf(error: object): string | undefined {
  const body = field(error, 'error');
  const inner = typeof body === 'object' && body !== null ? field(body, 'error') : undefined;
  // The AI SDK's `APICallError` keeps the parsed body as `data`.
  const data = field(error, 'data');
  const dataError = typeof data === 'object' && data !== null ? field(data, 'error') : undefined;
  const of = (holder: unknown, key: string) => (typeof holder === 'object' && holder !== null ? field(holder, key) : undefined);
  return (
    knownErrorType(field(error, 'type')) ??
    knownErrorType(of(inner, 'type')) ??
    knownErrorType(of(body, 'type')) ??
    knownErrorType(field(error, 'code')) ??
    knownErrorType(of(dataError, 'type')) ??
    knownErrorType(of(dataError, 'code')) ??
    knownErrorType(of(data, 'type')) ??
    knownErrorType(of(data, 'code'))
  );
}

/**
 * `error.type` for a failure: the error's class name (`RateLimitError`, `APIConnectionError`,
 * `TypeError` for a connection cut by undici); for the SDKs' generic `APIError`, the provider's
 * error type when it is a documented one; for a `DOMException`, its name (`AbortError`) when it
 * is a standard one. Never a provider-written string outside the known set.
 */
export function errorTypeOf(error: unknown): string {
  try {
    if (error === null || typeof error !== 'object') return ERROR_TYPE_OTHER;
    const name = className(error);
    if (name === 'DOMException') {
      const domName = field(error, 'name');
      return typeof domName === 'string' && KNOWN_DOM_EXCEPTION_NAMES.has(domName) ? domName : name;
    }
    // The SDKs' one class for every HTTP failure (the AI SDK's `APICallError` too): the documented type says more.
    if (name === 'APIError' || name === 'APICallError') return providerTypeOf(error) ?? name;
    return name ?? ERROR_TYPE_OTHER;
  } catch {
    return ERROR_TYPE_OTHER;
  }
}

/** What may be said of an error besides its class: HTTP status, documented provider type, system code. */
function safeDetail(error: object): string {
  const parts: string[] = [];
  // The AI SDK's `APICallError` names it `statusCode`.
  const status = field(error, 'status') ?? field(error, 'statusCode');
  if (typeof status === 'number' && Number.isInteger(status) && status >= 100 && status <= 599) parts.push(`HTTP ${status}`);
  const type = providerTypeOf(error);
  if (type !== undefined) parts.push(type);
  // A provider's `code` is its own text; Node's and undici's codes are not (an API error has `headers`).
  const code = field(error, 'code');
  if (typeof code === 'string' && SYSTEM_CODE.test(code) && !isAPIError(error)) parts.push(code);
  return parts.join(' ');
}

/** An SDK API error (it has the `status` and `headers` fields, maybe undefined): its `code` is the provider's. */
function isAPIError(error: object): boolean {
  try {
    return 'status' in error || 'headers' in error || 'statusCode' in error;
  } catch {
    return true;
  }
}

/** The error's name as recorded: its class, a standard `DOMException` name, or a plain identifier `name`. */
function labelOf(error: object): string {
  const type = errorTypeOf(error);
  if (type !== ERROR_TYPE_OTHER && !KNOWN_PROVIDER_ERROR_TYPES.has(type)) return type;
  return exceptionTypeOf(error);
}

/**
 * The span status message for a failure. With `captureContent` the error's own message (as the SDK
 * wrote it from the provider's answer); otherwise `Class: HTTP status type` (only what is known and
 * bounded). Our own errors keep their message; a thrown non-error says nothing unless captured.
 */
export function messageOf(error: unknown, captureContent = false): string | undefined {
  try {
    if (captureContent || (error instanceof Error && ownErrors.has(error))) {
      if (error instanceof Error) return typeof error.message === 'string' ? error.message : undefined;
      return typeof error === 'string' ? error : undefined;
    }
    if (!(error instanceof Error)) return undefined;
    const detail = safeDetail(error);
    const label = labelOf(error);
    return detail ? `${label}: ${detail}` : label;
  } catch {
    return undefined;
  }
}

/** Thrown by `peekStack`'s formatter to leave the error's stack unformatted. */
const LEFT_UNFORMATTED = Symbol('otel-genai: stack left unformatted');

/**
 * The error's stack trace as text, without formatting the error's own `stack`. V8 keeps an error's
 * frames until its `stack` is first read, then only the text; Node heads its report of an uncaught
 * error with the source line where it was made, which it finds from those frames: once the stack has
 * been read, it shows a line of its own (`node:internal/process/promises:…  triggerUncaughtException`)
 * instead (issue 18, item 19). So the frames are formatted here by a `prepareStackTrace` of ours that
 * throws once it has the text: V8 then stores nothing, and the app's own first read of `stack`
 * formats it as it would have. The text is V8's default format (or that of a `prepareStackTrace`
 * the app installed); Node's `--enable-source-maps` mapping is not applied to it. A stack already
 * formatted, or set by hand, is read as it is.
 */
export function peekStack(error: Error): unknown {
  const ErrorConstructor = Error as ErrorConstructor & { prepareStackTrace?: (error: Error, frames: NodeJS.CallSite[]) => unknown };
  const previous = ErrorConstructor.prepareStackTrace;
  let text: string | undefined;
  try {
    ErrorConstructor.prepareStackTrace = (formatting, frames) => {
      const formatted = previous === undefined ? defaultFormat(formatting, frames) : previous(formatting, frames);
      if (formatting !== error) return formatted;
      text = typeof formatted === 'string' ? formatted : undefined;
      throw LEFT_UNFORMATTED;
    };
  } catch {
    // `Error.prepareStackTrace` cannot be set (a frozen `Error`): read the stack as it is.
    return field(error, 'stack');
  }
  try {
    return (error as { stack?: unknown }).stack;
  } catch (thrown) {
    return thrown === LEFT_UNFORMATTED ? text : undefined;
  } finally {
    ErrorConstructor.prepareStackTrace = previous;
  }
}

/** V8's own format: `Name: message`, then a line per frame. */
function defaultFormat(error: Error, frames: NodeJS.CallSite[]): string {
  let header: string;
  try {
    header = Error.prototype.toString.call(error);
  } catch {
    header = '';
  }
  return frames.length === 0 ? header : `${header}\n    at ${frames.join('\n    at ')}`;
}

/**
 * The stack trace without the message: V8 starts it with `Name: message` (the message may span
 * lines), so it is rebuilt as `header` followed by the frame lines after the message.
 */
function stackWithoutMessage(error: Error, header: string): string | undefined {
  const stack = peekStack(error);
  if (typeof stack !== 'string') return undefined;
  const message = field(error, 'message');
  let rest = stack;
  if (typeof message === 'string' && message !== '') {
    const at = rest.indexOf(message);
    // Not there (changed after the stack was taken): the first line, whatever it holds, goes anyway.
    rest = at >= 0 ? rest.slice(at + message.length) : rest.slice(Math.max(0, rest.indexOf('\n')));
  } else {
    rest = rest.slice(Math.max(0, rest.indexOf('\n')));
  }
  const frames = rest.split('\n').filter((line) => /^\s+at /.test(line));
  return [header, ...frames].join('\n');
}

/** The exception fields recorded for `error`: its own with capture on, otherwise the bounded ones. */
function exceptionFields(error: Error, captureContent: boolean): { type: string; message: string | undefined; stack: string | undefined } {
  const type = exceptionTypeOf(error);
  if (captureContent || ownErrors.has(error)) {
    const message = field(error, 'message');
    const stack = peekStack(error);
    return {
      type,
      message: typeof message === 'string' && message ? message : undefined,
      stack: typeof stack === 'string' ? stack : undefined,
    };
  }
  const detail = safeDetail(error);
  return { type, message: detail || undefined, stack: stackWithoutMessage(error, detail ? `${type}: ${detail}` : type) };
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
  try {
    diag.error('otel-genai: telemetry step failed', problem);
  } catch {
    // The app's diag logger failed on it: nothing more to say, and nothing to throw.
  }
}

/** The log event an exception goes to when exceptions are recorded as logs. */
export interface ExceptionEvent {
  /** Asked only when exceptions are recorded as logs. */
  logger: () => Logger;
  /** The conventions' event name for the operation; none for a plain exception log record. */
  name: string | undefined;
  /**
   * Content capture is on: record the error's own message and stack. Default false: the message,
   * which may quote the request, is left out (see `messageOf`).
   */
  captureContent?: boolean;
}

/** `instanceof Error`, false for a proxy whose `getPrototypeOf` throws. */
function isError(value: unknown): value is Error {
  try {
    return value instanceof Error;
  } catch {
    return false;
  }
}

/** Exceptions already recorded as a log record: a run that fails with its model call's error records it once. */
const loggedExceptions = new WeakSet<Error>();

/**
 * Records `error` (an `Error`; other thrown values have no exception to record) as the exceptions
 * conventions say for `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN`: a span event, a WARN log record
 * correlated with the span, or both. A plain record (no event name) is skipped for an error that a
 * log record already holds. Without `event.captureContent`, `exception.message` and
 * `exception.stacktrace` hold no text of the error's message (see `exceptionFields`).
 */
export function recordException(span: Span, error: unknown, event: ExceptionEvent): void {
  if (!isError(error)) return;
  const signal = exceptionSignalFromEnv();
  const captureContent = event.captureContent === true;
  // The SDK reads the error's own fields (`code.toString()`, …), which may throw: the span still ends.
  if (signal.onSpan) {
    guard(() => {
      // A span that records nothing (sampled out, no provider) is spared the work.
      if (typeof span.isRecording === 'function' && !span.isRecording()) return;
      if (captureContent) {
        // The fields the SDK reads of an error (`code`, `name`, `message`, `stack`), the stack peeked.
        const stack = peekStack(error);
        span.recordException({
          code: field(error, 'code'),
          name: field(error, 'name'),
          message: field(error, 'message'),
          stack: typeof stack === 'string' ? stack : undefined,
        } as Exception);
        return;
      }
      const { type, message, stack } = exceptionFields(error, false);
      span.recordException({ name: type, message, stack });
    });
  }
  if (!signal.onLogs || (event.name === undefined && loggedExceptions.has(error))) return;
  guard(() => {
    loggedExceptions.add(error);
    const { type, message, stack } = exceptionFields(error, captureContent);
    const attributes: Attributes = { [ATTR_EXCEPTION_TYPE]: type };
    if (message !== undefined) attributes[ATTR_EXCEPTION_MESSAGE] = message;
    if (stack !== undefined) attributes[ATTR_EXCEPTION_STACKTRACE] = stack;
    event.logger().emit({
      eventName: event.name,
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      context: trace.setSpan(ROOT_CONTEXT, span),
      attributes,
    });
  });
}

/** The error's dynamic type, as the conventions prefer: its class name, else its `name` (identifiers only). */
function exceptionTypeOf(error: object): string {
  const name = className(error);
  if (name !== undefined) return name;
  const own = field(error, 'name');
  return typeof own === 'string' && IDENTIFIER.test(own) ? own : ERROR_TYPE_OTHER;
}

const ourGlobalLogger = followingGlobalLogger(PACKAGE_NAME, PACKAGE_VERSION);

/** The global logger provider's logger, for the agent and tool spans that go to the global tracer provider. */
export function globalLogger(): Logger {
  return ourGlobalLogger;
}
