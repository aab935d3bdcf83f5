/**
 * `@modelcontextprotocol/sdk` 1.x: MCP clients and servers, both sides, zero-code.
 *
 * The SDK has two trees of the same classes, `dist/cjs` and `dist/esm`, and no main entry (its `"."`
 * export names a file it does not ship): apps import subpaths (`@modelcontextprotocol/sdk/client/index.js`).
 * So the files are hooked, in both trees: `shared/protocol.js`, whose `Protocol` class `Client` and
 * `Server` extend, and `server/mcp.js` (`McpServer`). On `Protocol.prototype`:
 * - `request`: the CLIENT span of every request sent, with the trace context in `params._meta` (client.ts);
 * - `setRequestHandler`: every handler registered is stored traced, a SERVER span per request handled (server.ts);
 * - `connect`, `_onclose`: the session's duration; `_onresponse`: which requests the peer answered with an error.
 * On `McpServer.prototype`: `executeToolHandler`, where a tool's own exception is still visible
 * (the SDK turns it into an `isError` result), and `connect`, which tells which `Server` it owns.
 *
 * CommonJS: the base class's require hook cannot see these files. It hooks a package by its name and
 * tells a package's own files from its main module by resolving that name, which fails here (the
 * missing main), so it gives up on every file of the package. A require-in-the-middle hook of our
 * own names the CommonJS files themselves, which that library matches without resolving the name.
 * ES modules reach `init()`'s file definitions as for the other SDKs (src/register/import-patch.ts,
 * esm-prepatch.ts).
 *
 * The wrappers return exactly what the SDK's methods return and throw what they throw; a failure of
 * ours goes to `diag`. `disable()` puts the SDK's methods back on every copy patched (the handlers
 * already stored in a live `Server` stay wrapped, and pass through untraced while disabled).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { diag, trace } from '@opentelemetry/api';
import type { TracerProvider } from '@opentelemetry/api';
import { InstrumentationBase, InstrumentationNodeModuleDefinition, InstrumentationNodeModuleFile } from '@opentelemetry/instrumentation';
import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import { ContentRecorder } from '../content';
import type { ContentOptions } from '../content';
import { reportFailure } from '../errors';
import { asRecord } from '../values';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import { field } from './attributes';
import { traceNotification, traceRequest } from './client';
import { McpMetrics } from './metrics';
import { endSession, knownPeer, startSession } from './peers';
import { isPromiseLike } from './results';
import { isTracedHandler, noteToolError, rememberOwner, traceHandler } from './server';
import type { McpTelemetry } from './telemetry';

export const MODULE = '@modelcontextprotocol/sdk';
/** 1.x: the package's only major (its v2 ships as `@modelcontextprotocol/client` / `server`). */
const SUPPORTED = ['>=1.0.0 <2'];
const TREES = ['dist/cjs', 'dist/esm'];
const PROTOCOL_FILE = 'shared/protocol.js';
const MCP_SERVER_FILE = 'server/mcp.js';
/** The ES module copies of the files patched, as URLs (any install layout: npm, pnpm's `.pnpm/…/node_modules`). */
export const ESM_FILES = /\/node_modules\/@modelcontextprotocol\/sdk\/dist\/esm\/(?:shared\/protocol|server\/mcp)\.js$/;

export interface McpInstrumentationConfig extends InstrumentationConfig, ContentOptions {}

type Method = (this: unknown, ...args: unknown[]) => unknown;
type Wrapper = (original: Method) => Method;

/** On each wrapper we install: the instance that installed it, and the method beneath. */
const OWNER = Symbol.for('otel-genai.mcp.wrapper-owner');
const ORIGINAL = Symbol.for('otel-genai.mcp.wrapper-original');

interface Installed {
  original: Method;
  wrapper: Method;
}

/**
 * Every copy of a hooked file seen (patched, or loaded while disabled), with how an instance patches
 * it: what `enable()` re-applies, and what an instance taking over from a disabled one patches.
 */
const copies = new Map<object, (instance: McpInstrumentation) => void>();
const enabledInstances = new Set<McpInstrumentation>();

export class McpInstrumentation extends InstrumentationBase<McpInstrumentationConfig> {
  // Set by setConfig(), setTracerProvider() and _updateMetricInstruments(), which the base constructor calls before field initialisers run.
  declare private content: ContentRecorder | undefined;
  declare private metrics: McpMetrics | undefined;
  declare private ownTracerProvider: boolean | undefined;
  declare private installed: Map<object, Map<string, Installed>> | undefined;
  declare private commonJSHook: unknown;
  /** What a call reports to; undefined while disabled. May throw (a provider that throws): the callers catch. */
  private readonly telemetry = (): McpTelemetry | undefined => {
    if (!this.isEnabled()) return undefined;
    return {
      tracer: this.ownTracerProvider ? this.tracer : trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION),
      metrics: this.metrics,
      content: this.content,
    };
  };

  constructor(config: McpInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  override setConfig(config: McpInstrumentationConfig = {}): void {
    super.setConfig(config);
    this.content = ContentRecorder.from(config);
  }

  override setTracerProvider(tracerProvider: TracerProvider): void {
    // A provider that is the global one is followed as the global one (an app may replace it).
    this.ownTracerProvider = tracerProvider !== trace.getTracerProvider();
    super.setTracerProvider(tracerProvider);
  }

  protected override _updateMetricInstruments(): void {
    try {
      this.metrics = new McpMetrics(this.meter);
    } catch (problem) {
      this.metrics = undefined;
      diag.error('otel-genai: could not create the MCP metrics', problem);
    }
  }

  protected init() {
    const file = (path: string, patch: (exports: unknown) => unknown) =>
      new InstrumentationNodeModuleFile(
        `${MODULE}/${path}`,
        SUPPORTED,
        (exports: unknown) => patch(exports),
        () => this.unpatchAll(),
      );
    return [
      new InstrumentationNodeModuleDefinition(MODULE, SUPPORTED, undefined, undefined, [
        ...TREES.map((tree) => file(`${tree}/${PROTOCOL_FILE}`, (exports) => this.patchProtocol(exports))),
        ...TREES.map((tree) => file(`${tree}/${MCP_SERVER_FILE}`, (exports) => this.patchMcpServer(exports))),
      ]),
    ];
  }

  override enable(): void {
    super.enable();
    enabledInstances.add(this);
    if (this.commonJSHook === undefined) this.hookCommonJS();
    // Copies patched in place (ES modules patched by the register) are unknown to the base class.
    if (this.installed !== undefined) this.repatch();
  }

  override disable(): void {
    super.disable();
    enabledInstances.delete(this);
    this.unpatchAll();
    for (const other of enabledInstances) other.takeOver();
  }

  /**
   * The CommonJS files of `init()`'s definition, by their full names, through require-in-the-middle
   * (the very copy `@opentelemetry/instrumentation` uses), patched as the base class would: when the
   * instance is enabled and the package's version is supported.
   */
  private hookCommonJS(): void {
    const files = this.getModuleDefinitions().flatMap((definition) => definition.files.filter((each) => each.name.includes('/dist/cjs/')));
    try {
      const { Hook } = requireInTheMiddle();
      // require-in-the-middle names a package's file without its extension.
      const names = files.map((file) => file.name.replace(/\.js$/, ''));
      this.commonJSHook = new Hook(names, { internals: true }, (exports, name, basedir) => {
        if (!names.includes(name) || !isSupportedVersion(basedir)) return exports;
        const patch = name.endsWith(PROTOCOL_FILE.replace(/\.js$/, ''))
          ? (instance: McpInstrumentation) => instance.patchProtocol(exports)
          : (instance: McpInstrumentation) => instance.patchMcpServer(exports);
        // Loaded while disabled: patched by the next enable() (see repatch).
        if (typeof exports === 'object' && exports !== null && !copies.has(exports)) copies.set(exports, patch);
        if (this.isEnabled()) patch(this);
        return exports;
      });
    } catch (problem) {
      this.commonJSHook = null;
      this._diag.error(`could not hook the CommonJS files of ${MODULE}; CommonJS MCP apps are not traced`, problem);
    }
  }

  /** `shared/protocol.js`: `Protocol.prototype`, beneath `Client` and `Server`. */
  private patchProtocol<T>(exports: T): T {
    const prototype = prototypeOf(exports, 'Protocol');
    if (typeof prototype !== 'object' || prototype === null) {
      this._diag.warn(`${MODULE} ${PROTOCOL_FILE}: no Protocol class; MCP requests are not traced`);
      return exports;
    }
    this.remember(exports, (instance) => instance.patchProtocol(exports));
    const instrumentation = this;
    const telemetry = this.telemetry;
    this.wrap(
      prototype,
      'request',
      (original) =>
        function request(this: unknown, ...args: unknown[]) {
          return traceRequest(telemetry, original, this, args);
        },
    );
    this.wrap(
      prototype,
      'notification',
      (original) =>
        function notification(this: unknown, ...args: unknown[]) {
          return traceNotification(telemetry, original, this, args);
        },
    );
    // Request and notification handlers alike: each message handled is a SERVER span.
    for (const [method, store] of [
      ['setRequestHandler', '_requestHandlers'],
      ['setNotificationHandler', '_notificationHandlers'],
    ] as const) {
      this.wrap(
        prototype,
        method,
        (original) =>
          function setHandler(this: unknown, ...args: unknown[]) {
            const handlers = field(this, store);
            const before = handlers instanceof Map ? new Map(handlers) : undefined;
            const result = Reflect.apply(original, this, args);
            if (before !== undefined) instrumentation.traceNewHandlers(this as object, handlers as Map<unknown, unknown>, before);
            return result;
          },
      );
    }
    this.wrap(
      prototype,
      'connect',
      (original) =>
        function connect(this: unknown, ...args: unknown[]) {
          const result = Reflect.apply(original, this, args);
          // It takes the transport at once (and rejects, keeping its own, when already connected).
          instrumentation.guarded(() => {
            if (telemetry() !== undefined && field(this, '_transport') === args[0]) instrumentation.sessionStarted(this as object, args[0]);
          });
          return result;
        },
    );
    this.wrap(
      prototype,
      '_onclose',
      (original) =>
        function _onclose(this: unknown, ...args: unknown[]) {
          instrumentation.guarded(() => endSession(this as object, telemetry()?.metrics));
          return Reflect.apply(original, this, args);
        },
    );
    this.wrap(
      prototype,
      '_onresponse',
      (original) =>
        function _onresponse(this: unknown, ...args: unknown[]) {
          instrumentation.guarded(() => noteResponse(this as object, args[0]));
          return Reflect.apply(original, this, args);
        },
    );
    return exports;
  }

  /** `server/mcp.js`: `McpServer.prototype`. Its tools' exceptions, and which `Server` it owns. */
  private patchMcpServer<T>(exports: T): T {
    const prototype = prototypeOf(exports, 'McpServer');
    if (typeof prototype !== 'object' || prototype === null) return exports;
    this.remember(exports, (instance) => instance.patchMcpServer(exports));
    const instrumentation = this;
    if (typeof (prototype as Record<string, unknown>).executeToolHandler === 'function') {
      this.wrap(
        prototype,
        'executeToolHandler',
        (original) =>
          function executeToolHandler(this: unknown, ...args: unknown[]) {
            const result = Reflect.apply(original, this, args);
            if (isPromiseLike(result)) result.then(undefined, (error: unknown) => instrumentation.guarded(() => noteToolError(error)));
            return result;
          },
      );
    }
    this.wrap(
      prototype,
      'connect',
      (original) =>
        function connect(this: unknown, ...args: unknown[]) {
          instrumentation.guarded(() => rememberOwner(field(this, 'server'), this as object));
          return Reflect.apply(original, this, args);
        },
    );
    return exports;
  }

  /** The handlers `setRequestHandler` just stored (a method's entry that changed), wrapped in place. */
  private traceNewHandlers(protocol: object, handlers: Map<unknown, unknown>, before: Map<unknown, unknown>): void {
    try {
      for (const [method, handler] of handlers) {
        if (before.get(method) === handler || typeof handler !== 'function' || isTracedHandler(handler)) continue;
        handlers.set(method, traceHandler(this.telemetry, handler as Method, protocol));
      }
    } catch (problem) {
      reportFailure(problem);
    }
  }

  private sessionStarted(protocol: object, transport: unknown): void {
    startSession(protocol, transport);
    // A stdio server's transport never closes on its own: its session ends with its input.
    const stdin = field(transport, '_stdin') as { once?: (event: string, listener: () => void) => unknown } | undefined;
    if (knownPeer(protocol)?.side === 'server' && typeof stdin?.once === 'function') {
      stdin.once('end', () => this.guarded(() => endSession(protocol, this.telemetry()?.metrics)));
    }
  }

  private guarded(step: () => void): void {
    try {
      step();
    } catch (problem) {
      reportFailure(problem);
    }
  }

  private remember(exports: unknown, patch: (instance: McpInstrumentation) => void): void {
    if (typeof exports === 'object' && exports !== null && !copies.has(exports)) copies.set(exports, patch);
  }

  /**
   * Puts our wrapper on `target[name]`, once: a method an enabled instance of ours already wrapped
   * is left to it. Failures go to `diag`; the SDK then runs untraced there.
   */
  private wrap(target: object, name: string, wrapper: Wrapper): void {
    try {
      const methods = target as Record<string | symbol, unknown>;
      const current = methods[name] as (Method & Record<symbol, unknown>) | undefined;
      if (typeof current !== 'function') {
        this._diag.warn(`${MODULE}: ${name} not found; that part of MCP is not traced with this SDK version`);
        return;
      }
      const owner = current[OWNER] as McpInstrumentation | undefined;
      if (owner === this || (owner !== undefined && owner.isEnabled())) return;
      const original = (owner === undefined ? current : current[ORIGINAL]) as Method;
      const installed = wrapper(original) as Method & Record<symbol, unknown>;
      Object.defineProperty(installed, OWNER, { value: this });
      Object.defineProperty(installed, ORIGINAL, { value: original });
      const enumerable = Object.prototype.propertyIsEnumerable.call(target, name);
      Object.defineProperty(target, name, { configurable: true, enumerable, writable: true, value: installed });
      this.installed ??= new Map();
      let byName = this.installed.get(target);
      if (byName === undefined) this.installed.set(target, (byName = new Map()));
      byName.set(name, { original, wrapper: installed });
    } catch (problem) {
      this._diag.error(`could not instrument ${MODULE} ${name}`, problem);
    }
  }

  /** Our wrappers off, the SDK's methods back: idempotent (the base class calls it once per hooked file). */
  private unpatchAll(): void {
    for (const [target, methods] of this.installed ?? []) {
      for (const [name, { original, wrapper }] of methods) {
        try {
          if ((target as Record<string, unknown>)[name] === wrapper) {
            const enumerable = Object.prototype.propertyIsEnumerable.call(target, name);
            Object.defineProperty(target, name, { configurable: true, enumerable, writable: true, value: original });
          }
        } catch (problem) {
          this._diag.error(`could not restore ${MODULE} ${name}`, problem);
        }
      }
    }
    this.installed?.clear();
  }

  private repatch(): void {
    for (const patch of copies.values()) {
      try {
        patch(this);
      } catch (problem) {
        this._diag.error(`could not instrument a copy of ${MODULE}`, problem);
      }
    }
  }

  /** Another instance was disabled: this one patches what it had. */
  private takeOver(): void {
    this.repatch();
  }
}

type RequireHook = new (
  modules: string[],
  options: object,
  onRequire: (exports: unknown, name: string, basedir?: string) => unknown,
) => unknown;

/**
 * require-in-the-middle, a dependency of `@opentelemetry/instrumentation` (any copy will do: each
 * hooks `require` on its own): where npm hoists it, or else beside that package (pnpm). A bundler
 * inlines the first and leaves the second alone (its name is not a literal).
 */
function requireInTheMiddle(): { Hook: RequireHook } {
  try {
    return require('require-in-the-middle') as { Hook: RequireHook };
  } catch {
    const beside = (name: string) => createRequire(require.resolve(name));
    return beside('@opentelemetry/instrumentation')('require-in-the-middle') as { Hook: RequireHook };
  }
}

/** The prototype of the class `name` that a module exports, if it exports such a class. */
function prototypeOf(exports: unknown, name: string): object | undefined {
  const exported = field(exports, name);
  const prototype = typeof exported === 'function' ? field(exported, 'prototype') : undefined;
  return typeof prototype === 'object' && prototype !== null ? prototype : undefined;
}

/** Whether the installed package in `dir` is a 1.x release (what `SUPPORTED` says). */
function isSupportedVersion(dir: string | undefined): boolean {
  if (dir === undefined) return false;
  try {
    const version = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' && /^1\.\d+\.\d+$/.test(version);
  } catch {
    return false;
  }
}

/** A response of the peer: an error one is noted on the request waiting for it. */
function noteResponse(protocol: object, response: unknown): void {
  const peer = knownPeer(protocol);
  if (peer === undefined || peer.waiting.size === 0) return;
  const message = asRecord(response);
  const error = asRecord(message?.error);
  if (error === undefined || typeof error.code !== 'number') return;
  const waiting = peer.waiting.get(Number(message?.id));
  if (waiting !== undefined) waiting.responseCode = error.code;
}
