/**
 * The subscriber of the AI SDK's `ai:telemetry` TracingChannel (ai >= 7): what each operation it
 * publishes becomes in our tree.
 *
 * | channel operation | span |
 * |---|---|
 * | `generateText`, `streamText` (and `ToolLoopAgent`, `Output` helpers, which run on them) | `invoke_agent {functionId}` when the run has tools it executes (an agent loop); none otherwise |
 * | `step` | none: the conventions have no step span. A step bounds its model call's retries (below) |
 * | `languageModelCall` | `chat {model}` CLIENT (`text_completion` for OpenAI's legacy completions) |
 * | `executeTool` | `execute_tool {name}`, through `runOwnedTool` (tools.ts) |
 * | `embed`, `embedMany` | `embeddings {model}` CLIENT, the provider calls of `embedMany`'s chunks inside |
 * | `experimental_extract`, `experimental_decide` | `chat {model}` CLIENT: one model call each |
 * | `rerank`, speech, transcription | none: no GenAI operation for them |
 *
 * Context: the channel's `start` is bound to the OpenTelemetry context (context-store.ts), with a
 * transform that starts the operation's span and returns its context; Node runs the operation in
 * it. So our spans nest under the app's active span and under each other, and what an operation
 * does (the provider's `fetch`, an `openai` / MCP call inside a tool) nests under its span.
 *
 * Retries: the AI SDK retries a failed model call (an `APICallError` marked retryable) as a new
 * `languageModelCall` in the same step. A call that fails that way stays open: the next attempt in
 * its run continues it (one span per logical call, retries inside, as for the SDK-level providers);
 * when none comes, it ends with its error when its step (or run) ends.
 *
 * Streams: a streamed model call's operation ends when the provider returns its stream, which the
 * AI SDK reads afterwards. We put a pass-through of it in its place (model-call.ts `tapStream`: the
 * same parts, in the same order, read only as the AI SDK reads them) and end the span from its parts.
 * A run or step that ends while one of its model calls is still open (an abort, a stream the AI SDK
 * did not hand us) ends that call too: with the run's error, if it failed. An app that stops reading
 * a streamText early (`break`): the AI SDK reads the model's stream on, so the model call ends as
 * usual, but it never ends the run; the run ends, marked abandoned, when the app drops it (see
 * RunState) or at exit.
 *
 * @ai-sdk/otel: a run it traces is left to it (sdk-otel.ts), said once through `diag`.
 *
 * Nothing here throws into the app: the transform and the handlers report failures to `diag` (a
 * throwing subscriber would surface as an uncaught exception, and a throwing transform too).
 */
import * as diagnosticsChannel from 'node:diagnostics_channel';
import { context, trace } from '@opentelemetry/api';
import type { Attributes, Context, DiagLogger, Link } from '@opentelemetry/api';
import { heldBy, released } from '../abandonment';
import type { Holder } from '../abandonment';
import { AgentRun, agentRunOf } from '../agent';
import type { CallSettings } from '../telemetry-instrumentation';
import { ownError } from '../errors';
import type { ContentMapping } from '../content';
import type { CallTelemetry } from '../inference-call';
import {
  ATTR_ABANDONED,
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_REASONING_LEVEL,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_OPENAI_API_TYPE,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_OPERATION_EMBEDDINGS,
  putAttribute,
} from '../semconv';
import { inferToolSpans, runOwnedTool, toolCallLedger } from '../tools';
import type { ToolCallOptions } from '../tools';
import { asRecord, finiteNumber, nonEmptyString, putNumber, stringArray } from '../values';
import { languageModelContent, toolResultsOf } from './content';
import { contextStore } from './context-store';
import { AISDKModelCall, isAbort, isRetryable, StreamObserver, tapStream } from './model-call';
import { languageOperation, openAIApiType, providerName } from './provider';
import { sdkOpenTelemetryRegistered } from './sdk-otel';

/** The channel `ai` 7 publishes on (`AI_SDK_TELEMETRY_TRACING_CHANNEL`). */
export const AI_SDK_CHANNEL = 'ai:telemetry';

type Fields = Record<string, unknown>;

/** What the channel publishes: `{ type, event }`, then `result` or `error` on the same object. */
interface Message {
  type?: unknown;
  event?: unknown;
  result?: unknown;
  error?: unknown;
}

/** What the subscriber needs of its instrumentation: the settings and telemetry in force now. */
export interface SubscriberHost {
  readonly settings: CallSettings;
  readonly telemetry: CallTelemetry;
  readonly diag: DiagLogger;
}

/**
 * One `generateText` / `streamText` run, by its `callId`. It is held, as a model call the app holds
 * is (abandonment.ts: `holder`, `abandon()`), by the channel's context object of the run, which the
 * AI SDK keeps until the run ends: a streamText whose stream the app stops reading (a `break`) and
 * drops never ends in the AI SDK, and its run ends, marked abandoned, when that object is collected,
 * or at exit with the calls the app still holds.
 */
class RunState {
  /** Read by abandonment.ts. */
  holder: Holder | undefined;
  /** Set by the subscriber: ends the run as abandoned (called by abandonment.ts). */
  abandon: () => void = () => {};
  /** The run's own operation, weakly (a strong reference would keep it from being collected). */
  operation: WeakRef<object> | undefined;
  /** Traced by @ai-sdk/otel: nothing of it is ours. */
  standDown = false;
  agent: AgentRun | undefined;
  /** A model call whose attempt failed retryably, which the next attempt continues. */
  pendingRetry: AISDKModelCall | undefined;
  /** Model calls still open (a stream being read): a run or step that ends ends them. */
  readonly open = new Set<AISDKModelCall>();
  /** Its steps' operations not yet ended: the AI SDK never ends a streamText step that an abort cut short. */
  readonly steps = new Set<object>();
  ended = false;

  constructor(
    readonly callId: string | undefined,
    readonly streaming: boolean,
    readonly event: Fields,
  ) {}
}

type Handle =
  | { kind: 'run'; run: RunState }
  | { kind: 'step'; run: RunState }
  | { kind: 'model'; call: AISDKModelCall; run: RunState | undefined }
  | { kind: 'tool'; resolve: (value: unknown) => void; reject: (error: unknown) => void }
  | { kind: 'embeddings'; call: AISDKModelCall }
  | { kind: 'single'; call: AISDKModelCall };

export class ChannelSubscriber {
  private readonly channel = diagnosticsChannel.tracingChannel(AI_SDK_CHANNEL);
  private readonly store = contextStore();
  private readonly handles = new WeakMap<object, Handle>();
  private readonly runs = new Map<string, RunState>();
  /** Operations started and not yet ended: the end handlers stay subscribed until they have ended. */
  private inFlight = 0;
  private bound = false;
  private listening = false;
  private saidStandDown = false;

  constructor(private readonly host: SubscriberHost) {}

  /** Traces what starts from now on. */
  activate(): void {
    if (!this.bound) {
      this.channel.start.bindStore(this.store as never, this.transform as never);
      this.bound = true;
    }
    if (!this.listening) {
      this.channel.end.subscribe(this.onEnd);
      this.channel.asyncEnd.subscribe(this.onAsyncEnd);
      this.listening = true;
    }
  }

  /** Traces nothing new; what is under way still ends (then the channel is left alone: the AI SDK stops publishing). */
  deactivate(): void {
    if (this.bound) {
      this.channel.start.unbindStore(this.store as never);
      this.bound = false;
    }
    this.unsubscribeIfIdle();
  }

  private unsubscribeIfIdle(): void {
    if (this.bound || !this.listening || this.inFlight > 0) return;
    this.channel.end.unsubscribe(this.onEnd);
    this.channel.asyncEnd.unsubscribe(this.onAsyncEnd);
    this.listening = false;
  }

  /** Node calls it before the operation runs; what it returns is the operation's context. */
  private readonly transform = (message: Message): Context => {
    const active = context.active();
    try {
      return this.start(message, active) ?? active;
    } catch (problem) {
      this.host.diag.error('could not trace an AI SDK operation', problem);
      return active;
    }
  };

  /** A synchronous throw: `end` with `error` set, and no `asyncEnd` to come. */
  private readonly onEnd = (message: unknown): void => {
    if (typeof message === 'object' && message !== null && 'error' in message) this.onAsyncEnd(message);
  };

  private readonly onAsyncEnd = (message: unknown): void => {
    if (typeof message !== 'object' || message === null) return;
    const handle = this.handles.get(message);
    if (handle === undefined) return;
    this.handles.delete(message);
    this.inFlight--;
    try {
      this.finish(handle, message as Message);
    } catch (problem) {
      this.host.diag.error('could not read the end of an AI SDK operation', problem);
      // Its span still ends, without what could not be read.
      this.endRegardless(handle);
    } finally {
      if (!this.bound) this.unsubscribeIfIdle();
    }
  };

  /** Ends what `handle` holds open, with nothing more said (the end could not be read). */
  private endRegardless(handle: Handle): void {
    try {
      switch (handle.kind) {
        case 'run':
          if (!handle.run.ended) this.endRun(handle.run, false, undefined);
          return;
        case 'step':
          return this.settleOpenCalls(handle.run, false, undefined);
        case 'tool':
          return handle.resolve(undefined);
        default:
          if (!handle.call.isEnded) handle.call.end();
      }
    } catch (problem) {
      this.host.diag.error('could not end the span of an AI SDK operation', problem);
    }
  }

  private hold(message: Message, handle: Handle): void {
    this.handles.set(message, handle);
    this.inFlight++;
  }

  private start(message: Message, parent: Context): Context | undefined {
    const event = asRecord(message.event);
    if (event === undefined) return undefined;
    switch (message.type) {
      case 'generateText':
      case 'streamText':
        return this.startRun(message, event, parent);
      case 'step':
        return this.startStep(message, event);
      case 'languageModelCall':
        return this.startModelCall(message, event, parent);
      case 'executeTool':
        return this.startTool(message, event, parent);
      case 'embed':
      case 'embedMany':
        return this.startEmbeddings(message, event, parent);
      case 'experimental_extract':
      case 'experimental_decide':
        return this.startSingleCall(message, event, parent);
      default:
        return undefined;
    }
  }

  private finish(handle: Handle, message: Message): void {
    const failed = 'error' in message;
    switch (handle.kind) {
      case 'run':
        return this.endRun(handle.run, failed, message.error);
      case 'step':
        handle.run.steps.delete(message);
        return this.settleOpenCalls(handle.run, failed, message.error);
      case 'model':
        return this.endModelCall(handle.call, handle.run, failed, message);
      case 'tool':
        return this.endTool(handle, failed, message);
      case 'embeddings':
        return this.endEmbeddings(handle.call, failed, message);
      case 'single':
        return this.endSingleCall(handle.call, failed, message);
    }
  }

  private runOf(event: Fields): RunState | undefined {
    const callId = nonEmptyString(event.callId);
    return callId === undefined ? undefined : this.runs.get(callId);
  }

  /** Whether @ai-sdk/otel traces what starts now; said once. */
  private leftToSDKOpenTelemetry(): boolean {
    if (!sdkOpenTelemetryRegistered()) return false;
    if (!this.saidStandDown) {
      this.saidStandDown = true;
      this.host.diag.info(
        '@ai-sdk/otel is registered (registerTelemetry): the AI SDK runs it traces are left to it, and otel-genai makes no spans or metrics for them',
      );
    }
    return true;
  }

  // Runs and steps.

  private startRun(message: Message, event: Fields, parent: Context): Context | undefined {
    const run = new RunState(nonEmptyString(event.callId), message.type === 'streamText', event);
    if (run.callId !== undefined) this.runs.set(run.callId, run);
    this.hold(message, { kind: 'run', run });
    if (this.leftToSDKOpenTelemetry()) {
      run.standDown = true;
      return undefined;
    }
    run.agent = agentFor(event, parent);
    run.abandon = () => this.abandonRun(run);
    run.operation = new WeakRef(message);
    heldBy(message as object, run, run.streaming ? 'stream' : 'promise');
    return run.agent?.context;
  }

  private startStep(message: Message, event: Fields): undefined {
    const run = this.runOf(event);
    if (run !== undefined && !run.standDown) {
      this.hold(message, { kind: 'step', run });
      run.steps.add(message);
    }
    return undefined;
  }

  private endRun(run: RunState, failed: boolean, error: unknown): void {
    if (run.ended) return;
    run.ended = true;
    released(run);
    try {
      this.forget(run);
      this.settleOpenCalls(run, failed, error);
    } finally {
      // A consumer that cancels a streamText's stream ends the run with an AbortError of the AI SDK's own: no failure.
      run.agent?.end(failed && !isConsumerCancel(error) ? error : undefined);
    }
  }

  /** A step or run has ended: its model call awaiting a retry ends with its error; its open calls end (with `error` when it failed). */
  private settleOpenCalls(run: RunState, failed: boolean, error: unknown): void {
    const pending = run.pendingRetry;
    if (pending !== undefined) {
      run.pendingRetry = undefined;
      pending.failWith(pending.pendingError);
    }
    for (const call of run.open) {
      run.open.delete(call);
      if (call.isEnded) continue;
      if (failed && !isConsumerCancel(error)) call.failWith(error);
      else call.end();
    }
  }

  /** The run has ended: no longer found by its id, and its steps that will never end are let go. */
  private forget(run: RunState): void {
    if (run.callId !== undefined && this.runs.get(run.callId) === run) this.runs.delete(run.callId);
    for (const step of run.steps) {
      if (this.handles.delete(step)) this.inFlight--;
    }
    run.steps.clear();
  }

  /** The app dropped the run unfinished (see RunState): it ends, and what it left open, marked abandoned. */
  private abandonRun(run: RunState): void {
    if (run.ended) return;
    run.ended = true;
    released(run);
    // Its operation will not end: it is no longer under way. (Collected, it has left the map already.)
    const operation = run.operation?.deref();
    if (operation !== undefined && this.handles.delete(operation)) this.inFlight--;
    else if (operation === undefined) this.inFlight--;
    try {
      this.forget(run);
      const pending = run.pendingRetry;
      run.pendingRetry = undefined;
      pending?.failWith(pending.pendingError);
      for (const call of run.open) call.abandon();
      run.open.clear();
    } finally {
      const agent = run.agent;
      if (agent !== undefined) {
        try {
          agent.span.setAttribute(ATTR_ABANDONED, true);
        } finally {
          agent.end();
        }
      }
    }
  }

  // Model calls.

  private startModelCall(message: Message, event: Fields, parent: Context): Context | undefined {
    const run = this.runOf(event);
    if (run?.standDown) return undefined;
    const retried = run?.pendingRetry;
    if (run !== undefined && retried !== undefined && !retried.isEnded) {
      // The next attempt of a call that failed retryably: the same span.
      run.pendingRetry = undefined;
      retried.pendingError = undefined;
      this.hold(message, { kind: 'model', call: retried, run });
      return retried.bound;
    }
    const { settings, telemetry } = this.host;
    let links: Link[] | undefined;
    if (toolCallLedger.size > 0) {
      try {
        links = inferToolSpans(telemetry.tracer, toolResultsOf(event.messages), parent);
      } catch (problem) {
        this.host.diag.error('could not infer the tool calls answered in an AI SDK request', problem);
      }
    }
    const request = languageRequestAttributes(event, run);
    const operation = languageOperation(event.provider);
    const call = startCall(settings, telemetry, event, parent, operation, request, languageModelContent, links?.length ? links : undefined);
    if (run !== undefined) call.onAbandoned = () => this.abandonRun(run);
    this.hold(message, { kind: 'model', call, run });
    return call.bound;
  }

  private endModelCall(call: AISDKModelCall, run: RunState | undefined, failed: boolean, message: Message): void {
    if (failed) {
      if (run !== undefined && !run.ended && isRetryable(message.error)) {
        call.pendingError = message.error;
        run.pendingRetry = call;
        return;
      }
      call.failWith(message.error);
      return;
    }
    const result = asRecord(message.result);
    if (result !== undefined && result.stream instanceof ReadableStream) {
      call.setServer(asRecord(result.request)?.url);
      if (this.tap(call, result)) {
        run?.open.add(call);
        return;
      }
      call.end();
      return;
    }
    if (result !== undefined) {
      call.applyResult(result);
      call.end();
      return;
    }
    // No result published (the app set `recordInputs` or `recordOutputs` to false): a stream ends with its step.
    if (run !== undefined && run.streaming && !run.ended) {
      run.open.add(call);
      return;
    }
    call.end();
  }

  /** Puts a pass-through of the result's stream in its place; false (the stream left untouched) if it cannot be replaced. */
  private tap(call: AISDKModelCall, result: Fields): boolean {
    if (!isSettable(result, 'stream')) return false;
    const tapped = tapStream(result.stream as ReadableStream<unknown>, new StreamObserver(call));
    result.stream = tapped;
    if (result.stream !== tapped) return false;
    heldBy(tapped, call, 'stream');
    return true;
  }

  // Tools.

  private startTool(message: Message, event: Fields, parent: Context): Context | undefined {
    const run = this.runOf(event);
    if (run?.standDown) return undefined;
    const toolCall = asRecord(event.toolCall);
    const name = nonEmptyString(toolCall?.toolName) ?? 'unknown';
    const tool = asRecord(asRecord(run?.event.tools)?.[name]);
    const options: ToolCallOptions = {
      name,
      callId: nonEmptyString(toolCall?.toolCallId),
      description: nonEmptyString(tool?.description),
    };
    if (toolCall?.input !== undefined) options.arguments = toolCall.input;
    let resolve: (value: unknown) => void = () => {};
    let reject: (error: unknown) => void = () => {};
    const outcome = new Promise<unknown>((onValue, onError) => {
      resolve = onValue;
      reject = onError;
    });
    let inner = parent;
    // The tool's span, its content settings (ours), its fingerprint, the run's tool count and the
    // tool metric are runOwnedTool's: the span ends when `outcome` settles, at the operation's end.
    const traced = runOwnedTool(this.host.settings.toolContent, options, () => {
      inner = context.active();
      return outcome;
    });
    traced.then(undefined, () => {});
    this.hold(message, { kind: 'tool', resolve, reject });
    return inner;
  }

  private endTool(
    handle: { resolve: (value: unknown) => void; reject: (error: unknown) => void },
    failed: boolean,
    message: Message,
  ): void {
    if (failed) {
      handle.reject(message.error ?? ownError('the tool call failed'));
      return;
    }
    // A tool that throws ends the operation with a `tool-error` output, not an error.
    const output = asRecord(asRecord(message.result)?.output);
    if (output?.type === 'tool-error') handle.reject(output.error ?? ownError('the tool call failed'));
    else handle.resolve(output?.output);
  }

  // Embeddings and single model calls.

  private startEmbeddings(message: Message, event: Fields, parent: Context): Context | undefined {
    if (this.leftToSDKOpenTelemetry()) return undefined;
    const { settings, telemetry } = this.host;
    const request: Attributes = {};
    putNumber(request, ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, event.dimensions);
    const call = startCall(settings, telemetry, event, parent, GEN_AI_OPERATION_EMBEDDINGS, request, undefined, undefined);
    this.hold(message, { kind: 'embeddings', call });
    return call.bound;
  }

  private endEmbeddings(call: AISDKModelCall, failed: boolean, message: Message): void {
    if (failed) {
      call.failWith(message.error);
      return;
    }
    const result = asRecord(message.result);
    const tokens = finiteNumber(asRecord(result?.usage)?.tokens);
    if (tokens !== undefined) call.inputTokens = tokens;
    call.end();
  }

  private startSingleCall(message: Message, event: Fields, parent: Context): Context | undefined {
    if (this.leftToSDKOpenTelemetry()) return undefined;
    const { settings, telemetry } = this.host;
    const request: Attributes = {};
    putNumber(request, ATTR_GEN_AI_REQUEST_MAX_TOKENS, event.maxOutputTokens);
    putReasoning(request, event.reasoning);
    const call = startCall(settings, telemetry, event, parent, GEN_AI_OPERATION_CHAT, request, undefined, undefined);
    this.hold(message, { kind: 'single', call });
    return call.bound;
  }

  private endSingleCall(call: AISDKModelCall, failed: boolean, message: Message): void {
    if (failed) {
      call.failWith(message.error);
      return;
    }
    const result = asRecord(message.result);
    const usage = asRecord(result?.usage);
    const input = finiteNumber(usage?.inputTokens);
    if (input !== undefined) call.inputTokens = input;
    const output = finiteNumber(usage?.outputTokens);
    if (output !== undefined) call.outputTokens = output;
    call.applyResponse(result?.response);
    call.end();
  }
}

/** The run's `invoke_agent`: for a run with tools it executes, unless the app's own agent (`withAgent`) is what it runs directly in. */
function agentFor(event: Fields, parent: Context): AgentRun | undefined {
  if (!hasExecutableTools(event.tools)) return undefined;
  const outer = agentRunOf(parent);
  if (outer !== undefined && trace.getSpan(parent) === outer.span) return undefined;
  return new AgentRun({ name: nonEmptyString(event.functionId) }, parent);
}

function hasExecutableTools(tools: unknown): boolean {
  const set = asRecord(tools);
  if (set === undefined) return false;
  for (const key of Object.keys(set)) {
    if (typeof asRecord(set[key])?.execute === 'function') return true;
  }
  return false;
}

/** The attributes samplers see: operation, provider (with its legacy alias in compat mode), model. */
function startAttributes(operation: string, event: Fields, settings: CallSettings): Attributes {
  const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: operation };
  putAttribute(attributes, ATTR_GEN_AI_PROVIDER_NAME, providerName(event.provider), settings.semconvMode);
  const model = nonEmptyString(event.modelId);
  if (model !== undefined) attributes[ATTR_GEN_AI_REQUEST_MODEL] = model;
  return attributes;
}

/**
 * A model call's span, named by its operation and model, started in `parent`: the context the AI SDK
 * runs the call in.
 */
function startCall(
  settings: CallSettings,
  telemetry: CallTelemetry,
  event: Fields,
  parent: Context,
  operation: string,
  request: Attributes,
  content: ContentMapping<unknown, unknown> | undefined,
  links: Link[] | undefined,
): AISDKModelCall {
  const model = nonEmptyString(event.modelId);
  const attributes = startAttributes(operation, event, settings);
  const name = model === undefined ? operation : `${operation} ${model}`;
  return context.with(parent, () => new AISDKModelCall(settings.toolContent, telemetry, name, attributes, request, content, event, links));
}

/** `reasoning` as sent: the AI SDK's `provider-default` sends none. */
function putReasoning(target: Attributes, reasoning: unknown): void {
  const level = nonEmptyString(reasoning);
  if (level !== undefined && level !== 'provider-default') target[ATTR_GEN_AI_REQUEST_REASONING_LEVEL] = level;
}

/** A model call's settings, as the `languageModelCall` event carries them, and what its run says. */
function languageRequestAttributes(event: Fields, run: RunState | undefined): Attributes {
  const target: Attributes = {};
  putNumber(target, ATTR_GEN_AI_REQUEST_MAX_TOKENS, event.maxOutputTokens);
  putNumber(target, ATTR_GEN_AI_REQUEST_TEMPERATURE, event.temperature);
  putNumber(target, ATTR_GEN_AI_REQUEST_TOP_P, event.topP);
  putNumber(target, ATTR_GEN_AI_REQUEST_TOP_K, event.topK);
  putNumber(target, ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, event.frequencyPenalty);
  putNumber(target, ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, event.presencePenalty);
  putNumber(target, ATTR_GEN_AI_REQUEST_SEED, event.seed);
  const stop = stringArray(event.stopSequences);
  if (stop !== undefined && stop.length > 0) target[ATTR_GEN_AI_REQUEST_STOP_SEQUENCES] = stop;
  putReasoning(target, event.reasoning);
  if (run?.streaming) target[ATTR_GEN_AI_REQUEST_STREAM] = true;
  // The run's `output` (`Output.text()`, `.object()`, `.array()`, `.choice()`, `.json()`), when it asked for one.
  const output = nonEmptyString(asRecord(run?.event.output)?.name);
  if (output !== undefined) target[ATTR_GEN_AI_OUTPUT_TYPE] = output === 'text' ? 'text' : 'json';
  if (providerName(event.provider) === 'openai') {
    const api = openAIApiType(event.provider);
    if (api !== undefined) target[ATTR_OPENAI_API_TYPE] = api;
  }
  return target;
}

/** Whether `object[key]` can be assigned: a writable data property (own or inherited), or one with a setter. */
function isSettable(object: object, key: string): boolean {
  for (let target: object | null = object; target !== null; target = Object.getPrototypeOf(target) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(target, key);
    if (descriptor === undefined) continue;
    if ('value' in descriptor) return descriptor.writable === true && (target === object || Object.isExtensible(object));
    return typeof descriptor.set === 'function';
  }
  return Object.isExtensible(object);
}

/**
 * A streamText whose stream the consumer cancelled: the AI SDK rejects the run with an AbortError
 * of its own ("The stream was cancelled."); the app chose to stop, which is no failure of the run.
 */
function isConsumerCancel(error: unknown): boolean {
  return isAbort(error) && asRecord(error)?.message === 'The stream was cancelled.';
}
