/**
 * `instrumentClient()` for `@anthropic-ai/sdk` clients (`Anthropic`, `AnthropicBedrock`,
 * `AnthropicVertex`): `messages.create`, `beta.messages.create`, `toolRunner`, `thread` (see
 * client-tracing.ts for the machinery).
 */
import type { ClientSupport, Fields, Method, Tracing } from '../client-tracing';
import { asRecord } from '../values';
import { hasMethod, newTracing, originalMethod, shadowMethod, shadowOn, standIn, versionOf, wrapStandIns } from '../client-tracing';
import type { CallSettings } from '../telemetry-instrumentation';
import { AnthropicInstrumentation, MODULE } from './instrumentation';

/** What the thread stand-in returns to the instrumentation's thread wrapper (see `tracing`). */
class BoxedThread {
  constructor(readonly thread: unknown) {}
}

function tracing(): Tracing {
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

function instrument(tracing: Tracing, settings: CallSettings, client: Fields): void {
  wrapStandIns(tracing, MODULE, versionOf(client));
  const { traced } = tracing;
  const create = traced['messages.create'];
  const betaCreate = traced['beta.create'];
  const toolRunner = traced['beta.toolRunner'];
  const thread = traced['beta.thread'];
  shadowOn(client.messages, 'create', create && shadowMethod(tracing, settings, 'create', create));
  const betaMessages = asRecord(asRecord(client.beta)?.messages);
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

export const anthropicClients: ClientSupport = {
  module: MODULE,
  describes: 'an Anthropic SDK client',
  recognises: (client) => hasMethod(client.messages, 'create'),
  tracing,
  instrument,
};
