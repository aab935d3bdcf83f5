/**
 * Observes the Stainless-generated SDKs' `APIPromise` (anthropic and openai share its design)
 * without changing what the application gets back.
 *
 * An `APIPromise` reads and parses the response body only when someone calls `then`, `parse()` or
 * `withResponse()`; calling `then` ourselves would consume the body under `asResponse()` callers,
 * and an async wrapper would lose `withResponse()`. So we hand back the very same object and hook
 * in at the two seams it already has: `responsePromise` (the raw response, and every failure after
 * the retries) and `parseResponse` (the parsed body, or the `Stream` for `stream: true`, whoever
 * asked for it). A caller that takes the raw response with `asResponse()` before any parse began
 * may never parse it, so that call's span ends when the response arrives, without the body.
 */
import { diag } from '@opentelemetry/api';
import { isWrapped } from '@opentelemetry/instrumentation';
import { guard } from './errors';
import type { InferenceCall } from './inference-call';
import { isSDKStream, observeStream } from './stream';
import type { ChunkHandler, SDKStream } from './stream';

/** How one provider reads a response into the call. */
export interface ResponseMapping<Body, Chunk> {
  onBody(call: InferenceCall, body: Body): void;
  chunkHandler(call: InferenceCall): ChunkHandler<Chunk>;
}

interface APIPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse: (this: unknown, ...args: unknown[]) => unknown;
  parsedPromise?: unknown;
  _thenUnwrap?: (this: unknown, ...args: unknown[]) => unknown;
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
export type Wrap = (target: object, name: string, wrapper: (original: AnyFunction) => AnyFunction) => void;
export type Unwrap = (target: object, name: string) => void;

/**
 * Methods that hand the raw response to their caller, who may never parse the body through us:
 * `asResponse()` (the app reads the body itself), and the SDK-internal `_responseProps()`, which the
 * Anthropic thread helpers use to parse a reply later (non-streaming: through us, so the span waits)
 * or to build their own stream from it (which we do not see, so the span ends on arrival).
 */
const RAW_RESPONSE_METHODS: Record<string, RawTaker> = { asResponse: 'always', _responseProps: 'streams' };
type RawTaker = 'always' | 'streams';

interface ResponseProps {
  options?: { stream?: unknown };
}

class ObservedResponse {
  private props: ResponseProps | undefined;
  private rawTaker: RawTaker | undefined;

  constructor(readonly call: InferenceCall) {}

  arrived(props: ResponseProps): void {
    this.props = props;
    if (this.endsWithoutBody()) this.call.end();
  }

  rawTaken(taker: RawTaker): void {
    if (this.rawTaker !== 'always') this.rawTaker = taker;
    if (this.endsWithoutBody()) this.call.end();
  }

  private endsWithoutBody(): boolean {
    if (this.props === undefined || this.rawTaker === undefined) return false;
    return this.rawTaker === 'always' || this.props.options?.stream === true;
  }
}

export function isAPIPromise(value: unknown): value is APIPromiseLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as APIPromiseLike).parseResponse === 'function' &&
    typeof (value as APIPromiseLike).responsePromise?.then === 'function'
  );
}

export class APIPromiseObserver {
  private readonly observed = new WeakMap<object, ObservedResponse>();
  private readonly prototypes = new Set<object>();

  constructor(
    private readonly wrap: Wrap,
    private readonly unwrap: Unwrap,
  ) {}

  /**
   * Starts observing `promise` for `call`. Returns false, ending nothing, when `promise` is not an
   * `APIPromise` this code recognises; the caller then decides what to do with the span.
   */
  observe<Body, Chunk>(promise: unknown, call: InferenceCall, mapping: ResponseMapping<Body, Chunk>): boolean {
    if (!isAPIPromise(promise)) return false;
    const state = new ObservedResponse(call);
    this.observed.set(promise, state);
    this.patchPrototype(Object.getPrototypeOf(promise));

    // Attached beside the SDK's own reactions, not in their path: the app's chain is untouched, and
    // this branch settles either way, so it never adds an unhandled rejection of its own.
    promise.responsePromise.then(
      (props) => state.arrived(props as ResponseProps),
      (error: unknown) => call.fail(error),
    );

    const parseResponse = promise.parseResponse;
    const onParsed = (data: unknown): unknown => {
      guard(() => {
        if (isSDKStream(data)) {
          observeStream(data as SDKStream<Chunk>, call, mapping.chunkHandler(call));
        } else {
          mapping.onBody(call, data as Body);
          call.end();
        }
      });
      return data;
    };
    const onParseFailed = (error: unknown): never => {
      call.fail(error);
      throw error;
    };
    promise.parseResponse = function observedParseResponse(this: unknown, ...args: unknown[]) {
      let parsed: unknown;
      try {
        parsed = parseResponse.apply(this, args);
      } catch (error) {
        onParseFailed(error);
      }
      return typeof (parsed as Promise<unknown>)?.then === 'function'
        ? (parsed as Promise<unknown>).then(onParsed, onParseFailed)
        : onParsed(parsed);
    };

    // openai >= 7 gives each APIPromise its own `_thenUnwrap`, whose derived promise parses through
    // closures rather than through the fields above (`parse()` helpers, `responses.stream()`): the
    // derived promise is observed for the same call, and whichever is parsed ends the span.
    const ownThenUnwrap = Object.prototype.hasOwnProperty.call(promise, '_thenUnwrap') ? promise._thenUnwrap : undefined;
    if (typeof ownThenUnwrap === 'function') {
      const observer = this;
      promise._thenUnwrap = function observedThenUnwrap(this: unknown, ...args: unknown[]) {
        const derived = ownThenUnwrap.apply(this, args);
        guard(() => observer.observe(derived, call, mapping));
        return derived;
      };
    }
    return true;
  }

  /** Puts back every prototype method this observer wrapped. */
  restore(): void {
    for (const prototype of this.prototypes) {
      for (const name of Object.keys(RAW_RESPONSE_METHODS)) {
        if (isWrapped((prototype as Record<string, unknown>)[name])) this.unwrap(prototype, name);
      }
    }
    this.prototypes.clear();
  }

  private patchPrototype(prototype: object | null): void {
    if (prototype === null || this.prototypes.has(prototype)) return;
    this.prototypes.add(prototype);
    const observed = this.observed;
    for (const [name, taker] of Object.entries(RAW_RESPONSE_METHODS)) {
      if (typeof (prototype as Record<string, unknown>)[name] !== 'function') {
        if (name === 'asResponse') diag.warn(`otel-genai: APIPromise has no ${name}(); raw-response calls may keep their span open`);
        continue;
      }
      this.wrap(prototype, name, (original) =>
        function rawResponse(this: unknown, ...args: unknown[]) {
          const state = observed.get(this as object);
          if (state !== undefined && (this as APIPromiseLike).parsedPromise === undefined) state.rawTaken(taker);
          return original.apply(this, args);
        },
      );
    }
  }
}
