/**
 * Observes the SDKs' `Stream` objects in place. The caller keeps the very object the SDK returned,
 * and what it can see of it stays the SDK's (issue 18, item 14): `console.log(stream)`, its keys,
 * its `iterator` function and the iterator that hands out (an async generator of the SDK's own).
 *
 * Every way of reading a stream (`[Symbol.asyncIterator]`, `tee()`, `toReadableStream()`, an SDK
 * helper's own wrapping) ends in a call of its `iterator`, an async generator function made for that
 * stream, whose generators inherit from its own `prototype` object. That object's prototype, the
 * shared `%AsyncGeneratorPrototype%`, is what we change: a layer of ours goes between the two, with
 * `next` / `return` / `throw` that see every chunk and every ending, then call the built-in ones. The
 * stream, its `iterator` and the generators are the SDK's objects, unchanged; per chunk, nothing
 * more than before (one `then` on the built-in `next`).
 *
 * A stream whose `iterator` is not a fresh async generator function of that kind (none of the SDK
 * versions we know of) gets its `iterator` replaced instead, by one that hands out an iterator of
 * ours dressed as an async generator.
 */
import { diag } from '@opentelemetry/api';
import { heldBy } from './abandonment';
import { ownError } from './errors';
import type { InferenceCall } from './inference-call';
import { ERROR_TYPE_INCOMPLETE_STREAM } from './semconv';

/** What the Stainless-generated SDKs' `Stream` instances carry (anthropic and openai alike). */
export interface SDKStream<T> {
  iterator: () => AsyncIterator<T>;
  controller?: AbortController;
}

/** Reads one provider's chunks into the call; built per stream by the provider's mapping. */
export interface ChunkHandler<T> {
  /**
   * Returns `false` for a chunk that exists only because we changed the request (the usage chunk
   * of an opted-in `include_usage`): the app does not see it.
   */
  onChunk(chunk: T): boolean | void;
}

export function isSDKStream(value: unknown): value is SDKStream<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { iterator?: unknown }).iterator === 'function';
}

/** Streams already observed: a call observed through two promises may see its stream twice. */
const observedStreams = new WeakSet<object>();

/**
 * `%AsyncGeneratorPrototype%`, and its built-in methods, which the SDKs' own iterators (async
 * generators) inherit.
 */
const AsyncGeneratorPrototype = Object.getPrototypeOf(async function* () {}).prototype as AsyncGenerator;
const nativeNext = AsyncGeneratorPrototype.next;
const nativeReturn = AsyncGeneratorPrototype.return;
const nativeThrow = AsyncGeneratorPrototype.throw;

export function observeStream<T>(stream: SDKStream<T>, call: InferenceCall, handler: ChunkHandler<T>): void {
  if (observedStreams.has(stream)) return;
  observedStreams.add(stream);
  const generators = (stream.iterator as { prototype?: unknown }).prototype;
  if (typeof generators === 'object' && generators !== null && Object.getPrototypeOf(generators) === AsyncGeneratorPrototype) {
    const layer = observingLayer(call, handler, stream.controller);
    Object.setPrototypeOf(generators, layer);
    // Reachable from the stream (its `iterator`'s `prototype`) and from every generator it made
    // (through their prototype): reclaimed once the app holds neither, which is when the call is
    // abandoned. An iterator taken and kept (by `tee()`'s branches, a ReadableStream) keeps it.
    heldBy(layer, call, 'stream');
    return;
  }
  heldBy(stream, call, 'stream');
  replaceIterator(stream, call, handler);
}

/**
 * The layer between one stream's generators and `%AsyncGeneratorPrototype%`: `next` / `return` /
 * `throw` (not enumerable, named as the built-ins) that see every chunk and every ending, then call
 * the built-in ones; the stream's state in their closure, which no inspection shows. The first
 * generator read (or closed) is the observed one: a second iteration fails inside the SDK ("consumed
 * stream"), and must not end the first one's span.
 */
function observingLayer<T>(call: InferenceCall, handler: ChunkHandler<T>, controller: AbortController | undefined): object {
  let observed: AsyncGenerator<T> | undefined;
  const onResult = (result: IteratorResult<T>): IteratorResult<T> | Promise<IteratorResult<T>> => {
    if (result.done) {
      endOfStream(call, controller);
      return result;
    }
    let deliver: boolean | void = true;
    try {
      call.markChunk();
      deliver = handler.onChunk(result.value);
    } catch (problem) {
      diag.error('otel-genai: could not read a stream chunk', problem);
    }
    return deliver === false
      ? (nativeNext.call(observed as AsyncGenerator<T>) as Promise<IteratorResult<T>>).then(onResult, onError)
      : result;
  };
  const onError = (error: unknown): never => {
    call.fail(error);
    throw error;
  };
  // Method definitions, for their names. Each keeps the first generator that calls it (`observed`):
  // the one observed, whichever reads first.
  /* eslint-disable @typescript-eslint/no-this-alias */
  const methods = {
    // `next()` and `next(undefined)` are the same call to an async generator: the one argument is
    // passed on, which spares every chunk a rest-parameter array.
    next(this: AsyncGenerator<T>, value?: unknown): Promise<IteratorResult<T>> {
      if (observed === undefined) observed = this;
      else if (observed !== this) return nativeNext.call(this, value) as Promise<IteratorResult<T>>;
      return (nativeNext.call(this, value) as Promise<IteratorResult<T>>).then(onResult, onError);
    },
    return(this: AsyncGenerator<T>, value?: unknown): Promise<IteratorResult<T>> {
      observed ??= this;
      // `break` lands here: the consumer chose to stop, which is not a failure of the call.
      if (observed === this) call.end();
      return nativeReturn.call(this, value as T) as Promise<IteratorResult<T>>;
    },
    throw(this: AsyncGenerator<T>, error?: unknown): Promise<IteratorResult<T>> {
      observed ??= this;
      if (observed === this) call.fail(error);
      return nativeThrow.call(this, error) as Promise<IteratorResult<T>>;
    },
  };
  /* eslint-enable @typescript-eslint/no-this-alias */
  return Object.create(AsyncGeneratorPrototype, {
    next: { value: methods.next, writable: true, configurable: true },
    return: { value: methods.return, writable: true, configurable: true },
    throw: { value: methods.throw, writable: true, configurable: true },
  }) as object;
}

/** A stream read to its end: ended, or failed when it ended before its final event. */
function endOfStream(call: InferenceCall, controller: AbortController | undefined): void {
  if (call.finishReasons !== undefined) {
    call.end();
    return;
  }
  // The SDKs end iteration quietly when the request is aborted; the span says what happened.
  const signal = controller?.signal;
  if (signal?.aborted) {
    call.fail(signal.reason);
    return;
  }
  call.fail(ownError('stream ended before its final event'), ERROR_TYPE_INCOMPLETE_STREAM);
}

/** The fallback: `stream.iterator` replaced by one, of the same name, handing out an `ObservedIterator`. */
function replaceIterator<T>(stream: SDKStream<T>, call: InferenceCall, handler: ChunkHandler<T>): void {
  const original = stream.iterator;
  let observed = false;
  const replacement = function (this: unknown, ...args: []) {
    const inner = original.apply(this, args);
    // A second iteration fails inside the SDK ("consumed stream"); it must not end the first one's span.
    if (observed) return inner;
    observed = true;
    const iterator = new ObservedIterator(inner, call, handler, stream.controller);
    // A `for await` holds the iterator, not the stream.
    heldBy(iterator, call, 'iterator');
    return iterator;
  };
  Object.defineProperty(replacement, 'name', { value: original.name });
  stream.iterator = replacement;
}

/** The iterator of the fallback, shown as an async generator is (`[object AsyncGenerator]`, `Object [AsyncGenerator] {}`). */
class ObservedIterator<T> implements AsyncIterator<T> {
  readonly #inner: AsyncIterator<T>;
  readonly #call: InferenceCall;
  readonly #handler: ChunkHandler<T>;
  readonly #controller: AbortController | undefined;

  constructor(inner: AsyncIterator<T>, call: InferenceCall, handler: ChunkHandler<T>, controller: AbortController | undefined) {
    this.#inner = inner;
    this.#call = call;
    this.#handler = handler;
    this.#controller = controller;
  }

  // No argument forwarded: for the SDKs' iterators `next()` and `next(undefined)` are the same call.
  next(): Promise<IteratorResult<T>> {
    return this.#inner.next().then(this.#onResult, this.#onError);
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    // `break` lands here: the consumer chose to stop, which is not a failure of the call.
    this.#call.end();
    if (typeof this.#inner.return === 'function') return this.#inner.return(value);
    return Promise.resolve({ done: true, value: value as T });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.#call.fail(error);
    if (typeof this.#inner.throw === 'function') return this.#inner.throw(error);
    return Promise.reject(error);
  }

  readonly #onResult = (result: IteratorResult<T>): IteratorResult<T> | Promise<IteratorResult<T>> => {
    if (result.done) {
      endOfStream(this.#call, this.#controller);
      return result;
    }
    let deliver: boolean | void = true;
    try {
      this.#call.markChunk();
      deliver = this.#handler.onChunk(result.value);
    } catch (problem) {
      diag.error('otel-genai: could not read a stream chunk', problem);
    }
    return deliver === false ? this.#inner.next().then(this.#onResult, this.#onError) : result;
  };

  readonly #onError = (error: unknown): never => {
    this.#call.fail(error);
    throw error;
  };
}

// Its `Symbol.toStringTag` and `Symbol.asyncIterator` those of async generators; no constructor of
// ours on the way up, which `util.inspect` would name.
Object.setPrototypeOf(ObservedIterator.prototype, AsyncGeneratorPrototype);
delete (ObservedIterator.prototype as { constructor?: unknown }).constructor;
