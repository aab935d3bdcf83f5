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
 *
 * SDK helpers sometimes take the raw response of our call and parse it through an `APIPromise` of
 * their own (the Anthropic tool runner over a thread, openai 7's `_thenUnwrap`): any `APIPromise`
 * that parses a response one of our calls received is adopted by that call.
 */
import { diag } from '@opentelemetry/api';
import { heldBy } from './abandonment';
import { guard, reportFailure } from './errors';
import type { InferenceCall } from './inference-call';
import { isSDKStream, observeStream } from './stream';
import type { ChunkHandler, SDKStream } from './stream';

/** How one provider reads a response into the call. */
export interface ResponseMapping<Body, Chunk> {
  onBody(call: InferenceCall, body: Body): void;
  chunkHandler(call: InferenceCall): ChunkHandler<Chunk>;
}

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
export type Wrap = (target: object, name: string, wrapper: (original: AnyFunction) => AnyFunction) => void;
export type Unwrap = (target: object, name: string) => void;

interface APIPromiseLike {
  responsePromise: Promise<unknown>;
  parseResponse: AnyFunction;
  parsedPromise?: unknown;
  _thenUnwrap?: AnyFunction;
}

interface ResponseProps {
  response?: object;
}

/** One observed call's response: where its body goes, once, whichever promise parses it. */
class ObservedResponse {
  private arrivedYet = false;
  private rawTaken = false;
  /** Someone called `parse()` (an `await`, `then`, `withResponse()`) on the call's own promise. */
  parseBegan = false;

  constructor(
    readonly call: InferenceCall,
    private readonly mapping: ResponseMapping<unknown, unknown>,
  ) {}

  arrived(): void {
    this.arrivedYet = true;
    if (this.rawTaken) this.call.end();
  }

  takenRaw(): void {
    this.rawTaken = true;
    if (this.arrivedYet) this.call.end();
  }

  /** The parse under way holds what stands for the promise in the abandonment registry (see `interceptParse`). */
  parsing: unknown;

  readonly parsed = (data: unknown): unknown => {
    this.parsing = undefined;
    guard(() => {
      const content = this.call.content;
      if (isSDKStream(data)) {
        const handler = this.mapping.chunkHandler(this.call);
        if (content === undefined) {
          observeStream(data as SDKStream<unknown>, this.call, handler);
          return;
        }
        // Capture is on: the output is built from the chunks as they pass.
        const output = content.mapping.streamOutput();
        content.output = () => output.messages();
        observeStream(data as SDKStream<unknown>, this.call, {
          onChunk(chunk) {
            const deliver = handler.onChunk(chunk);
            guard(() => output.onChunk(chunk));
            return deliver;
          },
        });
      } else {
        if (content !== undefined) content.output = () => content.mapping.output(data);
        this.mapping.onBody(this.call, data);
        this.call.end();
      }
    });
    return data;
  };

  readonly parseFailed = (error: unknown): never => {
    this.parsing = undefined;
    this.call.fail(error);
    throw error;
  };
}

export function isAPIPromise(value: unknown): value is APIPromiseLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as APIPromiseLike).parseResponse === 'function' &&
    typeof (value as APIPromiseLike).responsePromise?.then === 'function'
  );
}

/**
 * Replaces `promise.parseResponse` with a function that reports to `stateOf(props)` what it parsed;
 * returns it. At its first call it puts the SDK's own function back, then calls it: V8 names a
 * stack frame after the property of the receiver that holds the running function, so the frames of
 * a failed parse read `APIPromise.defaultParseResponse [as parseResponse]` /
 * `APIPromise.parseResponse` as without us, not `APIPromise.<anonymous>` (issue 18, item 19), and
 * `console.log(promise)` shows the SDK's function again. A promise parses once (`parse()` keeps its
 * result); a second call (a helper's retry) reaches the SDK's function alone. Ours is named
 * `parseResponse`, for the one frame of its own an error thrown synchronously inside the parse shows.
 */
function interceptParse(promise: APIPromiseLike, stateOf: (props: unknown) => ObservedResponse | undefined): AnyFunction {
  const original = promise.parseResponse;
  // Not `promise` itself: the response promise's reaction holds this function, and must not hold the
  // promise (see `observe`). The SDKs call it as a method of the promise, helpers' promises too.
  const parseResponse = function parseResponse(this: unknown, ...args: unknown[]): unknown {
    if (typeof this === 'object' && this !== null && (this as APIPromiseLike).parseResponse === parseResponse) {
      (this as APIPromiseLike).parseResponse = original;
    }
    // openai 4.x passes only the props; later versions pass (client, props).
    const state = stateOf(args.length > 1 ? args[1] : args[0]);
    if (state === undefined) return original.apply(this, args);
    // The promise no longer holds this function, which stands for it in the abandonment registry:
    // the parse under way does, until it settles.
    state.parsing = parseResponse;
    let parsed: unknown;
    try {
      parsed = original.apply(this, args);
    } catch (error) {
      state.parseFailed(error);
    }
    return typeof (parsed as Promise<unknown>)?.then === 'function'
      ? (parsed as Promise<unknown>).then(state.parsed, state.parseFailed)
      : state.parsed(parsed);
  };
  promise.parseResponse = parseResponse;
  return parseResponse;
}

/** `wrapper` with the name and length of `original`, which `console.log` of the object holding it shows. */
function dressedAs<T extends AnyFunction>(wrapper: T, original: AnyFunction): T {
  try {
    Object.defineProperty(wrapper, 'name', { value: original.name });
    Object.defineProperty(wrapper, 'length', { value: original.length });
  } catch {
    // A function of the SDK's whose name or length cannot be read: the wrapper keeps its own.
  }
  return wrapper;
}

/**
 * Shared by every observer in the process: an SDK's `APIPromise.prototype` is one per copy of the
 * SDK, however many instrumentation instances trace it, so its wrappers are installed once, see
 * every observed promise, and come off when the last observer using them is restored.
 */
const observed = new WeakMap<object, ObservedResponse>();
/** Responses our calls received, so that an SDK helper's own promise parsing one is adopted. */
const responses = new WeakMap<object, ObservedResponse>();
/** Promises not made by our calls that `parse()` has already set up to adopt. */
const adopters = new WeakSet<object>();
/** Each patched prototype, the observers using it, and the wrappers installed on it. */
const patchedPrototypes = new Map<object, { users: Set<APIPromiseObserver>; installed: Map<string, unknown> }>();

export class APIPromiseObserver {
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
    const state = new ObservedResponse(call, mapping as ResponseMapping<unknown, unknown>);
    observed.set(promise, state);
    this.patchPrototype(Object.getPrototypeOf(promise));
    // Lives exactly as long as the promise (only the promise, and helpers' promises built on it,
    // hold it; once its parse has begun, that parse until it settles): what the abandonment
    // registry watches in the promise's stead. The reaction below must not hold the promise itself:
    // V8 then keeps every call's response in memory past minor collections (pretenuring), which
    // doubled the garbage collector's work per call.
    const parser = interceptParse(promise, () => state);

    // In the SDK's path, not beside it: V8 follows a promise chain into the app's `await` (its
    // `at async` frames in every error's stack) only through promises with a single reaction, and a
    // reaction of ours beside the SDK's would be a second one. The same value or error passes on.
    promise.responsePromise = promise.responsePromise.then(
      (props) => {
        try {
          // An app that awaits the call has begun parsing it by now, and then neither of these can
          // matter: it will not drop the promise unread, and no helper parses the response in its
          // stead. Only an unparsed response is worth their cost (a weak entry each, and GC work).
          if (!state.parseBegan && !call.isEnded) {
            const response = (props as ResponseProps | undefined)?.response;
            if (typeof response === 'object' && response !== null) responses.set(response, state);
            heldBy(parser, call, 'promise');
          }
          state.arrived();
        } catch (problem) {
          reportFailure(problem);
        }
        return props;
      },
      (error: unknown) => {
        guard(() => call.fail(error));
        throw error;
      },
    );

    // openai >= 7 gives each APIPromise its own `_thenUnwrap`, whose derived promise parses through
    // closures rather than through the fields above (`parse()` helpers, `responses.stream()`): the
    // derived promise is observed for the same call, and whichever is parsed ends the span.
    // An arrow function, named as the SDK's (an anonymous arrow function in openai 7): what
    // `console.log(promise)` shows of it is the SDK's.
    const ownThenUnwrap = Object.prototype.hasOwnProperty.call(promise, '_thenUnwrap') ? promise._thenUnwrap : undefined;
    if (typeof ownThenUnwrap === 'function') {
      promise._thenUnwrap = dressedAs((...args: unknown[]) => {
        const derived = ownThenUnwrap.apply(promise, args);
        guard(() => this.observe(derived, call, mapping));
        return derived;
      }, ownThenUnwrap);
    }
    return true;
  }

  /** Leaves the prototypes it used; the last observer to leave one puts its methods back. */
  restore(): void {
    for (const [prototype, patch] of patchedPrototypes) {
      if (!patch.users.delete(this) || patch.users.size > 0) continue;
      for (const [name, installed] of patch.installed) {
        if ((prototype as Record<string, unknown>)[name] === installed) this.unwrap(prototype, name);
      }
      patchedPrototypes.delete(prototype);
    }
  }

  private patchPrototype(prototype: object | null): void {
    if (prototype === null) return;
    const existing = patchedPrototypes.get(prototype);
    if (existing !== undefined) {
      existing.users.add(this);
      return;
    }
    const installed = new Map<string, unknown>();
    patchedPrototypes.set(prototype, { users: new Set([this]), installed });
    const methods = prototype as Record<string, unknown>;
    if (typeof methods.asResponse === 'function') {
      this.wrap(
        prototype,
        'asResponse',
        (original) =>
          function asResponse(this: unknown, ...args: unknown[]) {
            const state = observed.get(this as object);
            if (state !== undefined && (this as APIPromiseLike).parsedPromise === undefined) state.takenRaw();
            return original.apply(this, args);
          },
      );
      installed.set('asResponse', methods.asResponse);
    } else {
      diag.warn('otel-genai: APIPromise has no asResponse(); raw-response calls may keep their span open');
    }
    if (typeof methods.parse === 'function') {
      this.wrap(
        prototype,
        'parse',
        (original) =>
          function parse(this: unknown, ...args: unknown[]) {
            const promise = this as APIPromiseLike;
            const state = observed.get(promise);
            if (state !== undefined) {
              state.parseBegan = true;
            } else if (promise.parsedPromise === undefined && !adopters.has(promise) && typeof promise.parseResponse === 'function') {
              // Not one of ours: it adopts the call whose response it parses, if any.
              adopters.add(promise);
              interceptParse(promise, (props) => {
                const response = (props as ResponseProps | undefined)?.response;
                return typeof response === 'object' && response !== null ? responses.get(response) : undefined;
              });
            }
            return original.apply(this, args);
          },
      );
      installed.set('parse', methods.parse);
    }
  }
}
