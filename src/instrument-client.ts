/**
 * `instrumentClient(client)`: traces one SDK client, for apps that a bundler (esbuild, webpack,
 * Next.js) built into one file. The bundle carries its own copy of `@anthropic-ai/sdk` or `openai`,
 * which is never loaded through `require` or `import`, so the module hooks never see it.
 *
 * Nothing is patched on a prototype: the client's own resource objects (`client.messages`,
 * `client.chat.completions`, …) get own properties that shadow the prototype's methods, so other
 * clients and other copies of the SDK stay as they are. The spans are the module hooks' very own:
 * an instrumentation (AnthropicInstrumentation / OpenAIInstrumentation, built with `enabled: false`
 * so that it registers no module hook) is handed stand-in module exports through its public module
 * definition, wraps the stand-ins' methods with its usual wrappers, and those wrapped methods are
 * what the client's resources call. A stand-in method calls, with the resource as `this`, the
 * method the resource had before we shadowed it.
 *
 * One such instrumentation per client kind serves every instrumented client, whatever their
 * number and options: a client's options are its own `CallSettings`, which its shadowed methods
 * put in force while they run (`callWith`), so each client's spans follow its own options and
 * nothing is kept per client beyond what the client itself holds (a client made per request, with
 * an inline `redact` hook, leaves nothing behind).
 */
import { diag, metrics } from '@opentelemetry/api';
import type { MeterProvider } from '@opentelemetry/api';
import { AnthropicInstrumentation, MODULE as ANTHROPIC_MODULE } from './anthropic/instrumentation';
import type { AnthropicInstrumentationConfig, OpenAIInstrumentationConfig } from './config';
import { beneathOthers, CallSettings, isOurs, warnDisplaced } from './genai-instrumentation';
import { MODULE as OPENAI_MODULE, OpenAIInstrumentation } from './openai/instrumentation';

/** The options of both instrumentations (content capture, semconv, …); each client kind reads its own. */
export type InstrumentClientConfig = Omit<AnthropicInstrumentationConfig & OpenAIInstrumentationConfig, 'enabled'>;

type Method = (this: unknown, ...args: unknown[]) => unknown;
type Fields = Record<string, unknown>;

/** The methods each instrumented resource had before we shadowed them, by name. */
const originals = new WeakMap<object, Map<string, Method>>();

function fields(value: unknown): Fields | undefined {
  return typeof value === 'object' && value !== null ? (value as Fields) : undefined;
}

/** What `target[name]` was before we shadowed it (or, called on another object, what it inherits). */
function originalMethod(target: unknown, name: string): Method {
  const recorded = fields(target) === undefined ? undefined : originals.get(target as object)?.get(name);
  if (recorded !== undefined) return recorded;
  // Not a resource we shadowed (a method called on another object): the method it inherits, as
  // the SDK would run it. Like the SDK, this throws a TypeError for an undefined `this`.
  return (Object.getPrototypeOf(target) as Fields)[name] as Method;
}

/** A stand-in for an SDK method: the instrumentation wraps it, and it runs the resource's own method. */
function standIn(name: string): Method {
  return function standInMethod(this: unknown, ...args: unknown[]) {
    return originalMethod(this, name).apply(this, args);
  };
}

/** The instrumentation driving the instrumented clients of one kind, and the traced methods it made. */
interface Tracing {
  instrumentation: AnthropicInstrumentation | OpenAIInstrumentation;
  /** The global meter provider the instrumentation's instruments come from. */
  meterProvider: MeterProvider;
  traced: Record<string, Method | undefined>;
  /** The stand-in module exports, and the SDK versions they were patched for (each checked once). */
  exports: Fields;
  standIns: Record<string, Fields>;
  versions: Set<string | undefined>;
  /** The settings of clients instrumented without options. */
  defaults: CallSettings | undefined;
  /** Settings by the options object they were made from: clients instrumented with one object share them. */
  byOptions: WeakMap<object, CallSettings>;
}

/** The settings a client instrumented with `config` runs under (a copy of its options, as they are now). */
function settingsFor(tracing: Tracing, config: InstrumentClientConfig | undefined): CallSettings {
  const options = fields(config);
  if (options === undefined) return (tracing.defaults ??= new CallSettings({}));
  let settings = tracing.byOptions.get(options);
  if (settings === undefined) tracing.byOptions.set(options, (settings = new CallSettings({ ...options, enabled: false })));
  return settings;
}

/** Runs `method` as the client's: under its settings. */
function callAs(tracing: Tracing, settings: CallSettings, method: Method, thisArg: unknown, args: unknown[]): unknown {
  return (tracing.instrumentation as unknown as { callWith(settings: CallSettings, method: Method, thisArg: unknown, args: unknown[]): unknown }).callWith(
    settings,
    method,
    thisArg,
    args,
  );
}

/**
 * The API has no proxy meter provider (unlike tracers and loggers): instruments made before an app
 * registers its provider stay no-ops. Each call picks up a provider registered since.
 */
function refreshMeter(tracing: Tracing): void {
  try {
    const current = metrics.getMeterProvider();
    if (current !== tracing.meterProvider) {
      tracing.meterProvider = current;
      tracing.instrumentation.setMeterProvider(current);
    }
  } catch (problem) {
    diag.error('otel-genai: could not pick up the global meter provider', problem);
  }
}

/** The method a resource gets as its own: the traced one, run under the client's settings, named as the SDK's. */
function shadowMethod(tracing: Tracing, settings: CallSettings, name: string, traced: Method, after?: (result: unknown) => unknown): Method {
  const shadow = function (this: unknown, ...args: unknown[]) {
    refreshMeter(tracing);
    const result = callAs(tracing, settings, traced, this, args);
    return after === undefined ? result : after(result);
  };
  Object.defineProperty(shadow, 'name', { value: name });
  return shadow;
}

/**
 * Gives `resource` its own `name` that runs `shadow`, remembering the method it had. Leaves alone a
 * method we already shadowed and one our module hook already wrapped (shadowing it too would trace
 * each call twice). Another instrumentation's wrappers are left out of this client's calls, which
 * we trace in their place, as the module hook does.
 */
function shadowOn(resource: unknown, name: string, shadow: Method | undefined): void {
  const target = fields(resource);
  const current = target?.[name];
  if (target === undefined || shadow === undefined || typeof current !== 'function') return;
  let methods = originals.get(target);
  if (methods?.has(name)) return;
  const original = beneathOthers(current);
  if (isOurs(original)) {
    diag.debug(`otel-genai: instrumentClient() leaves ${name}() to the module hook that already traces it`);
    return;
  }
  try {
    Object.defineProperty(target, name, { value: shadow, writable: true, configurable: true, enumerable: false });
  } catch (problem) {
    diag.warn(`otel-genai: instrumentClient() could not trace ${name}() on this client`, problem);
    return;
  }
  if (original !== current) warnDisplaced(`${name}() of a client given to instrumentClient()`);
  if (methods === undefined) originals.set(target, (methods = new Map()));
  methods.set(name, original as Method);
}

/**
 * Hands the instrumentation the stand-in module exports for an SDK version not seen yet (its check
 * warns about an untested one), and keeps the stand-ins it wrapped.
 */
function wrapStandIns(tracing: Tracing, module: string, version: string | undefined): void {
  if (tracing.versions.has(version)) return;
  tracing.versions.add(version);
  const definition = tracing.instrumentation.getModuleDefinitions().find((candidate) => candidate.name === module);
  definition?.patch?.(tracing.exports, version);
  for (const [key, holder] of Object.entries(tracing.standIns)) {
    for (const [name, method] of Object.entries(holder)) {
      // A stand-in the instrumentation did not wrap would run untraced: it is not used.
      tracing.traced[`${key}.${name}`] = isOurs(method) ? (method as unknown as Method) : undefined;
    }
  }
  if (!Object.values(tracing.traced).some(Boolean)) diag.warn(`otel-genai: instrumentClient() found nothing to trace with for ${module} clients`);
}

/** The SDK version a client reports in its User-Agent (`Anthropic/JS 1.2.3`), for the version check. */
function versionOf(client: Fields): string | undefined {
  try {
    const agent = typeof client.getUserAgent === 'function' ? (client.getUserAgent as () => unknown).call(client) : undefined;
    return typeof agent === 'string' ? /(\d+\.\d+\.\d+\S*)$/.exec(agent)?.[1] : undefined;
  } catch {
    return undefined;
  }
}

function newTracing(instrumentation: AnthropicInstrumentation | OpenAIInstrumentation, exports: Fields, standIns: Record<string, Fields>): Tracing {
  return {
    instrumentation,
    meterProvider: metrics.getMeterProvider(),
    traced: {},
    exports,
    standIns,
    versions: new Set(),
    defaults: undefined,
    byOptions: new WeakMap(),
  };
}

/** What the thread stand-in returns to the instrumentation's thread wrapper (see anthropicTracing). */
class BoxedThread {
  constructor(readonly thread: unknown) {}
}

/** The Anthropic tracing: `messages.create`, `beta.messages.create`, `toolRunner`, `thread`. */
function anthropicTracing(): Tracing {
  const messages = { create: standIn('create') };
  const beta = {
    create: standIn('create'),
    toolRunner: standIn('toolRunner'),
    // The instrumentation's thread wrapper traces the thread's tools, then wraps `toolRunner` on the
    // prototype of what the method returned. The stand-in returns the thread in a box whose
    // prototype has no `toolRunner`, so BetaMessageThread.prototype stays as it is; the shadowed
    // thread() unboxes it and shadows the thread's own toolRunner() instead.
    thread: function thread(this: unknown, ...args: unknown[]) {
      return new BoxedThread(originalMethod(this, 'thread').apply(this, args));
    } as Method,
  };
  const exports = { Anthropic: { Messages: { prototype: messages }, Beta: { Messages: { prototype: beta } } } };
  return newTracing(new AnthropicInstrumentation({ enabled: false }), exports, { messages, beta });
}

function instrumentAnthropic(tracing: Tracing, settings: CallSettings, client: Fields): void {
  wrapStandIns(tracing, ANTHROPIC_MODULE, versionOf(client));
  const { traced } = tracing;
  const create = traced['messages.create'];
  const betaCreate = traced['beta.create'];
  const toolRunner = traced['beta.toolRunner'];
  const thread = traced['beta.thread'];
  shadowOn(client.messages, 'create', create && shadowMethod(tracing, settings, 'create', create));
  const betaMessages = fields(fields(client.beta)?.messages);
  shadowOn(betaMessages, 'create', betaCreate && shadowMethod(tracing, settings, 'create', betaCreate));
  shadowOn(betaMessages, 'toolRunner', toolRunner && shadowMethod(tracing, settings, 'toolRunner', toolRunner));
  if (thread !== undefined && toolRunner !== undefined) {
    // A thread's toolRunner() and fork() are traced on the thread itself, and on each fork.
    const threadRunner = shadowMethod(tracing, settings, 'toolRunner', toolRunner);
    const instrumentThread = (made: unknown): unknown => {
      shadowOn(made, 'toolRunner', threadRunner);
      shadowOn(made, 'fork', tracedFork);
      return made;
    };
    const tracedFork: Method = shadowMethod(tracing, settings, 'fork', standIn('fork'), instrumentThread);
    const unbox = (result: unknown) => instrumentThread(result instanceof BoxedThread ? result.thread : result);
    shadowOn(betaMessages, 'thread', shadowMethod(tracing, settings, 'thread', thread, unbox));
  }
}

/** The OpenAI tracing: chat completions `create` and `runTools`, responses and embeddings `create`. */
function openAITracing(): Tracing {
  const completions = { create: standIn('create'), runTools: standIn('runTools') };
  const responses = { create: standIn('create') };
  const embeddings = { create: standIn('create') };
  const OpenAI = {
    Chat: { Completions: { prototype: completions } },
    Responses: { prototype: responses },
    Embeddings: { prototype: embeddings },
  };
  return newTracing(new OpenAIInstrumentation({ enabled: false }), { OpenAI }, { completions, responses, embeddings });
}

function instrumentOpenAI(tracing: Tracing, settings: CallSettings, client: Fields): void {
  wrapStandIns(tracing, OPENAI_MODULE, versionOf(client));
  const { traced } = tracing;
  const chatCreate = traced['completions.create'];
  const runTools = traced['completions.runTools'];
  const responsesCreate = traced['responses.create'];
  const embeddingsCreate = traced['embeddings.create'];
  const beta = fields(client.beta);
  shadowOn(fields(client.chat)?.completions, 'create', chatCreate && shadowMethod(tracing, settings, 'create', chatCreate));
  const tracedRunTools = runTools && shadowMethod(tracing, settings, 'runTools', runTools);
  shadowOn(fields(client.chat)?.completions, 'runTools', tracedRunTools);
  // openai 4.x keeps runTools() on beta.chat.completions.
  shadowOn(fields(beta?.chat)?.completions, 'runTools', tracedRunTools);
  const tracedResponses = responsesCreate && shadowMethod(tracing, settings, 'create', responsesCreate);
  shadowOn(client.responses, 'create', tracedResponses);
  shadowOn(beta?.responses, 'create', tracedResponses);
  shadowOn(client.embeddings, 'create', embeddingsCreate && shadowMethod(tracing, settings, 'create', embeddingsCreate));
}

const hasMethod = (value: unknown, name: string) => typeof fields(value)?.[name] === 'function';

function isOpenAIClient(client: Fields): boolean {
  return (
    hasMethod(fields(client.chat)?.completions, 'create') ||
    hasMethod(client.responses, 'create') ||
    hasMethod(client.embeddings, 'create')
  );
}

function isAnthropicClient(client: Fields): boolean {
  return hasMethod(client.messages, 'create');
}

/** Made on first use: one instrumentation per client kind, whatever the number of clients and options. */
let anthropic: Tracing | undefined;
let openAI: Tracing | undefined;

/**
 * Traces one `@anthropic-ai/sdk` client (`Anthropic`, `AnthropicBedrock`, `AnthropicVertex`) or one
 * `openai` client (`OpenAI`, `AzureOpenAI`) with the spans the module hooks make, for apps whose
 * bundler inlined the SDK where no module hook sees it. Returns the same client. Its own resource
 * objects are instrumented, never a prototype: other clients stay untraced. Instrumenting a client
 * twice changes nothing (the first config stays); a method our module hook already traces is left
 * to it, and another instrumentation's wrapper of a method is left out of this client's calls. An
 * unrecognised client is returned untouched, with a `diag` warning. Never throws.
 *
 * `config` takes the instrumentations' options (`captureMessageContent`, `semconv`,
 * `requestStreamUsage`, `preferNativeSpans`, …); `enabled` does not apply.
 *
 * Spans go to the global tracer provider (as registered by `NodeSDK.start()`), whether it is
 * registered before or after this call; metrics to the global meter provider.
 */
export function instrumentClient<Client>(client: Client, config?: InstrumentClientConfig): Client {
  try {
    const target = fields(client);
    const isOpenAI = target !== undefined && isOpenAIClient(target);
    const isAnthropic = target !== undefined && isAnthropicClient(target);
    if (target === undefined || (!isOpenAI && !isAnthropic)) {
      diag.warn('otel-genai: instrumentClient() does not recognise this client (neither an Anthropic nor an OpenAI SDK client); it is left untraced');
      return client;
    }
    if (isAnthropic) {
      const tracing = (anthropic ??= anthropicTracing());
      instrumentAnthropic(tracing, settingsFor(tracing, config), target);
    }
    if (isOpenAI) {
      const tracing = (openAI ??= openAITracing());
      instrumentOpenAI(tracing, settingsFor(tracing, config), target);
    }
  } catch (problem) {
    diag.error('otel-genai: instrumentClient() could not instrument a client', problem);
  }
  return client;
}
