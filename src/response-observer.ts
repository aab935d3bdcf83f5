/**
 * How a model call's span learns what the response said, whatever kind of object the SDK method
 * returned: the model-call wrapper (genai-instrumentation.ts) hands the result to the observers its
 * instrumentation names, in order, and the first that recognises it watches it until the call ends.
 * The wrapper never knows which kind it had.
 *
 * - `StainlessResponseObserver`: the `APIPromise` and `Stream` of the Stainless-generated SDKs
 *   (`@anthropic-ai/sdk`, `openai`), observed in place at their own seams (api-promise.ts,
 *   stream.ts), the very object handed back.
 * - `PromiseResponseObserver`: any SDK's native promise, and the async iterable (a stream) it may
 *   resolve to (`@google/genai`). The app gets the very value or error the SDK's promise settled
 *   with, through a promise of ours; a stream is observed in place, the same object handed on.
 */
import { APIPromiseObserver } from './api-promise';
import type { ResponseMapping, Unwrap, Wrap } from './api-promise';
import { heldBy } from './abandonment';
import { ownError, reportFailure } from './errors';
import type { InferenceCall } from './inference-call';
import { ERROR_TYPE_INCOMPLETE_STREAM } from './semconv';
import type { ChunkHandler } from './stream';

export type { ResponseMapping };

/** What `observe` returns for a result it does not recognise: nothing was ended, nothing changed. */
export const UNOBSERVED: unique symbol = Symbol('otel-genai: unobserved response');

/** Watches what an SDK method returned, until the call ends; one per instrumentation instance. */
export interface ResponseObserver {
  /**
   * Starts watching `result`, what the SDK method returned, for `call`, and returns what the app
   * is handed: `result` itself, or (for a native promise only) a native promise that settles with
   * the very value or error `result` settles with. `UNOBSERVED` when it does not recognise `result`.
   */
  observe(result: unknown, call: InferenceCall, mapping: ResponseMapping<unknown, unknown>): unknown;
  /** Takes off whatever it patched to observe (the instrumentation's `disable()`). */
  restore(): void;
}

/**
 * The Stainless SDKs' `APIPromise`, and the `Stream` its parse yields (see api-promise.ts and
 * stream.ts): the same observer, at the same cost, behind this interface. The app gets `result`.
 */
export class StainlessResponseObserver implements ResponseObserver {
  private readonly promises: APIPromiseObserver;

  constructor(wrap: Wrap, unwrap: Unwrap) {
    this.promises = new APIPromiseObserver(wrap, unwrap);
  }

  observe(result: unknown, call: InferenceCall, mapping: ResponseMapping<unknown, unknown>): unknown {
    return this.promises.observe(result, call, mapping) ? result : UNOBSERVED;
  }

  restore(): void {
    this.promises.restore();
  }
}

/**
 * A native promise (an `async` SDK method's), and what it resolves to: a whole response body
 * (`mapping.onBody`, the call ends), or an async iterable of chunks observed in place (the call
 * ends with the stream). Also an async iterable returned directly. Nothing to patch, nothing to restore.
 *
 * The app's promise is an `async` function of ours awaiting the SDK's: the SDK's promise keeps a
 * single reaction (an `await`), so V8's async stack traces still run from the SDK's frames into the
 * app's, and a rejection the app leaves unhandled is reported as before (ours carries it on).
 */
export class PromiseResponseObserver implements ResponseObserver {
  observe(result: unknown, call: InferenceCall, mapping: ResponseMapping<unknown, unknown>): unknown {
    if (result instanceof Promise) return settled(result, call, mapping);
    if (isAsyncIterable(result)) {
      observeAsyncIterable(
        result,
        call,
        mapping.chunkHandler(call),
        call.content === undefined ? undefined : call.content.mapping.streamOutput(),
      );
      return result;
    }
    return UNOBSERVED;
  }

  restore(): void {}
}

async function settled(promise: Promise<unknown>, call: InferenceCall, mapping: ResponseMapping<unknown, unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    try {
      call.fail(error);
    } catch (problem) {
      reportFailure(problem);
    }
    throw error;
  }
  try {
    received(value, call, mapping);
  } catch (problem) {
    reportFailure(problem);
    call.end();
  }
  return value;
}

/** What a promise resolved to: a stream, observed in place, or a whole body. */
function received(value: unknown, call: InferenceCall, mapping: ResponseMapping<unknown, unknown>): void {
  const content = call.content;
  if (isAsyncIterable(value)) {
    observeAsyncIterable(value, call, mapping.chunkHandler(call), content === undefined ? undefined : content.mapping.streamOutput());
    return;
  }
  if (content !== undefined) content.output = () => content.mapping.output(value);
  try {
    mapping.onBody(call, value);
  } finally {
    call.end();
  }
}

export function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return (
    ((typeof value === 'object' && value !== null) || typeof value === 'function') &&
    typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === 'function'
  );
}

/** Builds a stream's output messages while capture is on (see content.ts). */
interface StreamOutput {
  onChunk(chunk: unknown): void;
  messages(): import('./content').ChatMessage[];
}

type Next = (this: unknown, value?: unknown) => Promise<IteratorResult<unknown>>;

/** Iterables already observed: a second observation of the same object changes nothing. */
const observedIterables = new WeakSet<object>();

/**
 * Observes an async iterable in place: the object the app holds stays the same object. When it is
 * its own iterator (an async generator, tslib's `__asyncGenerator` object: it has `next`), its
 * `next` / `return` / `throw` get own properties of ours that call the originals; otherwise its
 * `[Symbol.asyncIterator]` does, and the first iterator it hands out is observed so. Per chunk:
 * one `then` on the original `next`.
 *
 * The call ends when the stream ends (failed with `incomplete_stream` when no finish reason came),
 * when the consumer stops early (`break`, `return()`: not a failure), or fails with the stream's
 * error (an abort's included). A stream the app drops unread is abandoned (see abandonment.ts).
 */
export function observeAsyncIterable(
  iterable: object,
  call: InferenceCall,
  handler: ChunkHandler<unknown>,
  output: StreamOutput | undefined,
): void {
  if (observedIterables.has(iterable)) return;
  observedIterables.add(iterable);
  const content = call.content;
  if (content !== undefined && output !== undefined) content.output = () => output.messages();
  heldBy(iterable, call, 'stream');
  if (typeof (iterable as { next?: unknown }).next === 'function') {
    instrumentIterator(iterable, call, handler, output);
    return;
  }
  const holder = iterable as Record<symbol, unknown>;
  const original = holder[Symbol.asyncIterator] as (this: unknown) => object;
  let handedOut = false;
  defineMethod(
    iterable,
    Symbol.asyncIterator,
    function (this: unknown) {
      const iterator = original.call(this);
      if (!handedOut && typeof iterator === 'object' && iterator !== null && typeof (iterator as { next?: unknown }).next === 'function') {
        handedOut = true;
        try {
          // A `for await` holds the iterator, not the iterable: from now on it is what the app holds.
          heldBy(iterator, call, 'iterator');
          instrumentIterator(iterator, call, handler, output);
        } catch (problem) {
          reportFailure(problem);
        }
      }
      return iterator;
    },
    original,
  );
}

function instrumentIterator(iterator: object, call: InferenceCall, handler: ChunkHandler<unknown>, output: StreamOutput | undefined): void {
  const methods = iterator as Record<string, unknown>;
  const next = methods.next as Next;
  const onResult = (result: IteratorResult<unknown>): IteratorResult<unknown> | Promise<IteratorResult<unknown>> => {
    if (result === null || typeof result !== 'object' || result.done) {
      endOfStream(call);
      return result;
    }
    let deliver: boolean | void = true;
    try {
      call.markChunk();
      deliver = handler.onChunk(result.value);
      if (output !== undefined) output.onChunk(result.value);
    } catch (problem) {
      reportFailure(problem);
    }
    return deliver === false ? next.call(iterator).then(onResult, onError) : result;
  };
  const onError = (error: unknown): never => {
    call.fail(error);
    throw error;
  };
  defineMethod(
    iterator,
    'next',
    function (this: unknown, value?: unknown) {
      return next.call(this, value).then(onResult, onError);
    },
    next,
  );
  const returnMethod = methods.return;
  if (typeof returnMethod === 'function') {
    // `break` lands here: the consumer chose to stop, which is not a failure of the call.
    defineMethod(
      iterator,
      'return',
      function (this: unknown, value?: unknown) {
        call.end();
        return (returnMethod as Next).call(this, value);
      },
      returnMethod as Next,
    );
  }
  const throwMethod = methods.throw;
  if (typeof throwMethod === 'function') {
    defineMethod(
      iterator,
      'throw',
      function (this: unknown, error?: unknown) {
        call.fail(error);
        return (throwMethod as Next).call(this, error);
      },
      throwMethod as Next,
    );
  }
}

/** A stream read to its end: ended, or failed when no finish reason came (cut short without an error). */
function endOfStream(call: InferenceCall): void {
  if (call.finishReasons !== undefined) call.end();
  else call.fail(ownError('stream ended before its final event'), ERROR_TYPE_INCOMPLETE_STREAM);
}

/**
 * `target[key] = method`, as the object had it: an own property keeps its enumerability (tslib's
 * methods are enumerable), an inherited one is shadowed by a non-enumerable own one (as a class
 * defines methods); named as the original, which `console.log` shows.
 */
function defineMethod(
  target: object,
  key: string | symbol,
  method: (...args: never[]) => unknown,
  original: (...args: never[]) => unknown,
): void {
  try {
    Object.defineProperty(method, 'name', { value: original.name });
  } catch {
    // keeps its own name
  }
  const own = Object.getOwnPropertyDescriptor(target, key);
  Object.defineProperty(target, key, { value: method, writable: true, configurable: true, enumerable: own?.enumerable ?? false });
}
