/**
 * Observes the SDKs' `Stream` objects in place. The caller keeps the very object the SDK returned;
 * we replace only its `iterator` function, which `[Symbol.asyncIterator]`, `tee()` and
 * `toReadableStream()` all go through, so every way of reading the stream is seen once.
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
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { iterator?: unknown }).iterator === 'function'
  );
}

/** Streams already observed: a call observed through two promises may see its stream twice. */
const observedStreams = new WeakSet<object>();

export function observeStream<T>(stream: SDKStream<T>, call: InferenceCall, handler: ChunkHandler<T>): void {
  if (observedStreams.has(stream)) return;
  observedStreams.add(stream);
  heldBy(stream, call, 'stream');
  const original = stream.iterator;
  let observed = false;
  stream.iterator = function iterator(this: unknown, ...args: []) {
    const inner = original.apply(this, args);
    // A second iteration fails inside the SDK ("consumed stream"); it must not end the first one's span.
    if (observed) return inner;
    observed = true;
    const iterator = new ObservedIterator(inner, call, handler, stream.controller);
    // A `for await` holds the iterator, not the stream.
    heldBy(iterator, call, 'iterator');
    return iterator;
  };
}

class ObservedIterator<T> implements AsyncIterator<T> {
  constructor(
    private readonly inner: AsyncIterator<T>,
    private readonly call: InferenceCall,
    private readonly handler: ChunkHandler<T>,
    private readonly controller: AbortController | undefined,
  ) {}

  // The SDKs' iterators are async generators, for which `next()` and `next(undefined)` are the same
  // call: no argument is forwarded, which spares every chunk a rest-parameter array.
  next(): Promise<IteratorResult<T>> {
    return this.inner.next().then(this.onResult, this.onError);
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    // `break` lands here: the consumer chose to stop, which is not a failure of the call.
    this.call.end();
    if (typeof this.inner.return === 'function') return this.inner.return(value);
    return Promise.resolve({ done: true, value: value as T });
  }

  throw(error?: unknown): Promise<IteratorResult<T>> {
    this.call.fail(error);
    if (typeof this.inner.throw === 'function') return this.inner.throw(error);
    return Promise.reject(error);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private readonly onResult = (result: IteratorResult<T>): IteratorResult<T> | Promise<IteratorResult<T>> => {
    if (result.done) {
      this.onEnd();
      return result;
    }
    let deliver: boolean | void = true;
    try {
      this.call.markChunk();
      deliver = this.handler.onChunk(result.value);
    } catch (problem) {
      diag.error('otel-genai: could not read a stream chunk', problem);
    }
    return deliver === false ? this.inner.next().then(this.onResult, this.onError) : result;
  };

  private readonly onError = (error: unknown): never => {
    this.call.fail(error);
    throw error;
  };

  private onEnd(): void {
    const call = this.call;
    if (call.finishReasons !== undefined) {
      call.end();
      return;
    }
    // The SDKs end iteration quietly when the request is aborted; the span says what happened.
    const signal = this.controller?.signal;
    if (signal?.aborted) {
      call.fail(signal.reason);
      return;
    }
    call.fail(ownError('stream ended before its final event'), ERROR_TYPE_INCOMPLETE_STREAM);
  }
}
