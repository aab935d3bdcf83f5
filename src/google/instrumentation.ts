/**
 * `@google/genai` (1.x to 3.x; Gemini API and Vertex AI): one CLIENT span per request.
 *
 * The SDK's public methods (`models.generateContent`, `generateContentStream`, `embedContent`) are
 * arrow functions each `Models` instance gets in its constructor: patching the prototype's would do
 * nothing. Every request goes through a prototype method, though: `Models.prototype.
 * generateContentInternal`, `generateContentStreamInternal` and `embedContentInternal`, one POST
 * each (the SDK's own retries, `httpOptions.retryOptions`, inside). Those are patched, so chats
 * (`chats.create().sendMessage` / `sendMessageStream`, which call the instance methods), automatic
 * function calling turns and each hop of the SDK's automatic continuation are one span each. They
 * return native promises, observed by the plain-promise observer (response-observer.ts); a stream
 * is the SDK's async generator, observed in place.
 *
 * Automatic function calling runs (callable tools, see afc.ts) need the public methods: a setter on
 * `Models.prototype` catches the constructor's assignment of `generateContent` and
 * `generateContentStream` and stores, as the instance's own property, a wrapper that runs an AFC
 * call as an agent run and passes every other call straight through.
 */
import { trace } from '@opentelemetry/api';
import type { GoogleGenAIInstrumentationConfig } from '../config';
import { GenAIInstrumentation, plainObserver } from '../genai-instrumentation';
import type { ClientDescription, ModelCallSpec, SDKClient, SDKResource } from '../genai-instrumentation';
import type { ResponseObserver } from '../response-observer';
import { ATTR_GEN_AI_REQUEST_SEED } from '../semconv';
import { serverOf } from '../server-address';
import { asRecord, finiteNumber } from '../values';
import { runFunctionCalling, runsFunctions } from './afc';
import { embedContent, generateContent, generateContentStream } from './models';

export const MODULE = '@google/genai';
const TESTED_MAJORS = [1, 2, 3];
const OURS = Symbol.for('otel-genai.wrapper');

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** The SDK's `ApiClient`, which a `Models` instance holds. */
interface ApiClient extends SDKClient {
  isVertexAI?: () => unknown;
  getBaseUrl?: () => unknown;
}

interface ModelsInstance extends SDKResource {
  apiClient?: ApiClient;
}

/** The public methods whose AFC calls are agent runs, and whether each streams. */
const RUN_METHODS = { generateContent: false, generateContentStream: true } as const;
type RunMethod = keyof typeof RUN_METHODS;

/** The enabled instances (module hooks), first one traces the runs of instances made before/after. */
const enabled = new Set<GoogleGenAIInstrumentation>();
/** Every `Models.prototype` an instance patched: the run setters are there while one is enabled. */
const prototypes = new Set<object>();

export class GoogleGenAIInstrumentation extends GenAIInstrumentation<GoogleGenAIInstrumentationConfig> {
  protected init() {
    return [this.hookModule(MODULE, (loaded, version) => this.patchExports(loaded, version))];
  }

  /** Native promises and the SDK's async generators: no `APIPromise` here. */
  protected override responseObserver(): ResponseObserver {
    return plainObserver;
  }

  override enable(): void {
    super.enable();
    enabled.add(this);
    for (const prototype of prototypes) installRunSetters(prototype);
  }

  override disable(): void {
    super.disable();
    enabled.delete(this);
    if (enabled.size === 0) for (const prototype of prototypes) removeRunSetters(prototype);
  }

  private patchExports<T>(loaded: T, version: string | undefined): T {
    this.rememberCopy(loaded, (instance) => instance.patchExports(loaded, version));
    this.checkVersion(MODULE, version, TESTED_MAJORS);
    const moduleExports = loaded as Record<string, unknown> | undefined;
    const Models = (moduleExports?.Models ?? asRecord(moduleExports?.default)?.Models) as
      { prototype?: Record<string, unknown> } | undefined;
    const prototype = Models?.prototype;
    const label = `${MODULE}@${version ?? 'unknown'} Models`;
    this.patchMethod(prototype, 'generateContentInternal', (original) => this.wrapRequest(original, generateContent), label);
    this.patchMethod(prototype, 'generateContentStreamInternal', (original) => this.wrapRequest(original, generateContentStream), label);
    this.patchMethod(prototype, 'embedContentInternal', (original) => this.wrapRequest(original, embedContent), label);
    if (prototype !== undefined) {
      for (const name of Object.keys(RUN_METHODS) as RunMethod[]) {
        // instrumentClient()'s stand-ins have the public methods on their prototype; the SDK's classes never do.
        if (typeof Object.getOwnPropertyDescriptor(prototype, name)?.value === 'function') {
          this.patchMethod(prototype, name, (original) => this.wrapRun(original, RUN_METHODS[name]), label);
        } else if (this.isEnabled()) {
          prototypes.add(prototype);
          installRunSetters(prototype);
        }
      }
    }
    this.repatchAll();
    return loaded;
  }

  private wrapRequest(original: Method, spec: ModelCallSpec<unknown, unknown>): Method {
    const instrumentation = this;
    return function request(this: unknown, ...args: unknown[]) {
      const models = this as ModelsInstance;
      // The seed goes on the span from inside the call, where it is the active span, not with the
      // request attributes: those get their legacy aliases, and `gen_ai.openai.request.seed` is
      // OpenAI's. Only on a span of ours: a call left untraced runs where it was called.
      const outside = trace.getActiveSpan();
      const withSeed = function (this: unknown, ...inner: unknown[]) {
        const seed = finiteNumber(asRecord(asRecord(inner[0])?.config)?.seed);
        const active = seed === undefined ? undefined : trace.getActiveSpan();
        if (active !== undefined && active !== outside) active.setAttribute(ATTR_GEN_AI_REQUEST_SEED, seed as number);
        return original.apply(this, inner);
      };
      return instrumentation.traceModelCall(spec, withSeed, models, args, models?.apiClient);
    };
  }

  /** A public method: an AFC call is an agent run, any other call goes straight through. */
  wrapRun(original: Method, stream: boolean): Method {
    const instrumentation = this;
    return function (this: unknown, ...args: unknown[]) {
      if (!runsFunctions(asRecord(args[0]))) return original.apply(this, args);
      return runFunctionCalling(original, this, args, instrumentation.current.toolContent, stream);
    };
  }

  protected override describeClient(client: ApiClient): ClientDescription {
    let baseURL: unknown;
    try {
      baseURL = typeof client.getBaseUrl === 'function' ? client.getBaseUrl() : undefined;
    } catch {
      baseURL = undefined;
    }
    return { provider: this.providerOf(client), ...serverOf(baseURL) };
  }

  protected providerOf(client: ApiClient): string {
    try {
      if (typeof client.isVertexAI !== 'function') return 'gcp.gen_ai';
      return client.isVertexAI() ? 'gcp.vertex_ai' : 'gcp.gemini';
    } catch {
      return 'gcp.gen_ai';
    }
  }
}

/** The instance that traces the runs of the SDK's own `Models` instances: the first enabled one. */
function tracingInstance(): GoogleGenAIInstrumentation | undefined {
  for (const instance of enabled) return instance;
  return undefined;
}

/**
 * The instance method a `Models` constructor assigns, wrapped: an AFC call traced by the enabled
 * instance, or the method as it was when none is.
 */
function runMethod(original: Method, stream: boolean): Method {
  const traced = new WeakMap<GoogleGenAIInstrumentation, Method>();
  const method = function (this: unknown, ...args: unknown[]) {
    const instance = tracingInstance();
    if (instance === undefined) return original.apply(this, args);
    let wrapped = traced.get(instance);
    if (wrapped === undefined) traced.set(instance, (wrapped = instance.wrapRun(original, stream)));
    return wrapped.apply(this, args);
  };
  (method as unknown as Record<symbol, unknown>)[OURS] = true;
  return method;
}

const SETTER = Symbol('otel-genai: run setter');

/** Accessors on `Models.prototype` that store the constructor's arrow functions, wrapped, as the instance's own properties. */
function installRunSetters(prototype: object): void {
  for (const name of Object.keys(RUN_METHODS) as RunMethod[]) {
    const existing = Object.getOwnPropertyDescriptor(prototype, name);
    if (existing !== undefined) continue;
    const set = function (this: object, value: unknown) {
      Object.defineProperty(this, name, {
        value: typeof value === 'function' ? runMethod(value as Method, RUN_METHODS[name]) : value,
        writable: true,
        enumerable: true,
        configurable: true,
      });
    };
    (set as unknown as Record<symbol, unknown>)[SETTER] = true;
    Object.defineProperty(prototype, name, { configurable: true, enumerable: false, get: () => undefined, set });
  }
}

function removeRunSetters(prototype: object): void {
  for (const name of Object.keys(RUN_METHODS)) {
    const existing = Object.getOwnPropertyDescriptor(prototype, name);
    if ((existing?.set as unknown as Record<symbol, unknown> | undefined)?.[SETTER] === true)
      delete (prototype as Record<string, unknown>)[name];
  }
}
