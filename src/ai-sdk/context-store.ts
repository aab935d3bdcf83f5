/**
 * The store we bind to the `ai:telemetry` channel's `start` (`channel.start.bindStore(store,
 * transform)`): Node enters what `transform` returns (an OpenTelemetry `Context`: our span's) for the
 * operation the channel traces, so that everything the operation does (a step, a model call, the
 * provider's `fetch`, a tool's own calls) runs in that context.
 *
 * Node asks a bound store for one of two methods: `run(value, fn)` (Node 22, 24) or
 * `withScope(value)`, a disposable that restores the previous value (Node 26). Both map onto the
 * OpenTelemetry context API, so whatever context manager the app registered is used and followed
 * (it may be registered, or replaced, after we subscribe):
 * - `run` is `context.with(value, fn)`;
 * - `withScope` is `context.attach(value)` (`@opentelemetry/api` 1.10), whose token restores the
 *   previous context; a manager without `attach` (context-async-hooks 2.x, registered by an app on
 *   OpenTelemetry JS 2) is entered through its AsyncLocalStorage's own `withScope`. Lacking both,
 *   the operation runs in the caller's context (our spans still nest under each other; the app's
 *   work inside them does not), said once through `diag`.
 */
import { context, diag } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

/** `Symbol.dispose` where the runtime has it (the only runtimes that call `withScope` do). */
const DISPOSE: symbol = (Symbol as { dispose?: symbol }).dispose ?? Symbol.for('nodejs.dispose');

interface Disposable {
  dispose(): void;
}

interface ManagerWithStorage {
  attach?: (ctx: Context) => Disposable;
  _asyncLocalStorage?: { withScope?: (value: unknown) => Disposable };
}

const NOTHING: Disposable = { dispose() {} };
let warnedNoScope = false;

function enter(ctx: Context): Disposable {
  try {
    return enterWith(ctx);
  } catch (problem) {
    // Never into the app: Node's scope would throw out of the AI SDK's call.
    diag.error('otel-genai: could not enter the context of an AI SDK operation', problem);
    return NOTHING;
  }
}

function enterWith(ctx: Context): Disposable {
  const manager = (context as unknown as { _getContextManager?: () => ManagerWithStorage })._getContextManager?.();
  if (typeof manager?.attach === 'function') return manager.attach(ctx);
  const storage = manager?._asyncLocalStorage;
  if (typeof storage?.withScope === 'function') return storage.withScope(ctx);
  if (!warnedNoScope) {
    warnedNoScope = true;
    diag.warn(
      "otel-genai: the registered context manager cannot enter a context for the AI SDK's operations; what they do is not nested under their spans",
    );
  }
  return NOTHING;
}

export interface ChannelStore {
  run<T>(value: Context, fn: (...args: unknown[]) => T, ...args: unknown[]): T;
  withScope(value: Context): Disposable;
}

export function contextStore(): ChannelStore {
  return {
    run(value, fn, ...args) {
      return context.with(value, fn, undefined, ...args);
    },
    withScope(value) {
      const entered = enter(value);
      const scope = {
        dispose: () => entered.dispose(),
        [DISPOSE]: () => entered.dispose(),
      };
      return scope;
    },
  };
}
