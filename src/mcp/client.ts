/**
 * The sending side of an MCP request (`Protocol.prototype.request`, which every request of a
 * `Client` goes through, and the requests a `Server` sends to its client: sampling, elicitation,
 * roots) or notification (`Protocol.prototype.notification`, either way): one CLIENT span
 * `{mcp.method.name} {target}`, and the span's context injected into the message's `params._meta` (`traceparent`, `tracestate`, `baggage`: the configured propagators) on a
 * copy of the request, so that the receiver's span joins the trace, whatever the transport.
 *
 * A `tools/call` is also a GenAI tool call: see tool-calls.ts for how it meets the other tool spans.
 *
 * The span ends once, when the promise `request()` returns settles: with the result, with the
 * peer's JSON-RPC error, or with the SDK's own rejection (its request timeout, the caller's abort,
 * the transport's close, a result that fails its schema), which the SDK always delivers.
 */
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import type { Attributes, Context, Link, Span } from '@opentelemetry/api';
import { agentRunOf } from '../agent';
import type { ContentRecorder } from '../content';
import { globalLogger, guard, messageOf, recordException, reportFailure } from '../errors';
import { RunMetrics } from '../metrics';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_CALL_ID,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_TOOL_ARGUMENTS_FINGERPRINT,
  ERROR_TYPE_TOOL_ERROR,
  EVENT_GEN_AI_EXECUTE_TOOL_EXCEPTION,
} from '../semconv';
import { fingerprint } from '../tools';
import { asRecord, nonEmptyString } from '../values';
import {
  attributesOfTransport,
  clientErrorType,
  describeRequest,
  field,
  markFailed,
  METHOD_INITIALIZE,
  operationMetricAttributes,
} from './attributes';
import type { RequestDescription } from './attributes';
import { learnProtocolVersion, peerOf } from './peers';
import type { Peer, Waiting } from './peers';
import type { McpTelemetry, TelemetrySource } from './telemetry';
import { claimAskedCall, markOwn, relateToActiveToolSpan } from './tool-calls';
import { endWhenSettled, recordToolCallResult } from './results';

type Method = (this: unknown, ...args: unknown[]) => unknown;

/**
 * `Protocol.prototype.request(request, resultSchema, options)`, traced. What it returns is what the
 * SDK's method returned, the very promise; what it throws, it throws.
 */
export function traceRequest(source: TelemetrySource, original: Method, protocol: unknown, args: unknown[]): unknown {
  return traceSent(source, original, protocol, args, 2);
}

/**
 * `Protocol.prototype.notification(notification, options)`, traced as a request is: a CLIENT span
 * `{mcp.method.name}` carrying its context to the receiver in `params._meta`, ended when the SDK has
 * handed the message to the transport (the promise it returns settles).
 */
export function traceNotification(source: TelemetrySource, original: Method, protocol: unknown, args: unknown[]): unknown {
  return traceSent(source, original, protocol, args, 1);
}

/** A message sent (`args[0]`), its options (the abort signal) at `optionsAt`. */
function traceSent(source: TelemetrySource, original: Method, protocol: unknown, args: unknown[], optionsAt: number): unknown {
  let call: ClientCall | undefined;
  try {
    // A tracer provider that throws as it is asked: untraced, never thrown into the app.
    const telemetry = source();
    if (telemetry !== undefined && typeof protocol === 'object' && protocol !== null)
      call = ClientCall.start(telemetry, protocol, args, args[optionsAt]);
  } catch (problem) {
    reportFailure(problem);
  }
  if (call === undefined) return Reflect.apply(original, protocol, args);
  const started = call;
  const sent = started.request === args[0] ? args : [started.request, ...args.slice(1)];
  const before = field(protocol, '_requestMessageId');
  let result: unknown;
  try {
    result = context.with(started.context, () => Reflect.apply(original, protocol, sent));
  } catch (error) {
    started.fail(error);
    throw error;
  }
  guard(() => started.sent(before, field(protocol, '_requestMessageId')));
  endWhenSettled(result, started);
  return result;
}

class ClientCall {
  /** What goes to the SDK: the caller's request, or a copy carrying the trace context in `params._meta`. */
  readonly request: unknown;
  /** Where the SDK's `request()` runs: under our span (or the tool span we joined). */
  readonly context: Context;
  private readonly startedAt = performance.now();
  private readonly attributes: Attributes;
  private ended = false;
  private waiting: Waiting | undefined;
  private id: number | undefined;

  private constructor(
    private readonly telemetry: McpTelemetry,
    private readonly peer: Peer,
    private readonly description: RequestDescription,
    private readonly options: unknown,
    parent: Context,
    /** Ours, or undefined when the MCP attributes went on another instrumentation's tool span. */
    private readonly span: Span | undefined,
    /** The span that carries this request's attributes: ours, or the one joined. */
    private readonly target: Span,
    /**
     * The content settings this request is recorded under: the instrumentation's, or for a tool
     * call a model response asked for, those of the instrumentation that traced that response;
     * undefined for no content (and always for a joined span: its owner records its content).
     */
    private readonly content: ContentRecorder | undefined,
    /** Set when our span is the `execute_tool` span: what `gen_ai.execute_tool.duration` needs. */
    private readonly toolMetric: Attributes | undefined,
    attributes: Attributes,
    request: unknown,
  ) {
    this.attributes = attributes;
    this.context = span === undefined ? parent : trace.setSpan(parent, span);
    this.request = withTraceContext(request, this.context);
  }

  static start(telemetry: McpTelemetry, protocol: object, args: unknown[], options: unknown): ClientCall | undefined {
    const description = describeRequest(args[0]);
    if (description === undefined) return undefined;
    const peer = peerOf(protocol);
    const transport = field(protocol, '_transport');
    const parent = context.active();
    const mcp: Attributes = { ...attributesOfTransport(transport, 'client') };
    const sessionId = nonEmptyString(field(transport, 'sessionId'));
    if (sessionId !== undefined) mcp[ATTR_MCP_SESSION_ID] = sessionId;
    const protocolVersion = peer.protocolVersion ?? nonEmptyString(field(transport, 'protocolVersion'));
    if (protocolVersion !== undefined) mcp[ATTR_MCP_PROTOCOL_VERSION] = protocolVersion;
    const attributes: Attributes = { ...description.attributes, ...mcp };

    const relation = description.isToolCall ? relateToActiveToolSpan(parent, description.target) : ({ kind: 'none' } as const);
    if (relation.kind === 'join') {
      // Another instrumentation's execute_tool span is this call: it takes the MCP attributes, and is the parent the server sees.
      if (relation.callId === undefined && description.target !== undefined) {
        const asked = claimAskedCall(description.target, fingerprint(description.toolArguments ?? {}), agentRunOf(parent));
        if (asked !== undefined) attributes[ATTR_GEN_AI_TOOL_CALL_ID] = asked.id;
      }
      relation.span.setAttributes(attributes);
      return new ClientCall(
        telemetry,
        peer,
        description,
        options,
        parent,
        undefined,
        relation.span,
        undefined,
        undefined,
        attributes,
        args[0],
      );
    }
    let content = telemetry.content;
    let toolMetric: Attributes | undefined;
    let argumentsFingerprint: string | undefined;
    let links: Link[] | undefined;
    const run = agentRunOf(parent);
    if (relation.kind === 'inside') {
      // Part of another tool's work: not a tool call of the agent's.
      delete attributes[ATTR_GEN_AI_OPERATION_NAME];
    } else if (description.isToolCall && description.target !== undefined) {
      argumentsFingerprint = fingerprint(description.toolArguments ?? {});
      if (argumentsFingerprint !== undefined) attributes[ATTR_TOOL_ARGUMENTS_FINGERPRINT] = argumentsFingerprint;
      const asked = claimAskedCall(description.target, argumentsFingerprint, run);
      if (asked !== undefined) {
        attributes[ATTR_GEN_AI_TOOL_CALL_ID] = asked.id;
        // Outside a run of the app's, the model call that asked is in another trace: linked, as tools.ts links inferred spans.
        if (asked.askedBy !== undefined && asked.askedBy.traceId !== trace.getSpanContext(parent)?.traceId)
          links = [{ context: asked.askedBy }];
        // The call belongs to the instrumentation that traced the response asking for it (tools.ts).
        if (asked.content !== undefined) content = asked.content ?? undefined;
      }
      toolMetric = { [ATTR_GEN_AI_TOOL_NAME]: description.target };
      if (run?.name !== undefined) toolMetric[ATTR_GEN_AI_AGENT_NAME] = run.name;
    }
    const span = telemetry.tracer.startSpan(description.name, { kind: SpanKind.CLIENT, attributes, links }, parent);
    markOwn(span);
    if (toolMetric !== undefined) guard(() => run?.recordToolCall(argumentsFingerprint));
    const call = new ClientCall(telemetry, peer, description, options, parent, span, span, content, toolMetric, attributes, args[0]);
    if (content?.onSpan && description.isToolCall && description.toolArguments !== undefined) {
      guard(() => {
        const recorded = content.toolValue(description.toolArguments, 'arguments');
        if (recorded !== undefined) span.setAttribute(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, recorded);
      });
    }
    return call;
  }

  /** After the SDK's `request()` returned: the JSON-RPC id it took (its counter moved by one), now waiting. */
  sent(before: unknown, after: unknown): void {
    if (this.ended || typeof before !== 'number' || after !== before + 1) return;
    this.id = before;
    this.attributes[ATTR_JSONRPC_REQUEST_ID] = String(before);
    this.target.setAttribute(ATTR_JSONRPC_REQUEST_ID, String(before));
    this.waiting = { responseCode: undefined };
    this.peer.waiting.set(before, this.waiting);
  }

  succeed(result: unknown): void {
    if (!this.begin()) return;
    let errorType: string | undefined;
    guard(() => {
      const body = asRecord(result);
      learnProtocolVersion(this.peer, this.description.method, body, this.attributes, this.target);
      if (!this.description.isToolCall) return;
      const failed = body?.isError === true;
      if (failed) errorType = ERROR_TYPE_TOOL_ERROR;
      recordToolCallResult(this.target, this.span, this.attributes, this.content, body, failed, undefined);
    });
    this.finish(errorType);
  }

  fail(error: unknown): void {
    if (!this.begin()) return;
    let errorType = '_OTHER';
    guard(() => {
      const responseCode = this.waiting?.responseCode;
      errorType = clientErrorType(error, responseCode, field(asRecord(this.options)?.signal, 'aborted') === true);
      if (this.description.method === METHOD_INITIALIZE) this.peer.sessionError = errorType;
      if (responseCode !== undefined) this.target.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, String(responseCode));
      if (responseCode !== undefined) this.attributes[ATTR_RPC_RESPONSE_STATUS_CODE] = String(responseCode);
      const captureContent = this.content !== undefined;
      markFailed(this.target, this.attributes, errorType, messageOf(error, captureContent));
      if (this.span !== undefined) {
        recordException(this.span, error, {
          logger: globalLogger,
          name: this.toolMetric !== undefined ? EVENT_GEN_AI_EXECUTE_TOOL_EXCEPTION : undefined,
          captureContent,
        });
      }
    });
    this.finish(errorType);
  }

  /** Whether this is the end (the first): the waiting entry goes. */
  private begin(): boolean {
    if (this.ended) return false;
    this.ended = true;
    if (this.id !== undefined && this.peer.waiting.get(this.id) === this.waiting) this.peer.waiting.delete(this.id);
    return true;
  }

  private finish(errorType: string | undefined): void {
    const seconds = (performance.now() - this.startedAt) / 1000;
    if (this.span !== undefined) guard(() => this.span?.end());
    guard(() => this.telemetry.metrics?.recordOperation('client', seconds, operationMetricAttributes(this.attributes)));
    if (this.toolMetric !== undefined) {
      guard(() => {
        const metrics = RunMetrics.global();
        if (metrics === undefined) return;
        metrics.recordTool(seconds, errorType === undefined ? this.toolMetric! : { ...this.toolMetric, [ATTR_ERROR_TYPE]: errorType });
      });
    }
  }
}

/**
 * `request` with the trace context of `ctx` in `params._meta`, on a copy (the SDK spreads `_meta`
 * itself, and the caller's object is never changed); `request` itself when the propagators inject
 * nothing or its `params` is not an object.
 */
function withTraceContext(request: unknown, ctx: Context): unknown {
  const message = asRecord(request);
  if (message === undefined) return request;
  const params = message.params;
  if (params !== undefined && (asRecord(params) === undefined || Array.isArray(params))) return request;
  const carrier: Record<string, string> = {};
  propagation.inject(ctx, carrier);
  if (Object.keys(carrier).length === 0) return request;
  const meta = asRecord(asRecord(params)?._meta);
  return { ...message, params: { ...asRecord(params), _meta: { ...meta, ...carrier } } };
}
