/**
 * What every provider's instrumentation shares: config and semconv mode, the `APIPromise`
 * observer, the bookkeeping of patched prototypes (an app that loads an SDK through both `require`
 * and `import` has two copies of each class, and both stay patched across `disable()`/`enable()`),
 * and the model-call wrapper itself.
 */
import { context } from '@opentelemetry/api';
import type { Attributes } from '@opentelemetry/api';
import { InstrumentationBase, isWrapped } from '@opentelemetry/instrumentation';
import { APIPromiseObserver } from './api-promise';
import type { ResponseMapping, Unwrap, Wrap } from './api-promise';
import type { GenAIInstrumentationConfig } from './config';
import { InferenceCall } from './inference-call';
import { semconvModeFromEnv } from './semconv';
import type { SemconvMode } from './semconv';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

type AnyFunction = (this: unknown, ...args: unknown[]) => unknown;
type MethodWrapper = (original: AnyFunction) => AnyFunction;

export abstract class GenAIInstrumentation<Config extends GenAIInstrumentationConfig> extends InstrumentationBase<Config> {
  // Set from setConfig(), which the base constructor calls before field initialisers would run.
  declare protected semconvMode: SemconvMode;
  private readonly wrapMethod: Wrap = (target, name, wrapper) => {
    this._wrap(target as Record<string, unknown>, name, wrapper as never);
  };
  private readonly unwrapMethod: Unwrap = (target, name) => {
    this._unwrap(target as Record<string, unknown>, name);
  };
  private readonly promises = new APIPromiseObserver(this.wrapMethod, this.unwrapMethod);
  private readonly patched = new Map<object, Map<string, MethodWrapper>>();
  private warnedUnobservable = false;

  constructor(config: Config) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  override setConfig(config: Config = {} as Config): void {
    super.setConfig(config);
    this.semconvMode = config.semconv ?? semconvModeFromEnv();
  }

  /** Wraps `target[name]`, remembering it so that every copy of the SDK is re-patched on enable(). */
  protected patchMethod(target: unknown, name: string, wrapper: MethodWrapper, label: string): boolean {
    const method = (target as Record<string, unknown> | undefined)?.[name];
    if (typeof method !== 'function') {
      this._diag.warn(`${label}.${name} not found: this SDK version is not instrumented there`);
      return false;
    }
    const object = target as object;
    let methods = this.patched.get(object);
    if (methods === undefined) this.patched.set(object, (methods = new Map()));
    methods.set(name, wrapper);
    if (!isWrapped(method)) this.wrapMethod(object, name, wrapper);
    return true;
  }

  /** Re-applies every recorded patch (the base class only re-patches the last copy it saw). */
  protected repatchAll(): void {
    for (const [target, methods] of this.patched) {
      for (const [name, wrapper] of methods) {
        if (!isWrapped((target as Record<string, unknown>)[name])) this.wrapMethod(target, name, wrapper);
      }
    }
  }

  /** Idempotent: the base class calls it once per hooked file of a module. */
  protected unpatchAll(): void {
    for (const [target, methods] of this.patched) {
      for (const name of methods.keys()) {
        if (isWrapped((target as Record<string, unknown>)[name])) this.unwrapMethod(target, name);
      }
    }
    this.promises.restore();
  }

  /** Warns when an SDK version is outside the range we test, and instruments it all the same. */
  protected checkVersion(module: string, version: string | undefined, testedMajors: readonly number[]): void {
    const major = Number(version?.split('.')[0]);
    if (!testedMajors.includes(major)) {
      this._diag.warn(`${module}@${version ?? 'unknown'} is outside the tested versions; instrumenting what is recognisable`);
    }
  }

  protected startCall(name: string, attributes: Attributes): InferenceCall {
    return new InferenceCall(this.tracer, name, attributes, this.semconvMode);
  }

  /**
   * Runs the SDK method with the call's span active (so HTTP client spans nest under it) and
   * observes what it returns, which the application receives unchanged.
   */
  protected runModelCall<Body, Chunk>(
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
    let observed = false;
    try {
      observed = this.promises.observe(result, call, mapping);
    } catch (problem) {
      this._diag.error('could not observe a model call', problem);
    }
    if (!observed) {
      if (!this.warnedUnobservable) {
        this.warnedUnobservable = true;
        this._diag.warn('an SDK method returned something other than an APIPromise; its spans end without response details');
      }
      call.succeed();
    }
    return result;
  }
}
