/**
 * What every provider's instrumentation shares: config and semconv mode (its own, or one
 * instrumented client's: see `CallSettings`), the response observers (see response-observer.ts:
 * which kind of result an SDK method returns is its instrumentation's business, never the model-call
 * wrapper's), the bookkeeping of patched
 * prototypes (an app that loads an SDK through both `require` and `import` has two copies of each
 * class, and both stay patched across `disable()`/`enable()`; of two enabled instances one traces, and
 * the other takes over when it is disabled), our wrappers' place above other instrumentations' (see
 * `install`), and the model-call wrapper itself.
 */
import { context, diag } from '@opentelemetry/api';
import type { Attributes, Link } from '@opentelemetry/api';
import { sep } from 'node:path';
import { InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile, isWrapped } from '@opentelemetry/instrumentation';
import { insideAISDKModelCall } from './ai-sdk/marker';
import type { Unwrap, Wrap } from './api-promise';
import { PromiseResponseObserver, StainlessResponseObserver, UNOBSERVED } from './response-observer';
import type { ResponseMapping, ResponseObserver } from './response-observer';
import type { GenAIInstrumentationConfig } from './config';
import { ModelCall } from './inference-call';
import type { InferenceCall } from './inference-call';
import type { ContentMapping } from './content';
import { inferToolSpans, toolCallLedger, withToolContent } from './tools';
import type { ToolResult } from './tools';
import {
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  putAttribute,
} from './semconv';
import { serverOf } from './server-address';
import { CallSettings, TelemetryInstrumentation } from './telemetry-instrumentation';
import { asRecord, nonEmptyString } from './values';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type MethodWrapper = (original: AnyFunction) => AnyFunction;
/** Patches one copy of an SDK module (or of one of its files) as it loads, and returns what the app gets. */
type ModulePatch = (loaded: unknown, version?: string) => unknown;

/**
 * Set on every wrapper we install. Shimmer's own mark (`__wrapped`, what `isWrapped` reads) is on
 * every instrumentation's wrappers, and another one's wrapper is no reason to leave a method to it.
 * A registry symbol: another copy of this package in the process leaves our wrappers alone too.
 */
const OURS = Symbol.for('otel-genai.wrapper');

export function isOurs(method: unknown): boolean {
  return typeof method === 'function' && (method as unknown as Record<symbol, unknown>)[OURS] === true;
}

/** Each wrapper this copy of the package installed, with its patch. */
const patchOfWrapper = new WeakMap<object, Patch>();

/**
 * One of our wrappers that traces the calls through it. A disabled instance's wrapper left under
 * another instrumentation's (see `unpatchAll`) lets them through untraced: it does not count.
 * Another copy of this package's wrapper counts.
 */
function isTracingOurs(method: unknown): boolean {
  return isOurs(method) && patchOfWrapper.get(method as object)?.active !== false;
}

/**
 * What `method` runs beneath the shimmer wrappers other instrumentations stacked on it (the contrib
 * `@opentelemetry/instrumentation-openai`'s, for one): one of our wrappers that traces, or the SDK's
 * own method.
 */
export function beneathOthers(method: unknown): unknown {
  let current = method;
  while (isWrapped(current) && !isTracingOurs(current)) current = current.__original;
  return current;
}

let warnedDisplaced = false;

/** Once per process: whose wrapper we took off, and how to leave that instrumentation out. */
export function warnDisplaced(where: string): void {
  if (warnedDisplaced) return;
  warnedDisplaced = true;
  diag.warn(
    `otel-genai: ${where} was also wrapped by another instrumentation, most likely @opentelemetry/instrumentation-openai ` +
      '(getNodeAutoInstrumentations() includes it); otel-genai traces these calls in its place, once each. To leave it out: ' +
      "getNodeAutoInstrumentations({ '@opentelemetry/instrumentation-openai': { enabled: false } }), or do not register " +
      "that package's OpenAIInstrumentation",
  );
}

/** Sets a method as shimmer does, so that shimmer's unwrap finds what it expects. */
function setMethod(target: object, name: string, value: unknown): void {
  const enumerable = Object.prototype.propertyIsEnumerable.call(target, name);
  Object.defineProperty(target, name, { configurable: true, enumerable, writable: true, value });
}

/** Our wrapper of one method of one copy of an SDK class. */
interface Patch {
  label: string;
  wrapper: MethodWrapper;
  /** The SDK's own method, beneath every instrumentation's wrapper. */
  raw: AnyFunction;
  /**
   * What we install, made once: putting the same function back after disable() keeps ours every
   * reference to it, such as the one another instrumentation's wrapper stacked over ours holds.
   */
  method: AnyFunction;
  /** Meant to be in place: between patching and the next unpatch. */
  active: boolean;
  /** The other instrumentations' wrappers we took off, put back when ours comes off. */
  displaced: unknown;
}

/** One kind of model call (chat, embeddings, …) of one provider. */
export interface ModelCallSpec<Body, Chunk> {
  operation: string;
  /** Request parameters as span attributes, set right after the span starts (samplers see only the sampling-relevant set). */
  requestAttributes(params: Record<string, unknown>, target: Attributes): void;
  mapping: ResponseMapping<Body, Chunk>;
  /** How the request and response read as content, when capture is on. */
  content?: ContentMapping<Body, Chunk>;
  /** The tool results a request carries after its last assistant turn (see tools.ts). */
  toolResults?(params: Record<string, unknown>): ToolResult[];
}

/** What the SDKs' resource classes hold: the client they belong to. */
export interface SDKResource {
  _client?: SDKClient;
}

export interface SDKClient {
  baseURL?: unknown;
}

/** What a client's spans say of it: `gen_ai.provider.name`, `server.address`, `server.port`. */
export interface ClientDescription {
  provider: string;
  address: string | undefined;
  port: number | undefined;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any instance, whatever its config
type AnyInstrumentation = GenAIInstrumentation<any>;

/** The enabled instances: when one is disabled, another of its class takes over what it traced. */
const enabledInstances = new Set<AnyInstrumentation>();

/**
 * For each class, every copy of the SDK that an enabled instance of it patched (module exports, or
 * a file's), with how an instance of that class patches it: what an instance taking over patches.
 */
const sdkCopies = new Map<unknown, Map<object, (instance: AnyInstrumentation) => void>>();

export abstract class GenAIInstrumentation<Config extends GenAIInstrumentationConfig> extends TelemetryInstrumentation<Config> {
  // Set from setConfig(), the provider setters and enable(), which the base constructor calls before
  // field initialisers would run.
  declare private settings: CallSettings<Config>;
  /** The settings of the instrumented client whose method is running (see `callWith`), over `settings`. */
  declare private scoped: CallSettings<Config> | undefined;
  declare private checkedLoadedBefore: boolean | undefined;
  private readonly wrapMethod: Wrap = (target, name, wrapper) => {
    const wrapped: unknown = this._wrap(target as Record<string, unknown>, name, wrapper as never);
    if (typeof wrapped === 'function') (wrapped as unknown as Record<symbol, unknown>)[OURS] = true;
  };
  private readonly unwrapMethod: Unwrap = (target, name) => {
    this._unwrap(target as Record<string, unknown>, name);
  };
  /** What observes the results of this SDK's methods (see `responseObserver`). */
  private readonly observer: ResponseObserver = this.responseObserver(this.wrapMethod, this.unwrapMethod);
  private readonly patched = new Map<object, Map<string, Patch>>();
  private readonly clients = new WeakMap<object, ClientDescription>();
  private warnedUnobservable = false;
  private reclaimScheduled = false;

  override setConfig(config: Config = {} as Config): void {
    super.setConfig(config);
    this.settings = new CallSettings(config);
  }

  /** The settings the calls made now are under: this instrumentation's, or the instrumented client's whose method runs. */
  protected get current(): CallSettings<Config> {
    return this.scoped ?? this.settings;
  }

  /**
   * Runs an SDK tool runner's method (`toolRunner()`, `runTools()`) in a context that gives the
   * run's tool calls the content settings in force now (see tools.ts): the run's context, in which
   * the runner makes its tool calls, derives from it.
   */
  protected runWithToolContent(method: AnyFunction, thisArg: unknown, args: unknown[]): unknown {
    let inner;
    try {
      inner = withToolContent(context.active(), this.current.toolContent);
    } catch (problem) {
      this._diag.error('could not give a tool runner its content settings', problem);
      return Reflect.apply(method, thisArg, args);
    }
    return context.with(inner, method, thisArg, ...args);
  }

  /**
   * Runs `method` with `settings` in force for everything it does synchronously: what
   * `instrumentClient()` runs a client's method with, so that its calls follow its own options.
   * (Every read of the settings happens as a call starts; a call keeps what it read.)
   */
  callWith(settings: CallSettings<Config>, method: AnyFunction, thisArg: unknown, args: unknown[]): unknown {
    const previous = this.scoped;
    this.scoped = settings;
    try {
      return Reflect.apply(method, thisArg, args);
    } finally {
      this.scoped = previous;
    }
  }

  /**
   * The hook of an SDK module, any version (one outside the tested ones is instrumented with a
   * warning: see `checkVersion`), and of `files` of it: every patch comes off when a copy unloads.
   */
  protected hookModule(module: string, patch: ModulePatch, files?: InstrumentationNodeModuleFile[]): InstrumentationNodeModuleDefinition {
    return new InstrumentationNodeModuleDefinition(module, ['*'], patch, () => this.unpatchAll(), files);
  }

  /** The hook of one file of an SDK module (`name`: the module's name and the file's path in it), as `hookModule`'s. */
  protected hookFile(name: string, patch: ModulePatch): InstrumentationNodeModuleFile {
    return new InstrumentationNodeModuleFile(name, ['*'], patch, () => this.unpatchAll());
  }

  /**
   * Wraps `target[name]`, remembering it so that every copy of the SDK is re-patched on enable().
   * A method another enabled instance already wrapped is left to it: one span per call, however many
   * instances are registered (and when that one is disabled, this one takes over: see `disable`).
   * Another instrumentation's wrappers come off: see `install`.
   */
  protected patchMethod(target: unknown, name: string, wrapper: MethodWrapper, label: string): boolean {
    const method = (target as Record<string, unknown> | undefined)?.[name];
    if (typeof method !== 'function') {
      this._diag.warn(`${label}.${name} not found: this SDK version is not instrumented there`);
      return false;
    }
    this.install(target as object, name, wrapper, label);
    return true;
  }

  /** Re-applies every patch of ours that is not in place (the base class only re-patches the last copy it saw). */
  protected repatchAll(): void {
    for (const [target, methods] of this.patched) {
      for (const [name, patch] of methods) this.install(target, name, patch.wrapper, patch.label);
    }
  }

  /** Idempotent (the base class calls it once per hooked file of a module), and removes only our own wrappers. */
  protected unpatchAll(): void {
    for (const [target, methods] of this.patched) {
      for (const [name, patch] of methods) {
        if (!patch.active) continue;
        patch.active = false;
        // Ours under another instrumentation's wrapper stays there, and lets the calls through untraced.
        if ((target as Record<string, unknown>)[name] === patch.method) this.unwrapMethod(target, name);
      }
    }
    this.observer.restore();
  }

  /**
   * The observer of what this SDK's methods return: by default the Stainless SDKs' `APIPromise` /
   * `Stream` one. A result it does not recognise goes to the plain-promise observer (see
   * `runModelCall`). `wrap` / `unwrap` patch through this instrumentation (shimmer's marks).
   */
  protected responseObserver(wrap: Wrap, unwrap: Unwrap): ResponseObserver {
    return new StainlessResponseObserver(wrap, unwrap);
  }

  /**
   * Puts our wrapper on `target[name]`, over the SDK's own method: the wrappers another
   * instrumentation had put there (contrib's instrumentation-openai, which registered first) come
   * off, to be put back when ours comes off. Failures go to `diag`, and the SDK runs untraced by us.
   */
  private install(target: object, name: string, wrapper: MethodWrapper, label: string): void {
    try {
      const current = (target as Record<string, unknown>)[name];
      const beneath = beneathOthers(current);
      let patch = this.patched.get(target)?.get(name);
      // Another instance's wrapper, on top or under one it will take off.
      if (isOurs(beneath) && beneath !== patch?.method) return;
      if (patch === undefined || (beneath !== patch.method && beneath !== patch.raw)) {
        if (typeof beneath !== 'function') return;
        patch = this.newPatch(target, name, wrapper, label, beneath as AnyFunction);
      }
      if (current !== patch.method) this.putOnTop(target, name, patch, current);
      patch.active = true;
    } catch (problem) {
      this._diag.error(`could not instrument ${label}.${name}`, problem);
    }
  }

  private newPatch(target: object, name: string, wrapper: MethodWrapper, label: string, raw: AnyFunction): Patch {
    const traced = wrapper(raw);
    const methods = target as Record<string, unknown>;
    const instrumentation = this;
    // One property read per call, passing `this` and `arguments` on as they came: no allocation.
    /* eslint-disable prefer-rest-params */
    const method = function (this: unknown) {
      if (methods[name] !== method && !instrumentation.reclaim(target, name, patch)) return Reflect.apply(raw, this, arguments);
      return Reflect.apply(traced, this, arguments);
    };
    /* eslint-enable prefer-rest-params */
    const patch: Patch = { label, wrapper, raw, method, active: false, displaced: undefined };
    patchOfWrapper.set(method, patch);
    let patches = this.patched.get(target);
    if (patches === undefined) this.patched.set(target, (patches = new Map()));
    patches.set(name, patch);
    return patch;
  }

  /**
   * Another instrumentation that patches after us (it registered later, or its hook runs after ours
   * on the same load) wraps over ours: InstrumentationBase's `_wrap` first unwraps what is there,
   * and shimmer's unwrap takes off whatever wrapper is on top, so while ours is meant to be on, its
   * `__unwrap` leaves it in place and has a look taken on the next microtask. Ours goes back on top
   * on that microtask, or on the one after ours was installed, and at the latest during the next
   * call through it (which is how a wrapper stacked by plain shimmer, unwrapping nothing, is found).
   * Each `__unwrap` of the other's also puts back those it wrapped before, at once. The window left:
   * a call to the last method the other wraps (contrib's: `Responses.create`, else
   * `Embeddings.create`), made in the same synchronous run as the other patch (right after
   * the SDK's first require with both hooks registered, or right after the other's `enable()`), goes
   * through both wrappers, and is traced by both.
   */
  private putOnTop(target: object, name: string, patch: Patch, current: unknown): void {
    patch.displaced = current === patch.raw ? undefined : current;
    if (patch.displaced !== undefined) warnDisplaced(`${patch.label}.${name}`);
    setMethod(target, name, patch.raw);
    this.wrapMethod(target, name, () => patch.method);
    setMethod(patch.method, '__unwrap', () => {
      if (patch.active) {
        // The other instrumentation wraps its methods one after another, in one synchronous run: those
        // it wrapped before this one come back under ours now, before the app can call them.
        this.reclaimAll();
        this.scheduleReclaim();
      } else if ((target as Record<string, unknown>)[name] === patch.method) setMethod(target, name, patch.displaced ?? patch.raw);
    });
    this.scheduleReclaim();
  }

  /** Whether ours traces a call that reached our wrapper while it was not on top, putting it back there if it is meant to be. */
  private reclaim(target: object, name: string, patch: Patch): boolean {
    if (!patch.active) return false;
    try {
      const current = (target as Record<string, unknown>)[name];
      if (current !== patch.method && beneathOthers(current) === patch.method) this.putOnTop(target, name, patch, current);
    } catch (problem) {
      this._diag.error(`could not put the wrapper of ${patch.label}.${name} back on top`, problem);
    }
    return true;
  }

  private scheduleReclaim(): void {
    if (this.reclaimScheduled) return;
    this.reclaimScheduled = true;
    queueMicrotask(() => {
      this.reclaimScheduled = false;
      this.reclaimAll();
    });
  }

  private reclaimAll(): void {
    for (const [target, methods] of this.patched) {
      for (const [name, patch] of methods) this.reclaim(target, name, patch);
    }
  }

  /**
   * The base class re-applies and removes patches only on the copies its module hooks saw load. Ours
   * also reach the copies patched in place (ES modules imported by the zero-code register on Node
   * 20, see src/register/esm-prepatch.ts): every patch is recorded in `patched`.
   */
  override enable(): void {
    super.enable();
    enabledInstances.add(this);
    // undefined while the base constructor enables, before the fields exist: nothing patched yet.
    if (this.patched !== undefined) this.repatchAll();
    this.warnIfLoadedBefore();
  }

  /**
   * Takes this instance's patches off. Another enabled instance of the same class, which had left
   * the methods to this one, takes them over: it patches every copy of the SDK that this class's
   * instances patched, and traces from then on.
   */
  override disable(): void {
    const wasEnabled = this.isEnabled();
    super.disable();
    enabledInstances.delete(this);
    this.unpatchAll();
    if (!wasEnabled) return;
    for (const other of enabledInstances) {
      if (other.constructor === this.constructor) other.takeOver();
    }
  }

  /**
   * For the subclasses' module patches: `exports` (a copy of the SDK, or one of its files) is
   * patched by `patch`, which an instance of this class taking over from another applies to itself.
   * Only copies patched while enabled (through the module hooks, or in place by the register) count:
   * not instrumentClient()'s stand-ins.
   */
  protected rememberCopy(exports: unknown, patch: (instance: this) => void): void {
    if (!this.isEnabled() || (typeof exports !== 'object' && typeof exports !== 'function') || exports === null) return;
    let copies = sdkCopies.get(this.constructor);
    if (copies === undefined) sdkCopies.set(this.constructor, (copies = new Map()));
    if (!copies.has(exports)) copies.set(exports, patch as (instance: AnyInstrumentation) => void);
  }

  private takeOver(): void {
    for (const patch of sdkCopies.get(this.constructor)?.values() ?? []) {
      try {
        patch(this);
      } catch (problem) {
        this._diag.error('could not take over the patches of a disabled instance', problem);
      }
    }
    this.repatchAll();
  }

  /**
   * A CommonJS copy of an SDK that was loaded before this instrumentation existed is not patched:
   * say so, with what to do. Checked once, when the instance first enables (and its module hooks
   * start to see the SDKs load): a later enable() finds the SDKs loaded, by then under its hooks.
   * (The base class's own check reads a global `require` that Node does not have.)
   */
  private warnIfLoadedBefore(): void {
    if (this.checkedLoadedBefore) return;
    this.checkedLoadedBefore = true;
    try {
      for (const definition of this.getModuleDefinitions()) {
        const marker = `${sep}node_modules${sep}${definition.name.split('/').join(sep)}${sep}`;
        const loaded = Object.keys(require.cache).some((file) => file.includes(marker));
        if (loaded && definition.moduleExports === undefined) {
          this._diag.warn(
            `${definition.name} was loaded before otel-genai, so that copy is not instrumented: start the app with ` +
              '`node --import otel-genai/register`, or create the instrumentation before the SDK is required',
          );
        }
      }
    } catch (problem) {
      this._diag.debug('could not check for SDKs loaded before the instrumentation', problem);
    }
  }

  /** Warns when an SDK version is outside the range we test, and instruments it all the same. */
  protected checkVersion(module: string, version: string | undefined, testedMajors: readonly number[]): void {
    const major = Number(version?.split('.')[0]);
    if (!testedMajors.includes(major)) {
      this._diag.warn(`${module}@${version ?? 'unknown'} is outside the tested versions; instrumenting what is recognisable`);
    }
  }

  /** The provider name (`gen_ai.provider.name`) of a client of this SDK. */
  protected abstract providerOf(client: SDKClient): string;

  /**
   * Traces one call of an SDK method: starts the span, runs the method with the span active (so
   * HTTP client spans nest under it) and observes what it returns, which the application receives
   * unchanged. If the span cannot be started, the method runs untraced.
   */
  protected traceModelCall<Body, Chunk>(
    spec: ModelCallSpec<Body, Chunk>,
    original: AnyFunction,
    resource: SDKResource,
    args: unknown[],
    /** The client behind the resource, when it is not its `_client` (the Stainless SDKs'). */
    sdkClient?: SDKClient,
  ): unknown {
    // A model call the AI SDK instrumentation already traces (a provider package built on this SDK): one span, its own.
    if (insideAISDKModelCall(context.active())) return original.apply(resource, args);
    let call: InferenceCall;
    try {
      const params = asRecord(args[0]) ?? {};
      let links: Link[] | undefined;
      if (toolCallLedger.size > 0 && spec.toolResults !== undefined) {
        links = inferToolSpans(this.currentTracer(), spec.toolResults(params), context.active());
      }
      const model = nonEmptyString(params.model);
      const client = this.describe(sdkClient === undefined ? resource?._client : sdkClient);
      const settings = this.current;
      const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: spec.operation };
      putAttribute(attributes, ATTR_GEN_AI_PROVIDER_NAME, client.provider, settings.semconvMode);
      if (client.address !== undefined) attributes[ATTR_SERVER_ADDRESS] = client.address;
      if (client.port !== undefined) attributes[ATTR_SERVER_PORT] = client.port;
      if (model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = model;
      const request: Attributes = {};
      spec.requestAttributes(params, request);
      const name = model === undefined ? spec.operation : `${spec.operation} ${model}`;
      const content = spec.content as ContentMapping<unknown, unknown> | undefined;
      call = new ModelCall(
        settings.toolContent,
        this.telemetryOf(settings),
        name,
        attributes,
        request,
        content,
        params,
        links?.length ? links : undefined,
      );
    } catch (problem) {
      this._diag.error(`could not start a ${spec.operation} span`, problem);
      return original.apply(resource, args);
    }
    return this.runModelCall(call, original, resource, args, spec.mapping);
  }

  private describe(client: SDKClient | undefined): ClientDescription {
    if (typeof client !== 'object' || client === null) return { provider: this.providerOf({}), address: undefined, port: undefined };
    let described = this.clients.get(client);
    if (described === undefined) {
      described = this.describeClient(client);
      this.clients.set(client, described);
    }
    return described;
  }

  /** What a client's spans say of it (once per client): by default its provider and its `baseURL`'s host and port. */
  protected describeClient(client: SDKClient): ClientDescription {
    return { provider: this.providerOf(client), ...serverOf(client.baseURL) };
  }

  private runModelCall<Body, Chunk>(
    call: InferenceCall,
    original: AnyFunction,
    thisArg: unknown,
    args: unknown[],
    mapping: ResponseMapping<Body, Chunk>,
  ): unknown {
    let result: unknown;
    try {
      result = context.with(call.context, original, thisArg, ...args);
    } catch (error) {
      call.fail(error);
      throw error;
    }
    let handed: unknown = UNOBSERVED;
    try {
      handed = this.observer.observe(result, call, mapping as ResponseMapping<unknown, unknown>);
      // The common case: what the SDK's own observer recognised, handed back at the cost of one comparison.
      if (handed !== UNOBSERVED) return handed;
      // Another kind than the SDK's own (a plain promise, an async iterable): any SDK's shapes.
      if (this.observer !== plainObserver) handed = plainObserver.observe(result, call, mapping as ResponseMapping<unknown, unknown>);
    } catch (problem) {
      this._diag.error('could not observe a model call', problem);
    }
    if (handed !== UNOBSERVED) return handed;
    if (!this.warnedUnobservable) {
      this.warnedUnobservable = true;
      this._diag.warn(
        'an SDK method returned neither a promise nor a stream this version recognises; its spans end without response details',
      );
    }
    call.end();
    return result;
  }
}

/** Observes native promises and async iterables, for any instrumentation (it patches nothing). */
export const plainObserver = new PromiseResponseObserver();
