/**
 * `execute_tool` spans: explicit ones (the SDK tool runners, `runTool` / `traceTool`), and inferred
 * ones for agents that dispatch tools themselves.
 *
 * Inference: when a model response asks for tool calls, their ids wait in a bounded ledger with the
 * time the response ended. When a later request carries a result for one of those ids (Anthropic
 * `tool_result`, OpenAI chat `role: "tool"`, Responses `function_call_output`) and no explicit span
 * covered it, an `execute_tool {name}` span is emitted from the end of the response that asked for
 * the call to the start of the request that answers it, marked `otel_genai.tool.inferred`. That
 * interval is an upper bound on the tool's own run time: it also holds whatever the app did between
 * the two model calls (parsing, logging, other tools run one after another). No content is kept:
 * only ids, names and argument fingerprints.
 *
 * Content (arguments and results, on explicit spans only) is recorded under the content settings of
 * the instrumentation, or instrumented client, that the tool call belongs to, never under another
 * one's: no instrumentation's `redact` hook is bypassed, and no one's capture turns on another's.
 * A tool call belongs, in this order:
 * 1. with a `callId` that a traced model response asked for: to the instrumentation or client that
 *    traced that response (the ledger remembers whose settings it was under);
 * 2. made in the context of an SDK tool runner's run (`toolRunner()`, `runTools()`, which make their
 *    tool calls there): to the instrumentation or client that traced the runner; made inside the
 *    span of a tool call that belongs to one (a tool that runs tools): to that one;
 * 3. otherwise to none: it records content only when its own `content` option asks
 *    (`captureMessageContent` from that option, else from
 *    `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`, and that option's `redact` hook). Without
 *    that option it records none, whatever the environment says: no instrumentation's hook would see it.
 * A call that belongs to one follows its settings even when they capture nothing; its `content`
 * option then does not apply.
 */
import { createHash } from 'node:crypto';
import { context, createContextKey, diag, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Link, Span, SpanContext, Tracer } from '@opentelemetry/api';
import { agentRunOf, isPromiseLike } from './agent';
import type { AgentRun } from './agent';
import { ContentRecorder } from './content';
import type { ContentOptions } from './content';
import { errorTypeOf, globalLogger, guard, messageOf, recordException, reportFailure } from './errors';
import { asRecord, nonEmptyString, parsedJSON, putString } from './values';
import { RunMetrics } from './metrics';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_CALL_RESULT,
  ATTR_GEN_AI_TOOL_DESCRIPTION,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_GEN_AI_TOOL_TYPE,
  ATTR_TOOL_ARGUMENTS_FINGERPRINT,
  ATTR_TOOL_INFERRED,
  ERROR_TYPE_TOOL_ERROR,
  EVENT_GEN_AI_EXECUTE_TOOL_EXCEPTION,
  GEN_AI_OPERATION_EXECUTE_TOOL,
} from './semconv';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

export interface ToolCallOptions {
  /** `gen_ai.tool.name`; the span is `execute_tool {name}`. */
  name: string;
  /** The model's id for this call (`toolu_…`, `call_…`), which links the span to the response. */
  callId?: string;
  /** `function` (the default), `extension` or `datastore`. */
  type?: string;
  description?: string;
  /**
   * Hashed into a fingerprint so that repeats can be grouped; recorded (`gen_ai.tool.call.arguments`)
   * only under content settings that capture it (see `content`).
   */
  arguments?: unknown;
  /**
   * Content settings of this tool span when it belongs to no instrumentation (no traced model
   * response asked for its `callId`, and it runs inside no SDK tool runner's tool): with them, its
   * arguments and result are recorded as an instrumentation with these options would record them.
   * Without them, such a span records no content. A span that belongs to an instrumentation or an
   * instrumented client follows that one's settings, and this option does not apply.
   */
  content?: ContentOptions;
}

/** A tool call a model response asked for. */
export interface RequestedToolCall {
  id: string;
  name: string;
  /** The arguments as the response gave them, when it gave them whole (never kept, only hashed). */
  arguments?: unknown;
}

/** A tool's result as a later request carries it back to the model. */
export interface ToolResult {
  id: string;
  /** The request says the tool failed (Anthropic's `is_error`); OpenAI's results have no such flag. */
  failed?: boolean;
}

/**
 * The tool results of the items that end a request (its messages, or its input items) after the
 * model's last turn, last first: `read` adds one item's results to `into`, and returns false at the
 * first item that is not one of them (the model's turn), where the walk stops.
 */
export function trailingToolResults(
  items: unknown,
  read: (item: Record<string, unknown> | undefined, into: ToolResult[]) => boolean,
): ToolResult[] {
  const results: ToolResult[] = [];
  if (!Array.isArray(items)) return results;
  for (let i = items.length - 1; i >= 0; i--) {
    if (!read(asRecord(items[i]), results)) break;
  }
  return results;
}

/**
 * Arguments larger than this (in UTF-16 code units of their strings, roughly) get no fingerprint:
 * canonicalising megabytes would stall the app's event loop for what is a repeat detector.
 */
const MAX_FINGERPRINTED_SIZE = 64 * 1024;
/** Tool calls of one response that are fingerprinted; the rest are remembered by id and name only. */
const MAX_FINGERPRINTS_PER_RESPONSE = 128;

/** A short, stable hash of tool arguments: equal arguments, equal fingerprint; the content never leaves. */
export function fingerprint(args: unknown): string | undefined {
  if (!withinSize(args, MAX_FINGERPRINTED_SIZE)) return undefined;
  let canonical: string | undefined;
  try {
    const value = parsedJSON(args);
    // A cycle throws here at once; the sorting replacer below returns fresh objects, which hide it
    // from JSON.stringify until the stack overflows (seconds, beside a large sibling).
    JSON.stringify(value);
    canonical = JSON.stringify(value, (_key, item: unknown) =>
      item !== null && typeof item === 'object' && !Array.isArray(item)
        ? Object.fromEntries(Object.entries(item).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
        : item,
    );
  } catch {
    return undefined;
  }
  return canonical === undefined ? undefined : createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

/** Whether `value`'s strings and keys add up to at most `budget` characters; stops as soon as they don't. */
function withinSize(value: unknown, budget: number): boolean {
  let left = budget;
  const pending: unknown[] = [value];
  try {
    while (pending.length > 0) {
      const item = pending.pop();
      if (typeof item === 'string') left -= item.length;
      else if (item !== null && typeof item === 'object') {
        for (const key in item) {
          left -= key.length + 1;
          pending.push((item as Record<string, unknown>)[key]);
          if (left < 0 || pending.length > budget) return false;
        }
      } else left -= 1;
      if (left < 0) return false;
    }
  } catch {
    return false;
  }
  return true;
}

/**
 * The content settings a tool span follows, when it belongs to an instrumentation or an instrumented
 * client: that one's recorder, or `null` when it captures no content. (`undefined`, where this type
 * is optional: the span belongs to none; see the rules at the top.)
 */
export type ToolContent = ContentRecorder | null;

/**
 * In a context that belongs to an instrumentation or instrumented client (an SDK tool runner's run,
 * a tool call that belongs to one): that one's content settings, for the tool calls made there.
 */
const TOOL_CONTENT = createContextKey('otel-genai tool content');

/** `parent`, where tool calls belong to the content settings `content`. */
export function withToolContent(parent: Context, content: ToolContent): Context {
  return parent.setValue(TOOL_CONTENT, content);
}

/** Recorders made from `runTool`'s `content` option, by option object: a tool traced once and called often makes one. */
const explicitContent = new WeakMap<ContentOptions, ToolContent>();

function contentOf(options: ContentOptions): ToolContent {
  let recorder = explicitContent.get(options);
  if (recorder === undefined) explicitContent.set(options, (recorder = ContentRecorder.from(options) ?? null));
  return recorder;
}

const LEDGER_LIMIT = 1024;

interface PendingCall {
  name: string;
  fingerprint: string | undefined;
  /** Epoch milliseconds when the response that asked for the call ended. */
  askedAt: number;
  /** The content settings of the instrumentation or client that traced that response. */
  content: ToolContent | undefined;
  /** The span of the model call that asked for it, which the inferred span and the answering call link to. */
  askedBy: SpanContext | undefined;
  /** The agent run that model call ran in: a call that carries no id (MCP's) is matched within its run. */
  run: AgentRun | undefined;
}

/** Insertion-ordered maps trimmed to a size: memory stays bounded however many calls go unanswered. */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > LEDGER_LIMIT) map.delete(map.keys().next().value as string);
}

class ToolCallLedger {
  private readonly pending = new Map<string, PendingCall>();
  private readonly covered = new Map<string, true>();
  /** Whose response is ending now: set around the end of a model call (see `askedUnder`). */
  private asking: ToolContent | undefined;

  get size(): number {
    return this.pending.size;
  }

  /**
   * The content settings that the tool calls of the responses ending from now on belong to, until
   * set back; returns what it replaces. A model call's end sets its own around itself.
   */
  askedUnder(content: ToolContent | undefined): ToolContent | undefined {
    const previous = this.asking;
    this.asking = content;
    return previous;
  }

  expect(calls: readonly RequestedToolCall[], askedAt: number, askedBy?: SpanContext, run?: AgentRun): void {
    const content = this.asking;
    // The ledger keeps the last LEDGER_LIMIT calls: of a response asking for more, the earlier ones would only be evicted.
    const first = Math.max(0, calls.length - LEDGER_LIMIT);
    for (let index = first; index < calls.length; index++) {
      const call = calls[index];
      if (this.covered.delete(call.id)) continue;
      const argumentsFingerprint = index - first < MAX_FINGERPRINTS_PER_RESPONSE ? fingerprint(call.arguments) : undefined;
      remember(this.pending, call.id, { name: call.name, fingerprint: argumentsFingerprint, askedAt, content, askedBy, run });
    }
  }

  /**
   * An explicit span runs this call: no span is inferred for it. A streaming runner may start a tool
   * before its response has ended; that call is remembered until the response ends.
   */
  cover(id: string): void {
    if (!this.pending.delete(id)) remember(this.covered, id, true);
  }

  /** The call as the response that asked for it left it, while it waits. */
  peek(id: string): PendingCall | undefined {
    return this.pending.get(id);
  }

  take(id: string): PendingCall | undefined {
    const call = this.pending.get(id);
    if (call !== undefined) this.pending.delete(id);
    return call;
  }

  /** The oldest waiting call of tool `name` with arguments of this fingerprint, asked inside `run`: for a call that carries no id (MCP). */
  match(name: string, argumentsFingerprint: string, run: AgentRun | undefined): string | undefined {
    for (const [id, call] of this.pending)
      if (call.name === name && call.fingerprint === argumentsFingerprint && call.run === run) return id;
    return undefined;
  }
}

const TOOL_CALL = createContextKey('otel-genai tool call');

/** A tool call in progress, as the context it runs in knows it (sampled or not: a non-recording span cannot be read). */
export interface ActiveToolCall {
  name: string;
  callId: string | undefined;
  span: Span;
}

/** The tool call a context runs in (runTool, traceTool, the SDK tool runners), if any. */
export function activeToolCall(ctx: Context): ActiveToolCall | undefined {
  return ctx.getValue(TOOL_CALL) as ActiveToolCall | undefined;
}

export const toolCallLedger = new ToolCallLedger();

export function epochMillis(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * Emits the inferred spans of the results a request carries, as children of `parent`. A result that
 * says the tool failed makes an error span, `error.type` `tool_error`: the result's text, which
 * would say why, is content and is not read.
 */
export function inferToolSpans(tracer: Tracer, results: readonly ToolResult[], parent: Context): Link[] {
  const now = epochMillis();
  const parentTrace = trace.getSpanContext(parent)?.traceId;
  const links: Link[] = [];
  for (const { id, failed } of results) {
    const call = toolCallLedger.take(id);
    if (call === undefined) continue;
    const attributes = toolAttributes({ name: call.name, callId: id }, call.fingerprint);
    attributes[ATTR_TOOL_INFERRED] = true;
    if (failed) attributes[ATTR_ERROR_TYPE] = ERROR_TYPE_TOOL_ERROR;
    const link = linkAcrossTraces(call.askedBy, parentTrace);
    const span = tracer.startSpan(
      `${GEN_AI_OPERATION_EXECUTE_TOOL} ${call.name}`,
      { kind: SpanKind.INTERNAL, attributes, startTime: call.askedAt, links: link === undefined ? undefined : [link] },
      parent,
    );
    if (failed) span.setStatus({ code: SpanStatusCode.ERROR });
    span.end(now);
    agentRunOf(parent)?.recordToolCall(call.fingerprint);
    if (link !== undefined && !links.some((known) => known.context.spanId === link.context.spanId)) links.push(link);
  }
  return links;
}

/**
 * A hand-written tool loop with no span of the app's around it runs each model call in a trace of
 * its own: the inferred tool span, and the call that carries the tool's result, then link to the call
 * that asked for the tool, so that a backend can follow the conversation from trace to trace. (The
 * conventions have no text on this yet; links are what every OTLP backend shows.) Within one trace —
 * an app span, `withAgent` — the tree already says it, and nothing is added.
 */
function linkAcrossTraces(askedBy: SpanContext | undefined, parentTrace: string | undefined): Link | undefined {
  return askedBy === undefined || askedBy.traceId === parentTrace ? undefined : { context: askedBy };
}

function toolSpanName(name: unknown): string {
  const valid = nonEmptyString(name);
  return valid === undefined ? GEN_AI_OPERATION_EXECUTE_TOOL : `${GEN_AI_OPERATION_EXECUTE_TOOL} ${valid}`;
}

function toolAttributes(options: ToolCallOptions, argumentsFingerprint: string | undefined): Attributes {
  const attributes: Attributes = {
    [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_EXECUTE_TOOL,
    [ATTR_GEN_AI_TOOL_TYPE]: nonEmptyString(options.type) ?? 'function',
  };
  putString(attributes, ATTR_GEN_AI_TOOL_NAME, options.name);
  putString(attributes, ATTR_GEN_AI_TOOL_CALL_ID, options.callId);
  putString(attributes, ATTR_GEN_AI_TOOL_DESCRIPTION, options.description);
  if (argumentsFingerprint !== undefined) attributes[ATTR_TOOL_ARGUMENTS_FINGERPRINT] = argumentsFingerprint;
  return attributes;
}

/** What a tool call's `gen_ai.execute_tool.duration` needs: when it began, and its attributes. */
interface ToolTiming {
  startedAt: number;
  attributes: Attributes;
}

function toolTiming(options: ToolCallOptions, parent: Context): ToolTiming {
  const attributes: Attributes = { [ATTR_GEN_AI_TOOL_TYPE]: nonEmptyString(options.type) ?? 'function' };
  putString(attributes, ATTR_GEN_AI_TOOL_NAME, options.name);
  const agentName = agentRunOf(parent)?.name;
  if (agentName !== undefined) attributes[ATTR_GEN_AI_AGENT_NAME] = agentName;
  return { startedAt: performance.now(), attributes };
}

function endTool(span: Span, timing: ToolTiming, content: ToolContent, failed: boolean, error?: unknown, result?: unknown): void {
  const seconds = (performance.now() - timing.startedAt) / 1000;
  // Each step apart: a result that cannot be serialised (a cycle, a BigInt) or a throwing redact hook
  // loses that attribute only, never the span's end.
  if (!failed && content?.onSpan && result !== undefined) {
    guard(() => {
      const recorded = content.toolValue(result, 'result');
      if (recorded !== undefined) span.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, recorded);
    });
  }
  if (failed) {
    // The error's own text may quote the tool's input: recorded only where the call's content is.
    const captureContent = content !== null && content !== undefined;
    guard(() => span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error)));
    guard(() => span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error, captureContent) }));
    guard(() => recordException(span, error, { logger: globalLogger, name: EVENT_GEN_AI_EXECUTE_TOOL_EXCEPTION, captureContent }));
  }
  guard(() => span.end());
  guard(() => {
    const metrics = RunMetrics.global();
    if (metrics === undefined) return;
    const attributes = !failed ? timing.attributes : { ...timing.attributes, [ATTR_ERROR_TYPE]: errorTypeOf(error) };
    metrics.recordTool(seconds, attributes);
  });
}

/**
 * Runs `fn` as one tool call, in an `execute_tool {name}` span that is the active context inside.
 * Sync and async alike; errors are recorded and passed on unchanged, results returned untouched
 * (for a promise, a promise of the same value). Arguments and result are recorded under the
 * content settings the call belongs to (see the top of this file).
 */
export function runTool<T>(options: ToolCallOptions, fn: () => T): T {
  return executeTool(undefined, options, fn);
}

/**
 * `runTool` for a tool call known to belong to an instrumentation or client (`content`: its
 * settings), whatever its call id and context say.
 */
export function runOwnedTool<T>(content: ToolContent, options: ToolCallOptions, fn: () => T): T {
  return executeTool(content, options, fn);
}

function executeTool<T>(owner: ToolContent | undefined, options: ToolCallOptions, fn: () => T): T {
  let span: Span | undefined;
  let timing: ToolTiming | undefined;
  let content: ToolContent = null;
  let inner = context.active();
  try {
    const parent = context.active();
    const argumentsFingerprint = options.arguments === undefined ? undefined : fingerprint(options.arguments);
    const asked = options.callId ? toolCallLedger.peek(options.callId) : undefined;
    // Whose call this is (see the top of this file); undefined: no one's.
    const tied =
      owner !== undefined
        ? owner
        : asked?.content !== undefined
          ? asked.content
          : (parent.getValue(TOOL_CONTENT) as ToolContent | undefined);
    content =
      tied !== undefined ? tied : typeof options.content === 'object' && options.content !== null ? contentOf(options.content) : null;
    // Before the span: a span started is a span that runs to its end.
    timing = toolTiming(options, parent);
    span = trace
      .getTracer(PACKAGE_NAME, PACKAGE_VERSION)
      .startSpan(
        toolSpanName(options.name),
        { kind: SpanKind.INTERNAL, attributes: toolAttributes(options, argumentsFingerprint) },
        parent,
      );
    inner = trace
      .setSpan(parent, span)
      .setValue(TOOL_CALL, { name: options.name, callId: options.callId || undefined, span } satisfies ActiveToolCall);
    // The tool calls this one makes belong where it does.
    if (tied !== undefined && tied !== parent.getValue(TOOL_CONTENT)) inner = inner.setValue(TOOL_CONTENT, tied);
    const started = span;
    const recorder = content;
    if (recorder?.onSpan && options.arguments !== undefined) {
      guard(() => {
        const recorded = recorder.toolValue(options.arguments, 'arguments');
        if (recorded !== undefined) started.setAttribute(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, recorded);
      });
    }
    if (options.callId) toolCallLedger.cover(options.callId);
    agentRunOf(parent)?.recordToolCall(argumentsFingerprint);
  } catch (problem) {
    diag.error('otel-genai: could not start an execute_tool span', problem);
  }
  if (span === undefined || timing === undefined) return fn();
  const started = span;
  const measured = timing;
  const recorder = content;
  let result: T;
  try {
    result = context.with(inner, fn);
  } catch (error) {
    endTool(started, measured, recorder, true, error);
    throw error;
  }
  if (!isPromiseLike(result)) {
    endTool(started, measured, recorder, false, undefined, result);
    return result;
  }
  // A native promise is followed as it is (Promise.resolve returns it); another thenable is adopted
  // by a promise, so that a `then` that returns nothing or throws is settled as `await` would.
  return Promise.resolve(result).then(
    (value) => {
      endTool(started, measured, recorder, false, undefined, value);
      return value;
    },
    (error: unknown) => {
      endTool(started, measured, recorder, true, error);
      throw error;
    },
  ) as T;
}

/**
 * Wraps a tool function so that each call runs in an `execute_tool` span. `callId` may read the
 * call's id from the arguments; the arguments are fingerprinted, and recorded as `runTool` records them.
 */
export function traceTool<A extends unknown[], R>(
  options: Omit<ToolCallOptions, 'callId' | 'arguments'> & { callId?: (...args: A) => string | undefined },
  fn: (...args: A) => R,
): (...args: A) => R {
  return function tracedTool(this: unknown, ...args: A): R {
    let callOptions: ToolCallOptions;
    try {
      const readCallId = options.callId;
      const callId = typeof readCallId === 'function' ? readCallId(...args) : undefined;
      callOptions = { ...options, callId: typeof callId === 'string' ? callId : undefined, arguments: args.length === 1 ? args[0] : args };
    } catch (problem) {
      reportFailure(problem);
      return fn.apply(this, args);
    }
    return runTool(callOptions, () => fn.apply(this, args));
  };
}
