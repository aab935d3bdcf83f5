/**
 * `collectSpans()`: an in-memory tracer provider, registered globally, with our instrumentations
 * enabled on it, for tests that assert the spans an agent makes.
 *
 * The OpenTelemetry SDK classes come from `@opentelemetry/sdk-trace` and
 * `@opentelemetry/context-async-hooks` (dependencies of this package): a user who installed only
 * `otel-genai` has them. They are loaded on the first `collectSpans()`, so that importing the kit
 * for the replay server alone stays cheap.
 */
import { readFileSync } from 'node:fs';
import { join, sep } from 'node:path';
import { context, propagation, ProxyTracerProvider, trace } from '@opentelemetry/api';
import type { AttributeValue, TracerProvider } from '@opentelemetry/api';
import type { InstrumentationBase, InstrumentationModuleDefinition } from '@opentelemetry/instrumentation';
import type * as Tracing from '@opentelemetry/sdk-trace';
import { registryEntries } from '../registry';
import { ATTR_USAGE_COST, ATTR_USAGE_COST_SOURCE } from '../semconv';
import type { RegistryConfig, TestingKey } from '../registry';
import { PACKAGE_NAME } from '../version';

export type ReadableSpan = Tracing.ReadableSpan;

/**
 * Options of each SDK's instrumentation, by its key (`anthropic`, `openai`, `google`: see the README's
 * Configuration), or `false` for none; and `modules`.
 */
export type CollectSpansOptions = {
  [Key in TestingKey]?: NonNullable<RegistryConfig[Key]> | false;
} & {
  /**
   * SDK modules to instrument in place, as your code loaded them (the module namespace, or its
   * default export), by the same keys. Needed for a copy loaded with `import` (ESM): the require
   * hook never sees it, and nothing else can find it. E.g.
   * `import * as anthropic from '@anthropic-ai/sdk'; collectSpans({ modules: { anthropic } })`,
   * `import * as google from '@google/genai'; collectSpans({ modules: { google } })`.
   * A copy loaded with `require` is found and instrumented without this.
   */
  modules?: { [Key in TestingKey]?: object };
};

/** One span of a trace, as `tree()` returns it: plain data, no ids and no timings. */
export interface SpanNode {
  name: string;
  attributes: Record<string, AttributeValue>;
  /** The spans it parents, in the order they were started. */
  children: SpanNode[];
}

export interface TreeOptions {
  /**
   * Which attributes each node carries: `'default'` (`DEFAULT_TREE_ATTRIBUTES`, the ones that say
   * what happened and stay the same from run to run), `'all'` (note that `server.port` and
   * `gen_ai.response.time_to_first_chunk` change from run to run), or a list of keys.
   */
  attributes?: 'default' | 'all' | readonly string[];
  /**
   * Also keep each call's and agent run's estimated cost (`otel_genai.usage.cost`, in USD, and
   * `otel_genai.usage.cost.source`), when cost is on (the `cost` option of the SDK's key, or
   * `OTEL_GENAI_COST=true`), so that a test can assert what a run spent. Default false.
   */
  cost?: boolean;
}

export interface SpanCollector {
  /** Every finished span, in the order they ended. */
  spans(): ReadableSpan[];
  /** The finished spans otel-genai made (instrumentation scope `otel-genai`): model calls, agents, tools. */
  genAISpans(): ReadableSpan[];
  /** The finished spans as trees, one per trace root, roots and children in the order they started. */
  tree(options?: TreeOptions): SpanNode[];
  /**
   * Resolves once every span started so far has ended (a span ends a few ticks after the app got
   * its result), or after `timeoutMs` (default 2000) if some stay open: a stream never read, a
   * `withAgent` still running.
   */
  settle(timeoutMs?: number): Promise<void>;
  /** Forgets the finished spans. */
  reset(): void;
  /** Disables the instrumentations (the SDK methods are restored), shuts the provider down and unregisters it. */
  shutdown(): Promise<void>;
}

/** The attributes `tree()` keeps by default. */
export const DEFAULT_TREE_ATTRIBUTES: readonly string[] = Object.freeze([
  'gen_ai.provider.name',
  'gen_ai.response.finish_reasons',
  'gen_ai.usage.input_tokens',
  'gen_ai.usage.output_tokens',
  'gen_ai.tool.call.id',
  'otel_genai.tool.inferred',
  'otel_genai.agent.model_calls',
  'otel_genai.agent.tool_calls',
  'otel_genai.agent.budgets_exceeded',
  'error.type',
]);

const PREFIX = 'otel-genai/testing:';
/** The scope of the spans `@anthropic-ai/sdk` >= 0.134 makes itself, on clients nobody instrumented. */
const ANTHROPIC_NATIVE_SCOPE = 'com.anthropic.sdk';
let active: SpanCollector | undefined;

type GenAIInstrumentation = InstrumentationBase;

/**
 * Sets up an in-memory tracer provider (registered globally, so that `withAgent`, `runTool` and
 * your own spans land there too) and enables the SDK instrumentations (Anthropic, OpenAI, Google,
 * and the Vercel AI SDK's channel: the registry's entries the testing kit takes) on it.
 *
 * The SDKs are instrumented however they are loaded: copies loaded later with `require` through
 * the require hook; copies already loaded with `require` (before this call, or under an earlier
 * collector) in place; copies loaded with `import` when passed in `options.modules`.
 *
 * One collector at a time: call `shutdown()` before the next (throws otherwise), and start no
 * other OpenTelemetry SDK in the test process (throws if a global tracer provider is registered).
 */
export function collectSpans(options: CollectSpansOptions = {}): SpanCollector {
  if (active !== undefined) {
    throw new Error(`${PREFIX} collectSpans() is already active in this process; call shutdown() on it first (e.g. in afterAll)`);
  }
  const current = trace.getTracerProvider();
  if (!(current instanceof ProxyTracerProvider) || current.getDelegateTracer(PACKAGE_NAME) !== undefined) {
    throw new Error(
      `${PREFIX} a global tracer provider is already registered (an OpenTelemetry SDK started in this process, ` +
        '`--import otel-genai/register`, or another test helper); collectSpans() registers its own: start no other SDK in tests',
    );
  }

  const tracing = require('@opentelemetry/sdk-trace') as typeof import('@opentelemetry/sdk-trace');
  const { registerGlobalTracing } = require('../register/propagators') as typeof import('../register/propagators');
  const exporter = new tracing.InMemorySpanExporter();
  const order = new StartOrder();
  const provider = new tracing.TracerProvider({ spanProcessors: [order, new tracing.SimpleSpanProcessor({ exporter })] });
  registerGlobalTracing(provider, undefined);

  const instrumentations: GenAIInstrumentation[] = [];
  const undo: Array<() => void> = [];
  const stop = () => {
    for (const each of instrumentations) each.disable();
    // Copies patched in place are unknown to the base class's disable(): restore them too.
    for (const restore of undo.splice(0)) restore();
    trace.disable();
    context.disable();
    propagation.disable();
  };
  try {
    const given = options as Record<string, object | false | undefined>;
    const modules = (options.modules ?? {}) as Record<string, object | undefined>;
    for (const entry of registryEntries()) {
      if (entry.testing !== true || given[entry.key] === false) continue;
      const Class = entry.instrumentation;
      const instrumentation = new Class({
        ...entry.defaults,
        ...(given[entry.key] as object | undefined),
        enabled: true,
      }) as InstrumentationBase;
      instrumentations.push(instrumentation);
      instrument(instrumentation, provider, modules[entry.key], undo);
    }
  } catch (error) {
    stop();
    void provider.shutdown();
    throw error;
  }

  let stopped = false;
  let warned =
    options.anthropic === false || (options.anthropic as { preferNativeSpans?: boolean } | undefined)?.preferNativeSpans === true;
  const finished = () => {
    const list = exporter.getFinishedSpans();
    if (!warned && list.some((span) => span.instrumentationScope.name.startsWith(ANTHROPIC_NATIVE_SCOPE))) {
      warned = true;
      process.emitWarning(
        `${PREFIX} spans of @anthropic-ai/sdk's own tracing were collected instead of otel-genai's: that copy of the SDK ` +
          'is not instrumented, most likely because it was loaded with `import` (ESM). Pass its module: ' +
          "`import * as anthropic from '@anthropic-ai/sdk'; collectSpans({ modules: { anthropic } })`.",
        'OtelGenAITestingWarning',
      );
    }
    return list;
  };
  const collector: SpanCollector = {
    spans: () => [...finished()],
    genAISpans: () => finished().filter((span) => span.instrumentationScope.name === PACKAGE_NAME),
    tree: (treeOptions = {}) => buildTree(finished(), order, treeOptions),
    async settle(timeoutMs = 2000) {
      const deadline = Date.now() + timeoutMs;
      await new Promise((resolve) => setImmediate(resolve));
      while (order.open.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
      finished();
    },
    reset() {
      exporter.reset();
      order.forgetEnded();
    },
    async shutdown() {
      if (stopped) return;
      stopped = true;
      try {
        await provider.shutdown();
      } finally {
        stop();
        if (active === collector) active = undefined;
      }
    },
  };
  active = collector;
  return collector;
}

/** Points an instrumentation at the provider and patches the copies of its SDK already loaded. */
function instrument(
  instrumentation: GenAIInstrumentation,
  provider: TracerProvider,
  esm: object | undefined,
  undo: Array<() => void>,
): void {
  instrumentation.setTracerProvider(provider);
  for (const definition of instrumentation.getModuleDefinitions()) {
    for (const root of loadedCopies(definition.name)) {
      const version = packageVersion(root);
      const main = cachedExports(mainFile(root, definition.name));
      if (main !== undefined) patch(definition, main, version, undo);
      for (const file of definition.files) {
        const exports = cachedExports(join(root, ...file.name.slice(definition.name.length + 1).split('/')));
        if (exports !== undefined) patch(file, exports, version, undo);
      }
    }
    // A module namespace (`import * as sdk`) or its default export, the client class.
    const given = typeof esm === 'function' ? { default: esm } : esm;
    if (given !== undefined) patch(definition, given, versionFromCwd(definition.name), undo);
  }
}

function patch(
  target: Pick<InstrumentationModuleDefinition, 'patch' | 'unpatch'>,
  exports: unknown,
  version: string | undefined,
  undo: Array<() => void>,
): void {
  if (typeof target.patch !== 'function') return;
  target.patch(exports, version);
  undo.push(() => target.unpatch?.(exports, version));
}

/** The folders of the copies of a package that have files in the require cache. */
function loadedCopies(name: string): string[] {
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
  const roots = new Set<string>();
  for (const file of Object.keys(require.cache)) {
    const at = file.lastIndexOf(marker);
    if (at >= 0) roots.add(file.slice(0, at + marker.length - 1));
  }
  return [...roots];
}

/**
 * The file `require(name)` loads from the copy in `root`: resolved by the package's name from the
 * folder that holds its `node_modules`, so that its `exports` (`require` condition) apply (a
 * package whose `main` is its ES module entry, `@google/genai`'s, has its CommonJS one there).
 */
function mainFile(root: string, name: string): string | undefined {
  const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}`;
  try {
    if (root.endsWith(marker)) return require.resolve(name, { paths: [root.slice(0, -marker.length) || sep] });
  } catch {
    // resolved below, by the folder
  }
  try {
    return require.resolve(root);
  } catch {
    return undefined;
  }
}

function cachedExports(file: string | undefined): unknown {
  const cached = file === undefined ? undefined : require.cache[file];
  return cached?.loaded ? cached.exports : undefined;
}

function packageVersion(root: string): string | undefined {
  try {
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: unknown }).version;
    return typeof version === 'string' ? version : undefined;
  } catch {
    return undefined;
  }
}

/** The version of the copy the application's folder resolves: what an ESM `import` there gets. */
function versionFromCwd(name: string): string | undefined {
  try {
    const file = require.resolve(name, { paths: [process.cwd()] });
    const marker = `${sep}node_modules${sep}${name.split('/').join(sep)}${sep}`;
    const at = file.lastIndexOf(marker);
    return at < 0 ? undefined : packageVersion(file.slice(0, at + marker.length - 1));
  } catch {
    return undefined;
  }
}

/** Remembers the order spans start in (clock readings tie, and the SDK's are millisecond ones), and which are open. */
class StartOrder implements Tracing.SpanProcessor {
  readonly open = new Set<string>();
  private readonly started = new Map<string, number>();
  private next = 0;

  onStart(span: Tracing.Span): void {
    const id = span.spanContext().spanId;
    this.started.set(id, this.next++);
    this.open.add(id);
  }

  onEnd(span: ReadableSpan): void {
    this.open.delete(span.spanContext().spanId);
  }

  position(span: ReadableSpan): number {
    return this.started.get(span.spanContext().spanId) ?? Number.MAX_SAFE_INTEGER;
  }

  forgetEnded(): void {
    for (const id of this.started.keys()) if (!this.open.has(id)) this.started.delete(id);
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

function buildTree(spans: readonly ReadableSpan[], order: StartOrder, options: TreeOptions): SpanNode[] {
  const keep = options.attributes ?? 'default';
  const keys = keep === 'all' ? undefined : new Set(keep === 'default' ? DEFAULT_TREE_ATTRIBUTES : keep);
  if (options.cost === true) keys?.add(ATTR_USAGE_COST).add(ATTR_USAGE_COST_SOURCE);
  const nodes = new Map<string, { span: ReadableSpan; node: SpanNode; children: ReadableSpan[] }>();
  for (const span of spans) {
    const attributes: Record<string, AttributeValue> = {};
    for (const [key, value] of Object.entries(span.attributes)) {
      if (value === undefined || (keys !== undefined && !keys.has(key))) continue;
      attributes[key] = Array.isArray(value) ? ([...value] as AttributeValue) : value;
    }
    nodes.set(span.spanContext().spanId, { span, node: { name: span.name, attributes, children: [] }, children: [] });
  }
  const roots: ReadableSpan[] = [];
  for (const { span } of nodes.values()) {
    const parent = span.parentSpanContext === undefined ? undefined : nodes.get(span.parentSpanContext.spanId);
    (parent?.children ?? roots).push(span);
  }
  const byStart = (a: ReadableSpan, b: ReadableSpan) =>
    order.position(a) - order.position(b) || a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1];
  const build = (span: ReadableSpan): SpanNode => {
    const entry = nodes.get(span.spanContext().spanId)!;
    entry.node.children = entry.children.sort(byStart).map(build);
    return entry.node;
  };
  return roots.sort(byStart).map(build);
}
