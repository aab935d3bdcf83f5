/**
 * Hostile values for the property tests of the public helpers (test/fuzz/tool-helpers.test.ts,
 * test/fuzz/throwing-providers.test.ts): fast-check arbitraries of plain-data *specs* (so that a
 * counterexample prints as data), and `make*` functions that build the hostile value a spec
 * describes at run time: circular objects, BigInts, throwing `toJSON` and getters, proxies that
 * throw on every trap, revoked proxies, frozen objects, huge strings, deep nesting, odd errors.
 *
 * `FUZZ_SEED=<n>` replays one seed and `FUZZ_RUNS=<factor>` scales every property's run count, as
 * in test/fuzz/properties.test.ts.
 */
import { diag, DiagLogLevel } from '@opentelemetry/api';
import fc from 'fast-check';

// ---------------------------------------------------------------------------------------------
// Run settings

export const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
export const FACTOR = Number(process.env.FUZZ_RUNS ?? 1) || 1;

/** `n` runs (scaled), stopped (as a failure) past `limitMs` so that a file stays within its minute. */
export function runs(n: number, limitMs = 20_000) {
  return {
    numRuns: Math.max(1, Math.round(n * FACTOR)),
    interruptAfterTimeLimit: limitMs * Math.max(1, FACTOR),
    markInterruptAsFailure: true,
    ...(SEED === undefined ? {} : { seed: SEED }),
  };
}

// ---------------------------------------------------------------------------------------------
// Reporting without touching hostile values

export function fail(message: string): never {
  throw new Error(message);
}

/** A short description of any value; never throws, never runs a trap of a proxy it can avoid. */
export function show(value: unknown): string {
  try {
    if (typeof value === 'string') return JSON.stringify(value.length > 120 ? `${value.slice(0, 120)}…(${value.length})` : value);
    if (typeof value === 'bigint') return `${value}n`;
    if (typeof value === 'symbol' || typeof value === 'function') return typeof value;
    if (value === null || typeof value !== 'object') return String(value);
    return (JSON.stringify(value) ?? 'object').slice(0, 200);
  } catch {
    return '[object that cannot be shown]';
  }
}

/**
 * Sends `diag` warnings and errors into the returned list, one line each, as helpers/tracing.ts's
 * `captureDiag` does, but formatting each argument safely: a hostile error our guards report (a
 * throwing `message` getter, a proxy) must not make the logger itself throw. (A logger that throws
 * is a fault of its own, tested apart.)
 */
export function captureDiagSafely(): string[] {
  const lines: string[] = [];
  const line = (level: string, args: unknown[]) => {
    const parts = args.map((arg) => {
      try {
        return arg instanceof Error ? `${String(arg.name)}: ${String(arg.message)}` : String(arg);
      } catch {
        return '[unprintable]';
      }
    });
    lines.push(`${level} ${parts.join(' ')}`);
  };
  diag.setLogger(
    {
      error: (...args) => line('error', args),
      warn: (...args) => line('warn', args),
      info: () => {},
      debug: () => {},
      verbose: () => {},
    },
    DiagLogLevel.WARN,
  );
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Attribute values

/**
 * A valid OpenTelemetry attribute value, as test/fuzz/properties.test.ts reads it: a string, a finite number,
 * a boolean, or a homogeneous array of one of those. (OpenTelemetry JS 3 also keeps maps and mixed
 * arrays on spans as "AnyValue", which the GenAI attributes never are.)
 */
export function isValidAttributeValue(value: unknown): boolean {
  const scalar = (item: unknown) =>
    typeof item === 'string' || typeof item === 'boolean' || (typeof item === 'number' && Number.isFinite(item));
  if (scalar(value)) return true;
  if (!Array.isArray(value)) return false;
  if (value.length === 0) return true;
  const type = typeof value[0];
  return value.every((item) => scalar(item) && typeof item === type);
}

/** The keys of `attributes` whose values are not valid attribute values, as `key=value`. */
export function invalidAttributes(attributes: Record<string, unknown> | undefined, where: string): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (!isValidAttributeValue(value)) problems.push(`${where}: ${key}=${show(value)}`);
  }
  return problems;
}

// ---------------------------------------------------------------------------------------------
// Hostile objects

/** What every trap of a hostile proxy throws (one object, so that an app's error can be compared by identity). */
export const TRAP_ERROR = new Error('a trap of a hostile proxy');

/** A proxy on `target` whose every trap (get, has, ownKeys, getPrototypeOf, apply, …) throws `TRAP_ERROR`. */
export function throwingProxy<T extends object>(target: T = {} as T): T {
  const handler = new Proxy(
    {},
    {
      get: () => () => {
        throw TRAP_ERROR;
      },
    },
  );
  return new Proxy(target, handler);
}

export function revokedProxy(): object {
  const { proxy, revoke } = Proxy.revocable({}, {});
  revoke();
  return proxy;
}

// ---------------------------------------------------------------------------------------------
// Value specs

export type ValueSpec =
  | { k: 'plain'; v: unknown }
  | { k: 'json'; v: unknown }
  | { k: 'bigint'; v: bigint }
  | { k: 'circular'; via: 'self' | 'array' | 'mutual'; inner: ValueSpec }
  | { k: 'toJSONThrows' }
  | { k: 'toJSONOdd'; returns: 'undefined' | 'function' | 'symbol' | 'bigint' | 'self' }
  | { k: 'getterThrows'; key: string; enumerable: boolean }
  | { k: 'proxy' }
  | { k: 'revoked' }
  | { k: 'thenGetterThrows' }
  | { k: 'thenable'; how: ThenableKind }
  | { k: 'frozen'; inner: ValueSpec }
  | { k: 'huge'; length: number; unit: string }
  | { k: 'deep'; depth: number; array: boolean }
  | { k: 'payload'; bytes: number; how: 'dataURL' | 'base64Source' | 'mimeData' | 'blob' }
  | { k: 'function' }
  | { k: 'symbol' }
  | { k: 'nullProto'; entries: Array<[string, ValueSpec]> }
  | { k: 'object'; entries: Array<[string, ValueSpec]> }
  | { k: 'array'; items: ValueSpec[] }
  | { k: 'error'; e: ErrorSpec };

/**
 * Thenables that are no promises: `compliant` (its `then` returns a promise, as Promises/A+ asks),
 * `minimal` (calls back at once and returns nothing, as many hand-written ones do), `rejecting`,
 * and `throwing` (its `then` throws). `await` gives what each settles with.
 */
export type ThenableKind = 'compliant' | 'minimal' | 'rejecting' | 'throwing';

/** What the thenables settle with: one value and one error, for identity checks. */
export const THENABLE_VALUE = { settledBy: 'a thenable' };
export const THENABLE_ERROR = new Error('a thenable rejected');

export function makeThenable(how: ThenableKind): object {
  switch (how) {
    case 'compliant':
      return {
        then: (resolve: (value: unknown) => unknown, reject: (error: unknown) => unknown) =>
          Promise.resolve(THENABLE_VALUE).then(resolve, reject),
      };
    case 'minimal':
      return {
        then(resolve: (value: unknown) => void) {
          resolve(THENABLE_VALUE);
        },
      };
    case 'rejecting':
      return {
        then(_resolve: unknown, reject: (error: unknown) => void) {
          reject(THENABLE_ERROR);
        },
      };
    case 'throwing':
      return {
        then() {
          throw THENABLE_ERROR;
        },
      };
  }
}

const KEYS = fc.constantFrom(
  'a',
  'data',
  'type',
  'content',
  'toJSON',
  'then',
  'constructor',
  '__proto__',
  'mime_type',
  'size',
  'x'.repeat(40),
);
const UNITS = ['x', 'é', '€', '😀', '\uD800', '"\\', '\u0000', 'ab\ncd'];

function leafSpec(hugeMax: number): fc.Arbitrary<ValueSpec> {
  return fc.oneof(
    {
      arbitrary: fc.record({
        k: fc.constant('plain' as const),
        v: fc.anything({
          maxDepth: 2,
          withBigInt: true,
          withMap: true,
          withSet: true,
          withDate: true,
          withTypedArray: true,
          withSparseArray: true,
          withNullPrototype: true,
          withBoxedValues: true,
          withObjectString: true,
        }),
      }),
      weight: 4,
    },
    { arbitrary: fc.record({ k: fc.constant('json' as const), v: fc.jsonValue({ maxDepth: 3 }) }), weight: 4 },
    { arbitrary: fc.record({ k: fc.constant('bigint' as const), v: fc.bigInt() }), weight: 1 },
    { arbitrary: fc.constant({ k: 'toJSONThrows' as const }), weight: 1 },
    {
      arbitrary: fc.record({
        k: fc.constant('toJSONOdd' as const),
        returns: fc.constantFrom('undefined' as const, 'function' as const, 'symbol' as const, 'bigint' as const, 'self' as const),
      }),
      weight: 1,
    },
    { arbitrary: fc.record({ k: fc.constant('getterThrows' as const), key: KEYS, enumerable: fc.boolean() }), weight: 1 },
    { arbitrary: fc.constant({ k: 'proxy' as const }), weight: 1 },
    { arbitrary: fc.constant({ k: 'revoked' as const }), weight: 1 },
    { arbitrary: fc.constant({ k: 'thenGetterThrows' as const }), weight: 1 },
    {
      arbitrary: fc.record({
        k: fc.constant('thenable' as const),
        how: fc.constantFrom<ThenableKind>('compliant', 'minimal', 'rejecting', 'throwing'),
      }),
      weight: 1,
    },
    {
      arbitrary: fc.record({
        k: fc.constant('huge' as const),
        length: fc.integer({ min: 1, max: hugeMax }),
        unit: fc.constantFrom(...UNITS),
      }),
      weight: 1,
    },
    { arbitrary: fc.record({ k: fc.constant('deep' as const), depth: fc.integer({ min: 1, max: 3000 }), array: fc.boolean() }), weight: 1 },
    {
      arbitrary: fc.record({
        k: fc.constant('payload' as const),
        bytes: fc.integer({ min: 0, max: 20_000 }),
        how: fc.constantFrom('dataURL' as const, 'base64Source' as const, 'mimeData' as const, 'blob' as const),
      }),
      weight: 1,
    },
    { arbitrary: fc.constantFrom({ k: 'function' as const }, { k: 'symbol' as const }), weight: 1 },
  );
}

/** Any value spec; `hugeMax` bounds the huge strings (in UTF-16 units, about). */
export function valueSpec(hugeMax = 100_000): fc.Arbitrary<ValueSpec> {
  const { value } = fc.letrec<{ value: ValueSpec }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      { arbitrary: leafSpec(hugeMax), weight: 6 },
      {
        arbitrary: fc.record({ k: fc.constant('object' as const), entries: fc.array(fc.tuple(KEYS, tie('value')), { maxLength: 3 }) }),
        weight: 2,
      },
      { arbitrary: fc.record({ k: fc.constant('array' as const), items: fc.array(tie('value'), { maxLength: 3 }) }), weight: 1 },
      {
        arbitrary: fc.record({ k: fc.constant('nullProto' as const), entries: fc.array(fc.tuple(KEYS, tie('value')), { maxLength: 2 }) }),
        weight: 1,
      },
      {
        arbitrary: fc.record({
          k: fc.constant('circular' as const),
          via: fc.constantFrom('self' as const, 'array' as const, 'mutual' as const),
          inner: tie('value'),
        }),
        weight: 1,
      },
      { arbitrary: fc.record({ k: fc.constant('frozen' as const), inner: tie('value') }), weight: 1 },
      { arbitrary: fc.record({ k: fc.constant('error' as const), e: errorSpec() }), weight: 1 },
    ),
  }));
  return value;
}

function base64(bytes: number): string {
  return Buffer.alloc(bytes, 7).toString('base64');
}

/** The hostile value `spec` describes, built afresh. */
export function makeValue(spec: ValueSpec): unknown {
  switch (spec.k) {
    case 'plain':
    case 'json':
      // fast-check hands the same value to a replayed run: a fresh copy keeps runs apart where it can.
      return spec.v;
    case 'bigint':
      return spec.v;
    case 'circular': {
      const inner = makeValue(spec.inner);
      if (spec.via === 'self') {
        const object: Record<string, unknown> = { inner };
        object.self = object;
        return object;
      }
      if (spec.via === 'array') {
        const array: unknown[] = [inner];
        array.push(array);
        return array;
      }
      const a: Record<string, unknown> = { inner };
      const b: Record<string, unknown> = { a };
      a.b = b;
      return { a };
    }
    case 'toJSONThrows':
      return {
        value: 1,
        toJSON() {
          throw new Error('toJSON refuses');
        },
      };
    case 'toJSONOdd': {
      const object: Record<string, unknown> = { value: 1 };
      object.toJSON = () => {
        switch (spec.returns) {
          case 'undefined':
            return undefined;
          case 'function':
            return () => 1;
          case 'symbol':
            return Symbol('json');
          case 'bigint':
            return 5n;
          case 'self':
            return object;
        }
      };
      return object;
    }
    case 'getterThrows': {
      const object: Record<string, unknown> = { before: 1 };
      Object.defineProperty(object, spec.key, {
        enumerable: spec.enumerable,
        configurable: true,
        get() {
          throw new Error(`getter ${spec.key} refuses`);
        },
      });
      return object;
    }
    case 'proxy':
      return throwingProxy();
    case 'revoked':
      return revokedProxy();
    case 'thenGetterThrows':
      return {
        value: 1,
        get then() {
          throw TRAP_ERROR;
        },
      };
    case 'thenable':
      return makeThenable(spec.how);
    case 'frozen':
      return deepFreeze(makeValue(spec.inner));
    case 'huge':
      return spec.unit.repeat(Math.ceil(spec.length / spec.unit.length));
    case 'deep': {
      let value: unknown = 'bottom';
      for (let level = 0; level < spec.depth; level++) value = spec.array ? [value] : { nested: value };
      return value;
    }
    case 'payload': {
      const data = base64(spec.bytes);
      switch (spec.how) {
        case 'dataURL':
          return { screenshot: `data:image/png;base64,${data}` };
        case 'base64Source':
          return { type: 'image', source: { type: 'base64', media_type: 'image/png', data } };
        case 'mimeData':
          return { mime_type: 'application/pdf', data };
        case 'blob':
          return { type: 'blob', modality: 'image', content: data };
      }
      return undefined;
    }
    case 'function':
      return function toolFunction() {
        return 1;
      };
    case 'symbol':
      return Symbol('tool');
    case 'nullProto': {
      const object = Object.create(null) as Record<string, unknown>;
      for (const [key, value] of spec.entries) object[key] = entryValue(key, value);
      return object;
    }
    case 'object': {
      const object: Record<string, unknown> = {};
      for (const [key, value] of spec.entries)
        Object.defineProperty(object, key, { value: entryValue(key, value), enumerable: true, writable: true, configurable: true });
      return object;
    }
    case 'array':
      return spec.items.map(makeValue);
    case 'error':
      return makeError(spec.e);
  }
}

/**
 * An object's entry. A function under `then` would make the object a thenable that never settles,
 * and an async function returning it a promise that never settles, with or without a helper: that
 * one is left out (a `then` that cannot be read is in, as its own spec).
 */
function entryValue(key: string, spec: ValueSpec): unknown {
  const value = makeValue(spec);
  return key === 'then' && typeof value === 'function' ? 'then' : value;
}

function deepFreeze<T>(value: T, seen = new Set<unknown>()): T {
  if (value === null || (typeof value !== 'object' && typeof value !== 'function') || seen.has(value)) return value;
  seen.add(value);
  try {
    for (const key of Reflect.ownKeys(value as object)) {
      const descriptor = Object.getOwnPropertyDescriptor(value as object, key);
      if (descriptor !== undefined && 'value' in descriptor) deepFreeze(descriptor.value, seen);
    }
    Object.freeze(value);
  } catch {
    // A proxy or a revoked proxy: left as it is.
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Error specs

export type ErrorClass = 'Error' | 'TypeError' | 'RangeError' | 'AggregateError' | 'DOMException' | 'APIError' | 'Computed' | 'SymbolNamed';

export type ErrorSpec =
  | { k: 'error'; cls: ErrorClass; message: string; status?: number; type?: string }
  | {
      k: 'hostileFields';
      throwing: Array<'message' | 'stack' | 'name' | 'constructor' | 'code' | 'cause' | 'status' | 'type' | 'error' | 'toString'>;
    }
  | { k: 'oddFields'; message: unknown; name: unknown; stack: unknown; code: unknown }
  | { k: 'proxyError' }
  | { k: 'frozenError'; message: string }
  | { k: 'circularCause' }
  | { k: 'thrownValue'; v: 'undefined' | 'null' | 'string' | 'number' | 'object' | 'proxy' | 'bigint' | 'symbol' | 'promise' };

const FIELD_NAMES = fc.constantFrom(
  'message' as const,
  'stack' as const,
  'name' as const,
  'constructor' as const,
  'code' as const,
  'cause' as const,
  'status' as const,
  'type' as const,
  'error' as const,
  'toString' as const,
);

export function errorSpec(): fc.Arbitrary<ErrorSpec> {
  return fc.oneof(
    {
      arbitrary: fc.record(
        {
          k: fc.constant('error' as const),
          cls: fc.constantFrom<ErrorClass>(
            'Error',
            'TypeError',
            'RangeError',
            'AggregateError',
            'DOMException',
            'APIError',
            'Computed',
            'SymbolNamed',
          ),
          message: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('the prompt "secret-prompt-text" was rejected\n    at fake (frame)')),
          status: fc.constantFrom(400, 418, 429, 500, 0, -1, 1e9),
          type: fc.constantFrom('invalid_request_error', 'overloaded_error', 'made_up_type_x1', ''),
        },
        { requiredKeys: ['k', 'cls', 'message'] },
      ),
      weight: 4,
    },
    {
      arbitrary: fc.record({ k: fc.constant('hostileFields' as const), throwing: fc.uniqueArray(FIELD_NAMES, { minLength: 1 }) }),
      weight: 2,
    },
    {
      arbitrary: fc.record({
        k: fc.constant('oddFields' as const),
        message: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom<unknown>(undefined, null, 5, 5n, {}, [])),
        name: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom<unknown>(undefined, null, 5, {}, 'a b "c"')),
        stack: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom<unknown>(undefined, null, 5, {})),
        code: fc.constantFrom<unknown>(undefined, null, 5n, 'ECONNRESET', {}, { toString: 1 }),
      }),
      weight: 2,
    },
    { arbitrary: fc.constant({ k: 'proxyError' as const }), weight: 1 },
    { arbitrary: fc.record({ k: fc.constant('frozenError' as const), message: fc.string({ maxLength: 10 }) }), weight: 1 },
    { arbitrary: fc.constant({ k: 'circularCause' as const }), weight: 1 },
    {
      arbitrary: fc.record({
        k: fc.constant('thrownValue' as const),
        v: fc.constantFrom(
          'undefined' as const,
          'null' as const,
          'string' as const,
          'number' as const,
          'object' as const,
          'proxy' as const,
          'bigint' as const,
          'symbol' as const,
          'promise' as const,
        ),
      }),
      weight: 2,
    },
  );
}

class APIError extends Error {
  constructor(
    message: string,
    readonly status: number | undefined,
    readonly type: string | undefined,
  ) {
    super(message);
  }
}

/** The thrown value `spec` describes, built afresh. */
export function makeError(spec: ErrorSpec): unknown {
  switch (spec.k) {
    case 'error':
      switch (spec.cls) {
        case 'Error':
          return new Error(spec.message);
        case 'TypeError':
          return new TypeError(spec.message);
        case 'RangeError':
          return new RangeError(spec.message);
        case 'AggregateError':
          return new AggregateError([new Error('inner'), 'not an error'], spec.message);
        case 'DOMException':
          return new DOMException(spec.message, spec.type === '' ? 'AbortError' : spec.type);
        case 'APIError':
          return new APIError(spec.message, spec.status, spec.type);
        case 'Computed': {
          const Computed = { [`Quoting "${spec.message}"`]: class extends Error {} }[`Quoting "${spec.message}"`];
          return new Computed(spec.message);
        }
        case 'SymbolNamed': {
          class Named extends Error {}
          Object.defineProperty(Named, 'name', { value: Symbol('named') });
          return new Named(spec.message);
        }
      }
      return undefined;
    case 'hostileFields': {
      const error = new Error('hostile fields');
      for (const field of spec.throwing) {
        Object.defineProperty(error, field, {
          configurable: true,
          enumerable: false,
          get() {
            throw new Error(`error.${field} refuses`);
          },
        });
      }
      return error;
    }
    case 'oddFields': {
      const error = new Error('odd fields');
      for (const [field, value] of [
        ['message', spec.message],
        ['name', spec.name],
        ['stack', spec.stack],
        ['code', spec.code],
      ] as const) {
        Object.defineProperty(error, field, {
          value: value && typeof value === 'object' ? structuredCloneLoose(value) : value,
          configurable: true,
          writable: true,
          enumerable: false,
        });
      }
      return error;
    }
    case 'proxyError':
      return throwingProxy(new Error('proxied'));
    case 'frozenError':
      return Object.freeze(new RangeError(spec.message));
    case 'circularCause': {
      const error = new Error('circular cause') as Error & { cause?: unknown };
      error.cause = error;
      return error;
    }
    case 'thrownValue':
      switch (spec.v) {
        case 'undefined':
          return undefined;
        case 'null':
          return null;
        case 'string':
          return 'a thrown string quoting "secret-prompt-text"';
        case 'number':
          return 42;
        case 'object':
          return { message: 'an object, not an Error' };
        case 'proxy':
          return throwingProxy();
        case 'bigint':
          return 7n;
        case 'symbol':
          return Symbol('thrown');
        case 'promise': {
          // A rejected promise as the thrown value (never awaited by anyone else): handled here so
          // that it is not an unhandled rejection.
          const promise = Promise.reject(new Error('inner rejection'));
          promise.catch(() => undefined);
          return promise;
        }
      }
  }
  return undefined;
}

function structuredCloneLoose(value: object): unknown {
  try {
    return structuredClone(value);
  } catch {
    return value;
  }
}
