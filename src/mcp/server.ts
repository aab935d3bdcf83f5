/**
 * The receiving side of an MCP request or notification: every handler a `Server` (or a `Client`, for
 * the messages its server sends it) registers through `setRequestHandler` or `setNotificationHandler`
 * (the SDK's own, for `notifications/cancelled` and `notifications/progress`, included) runs inside a SERVER span
 * `{mcp.method.name} {target}`, the active span while the handler runs, so that whatever it does
 * (a model call, a database query, an MCP request of its own) is its child.
 *
 * Parent: the context the client injected into `params._meta` (SEP-414), across processes and
 * transports; the ambient context (an HTTP server span, when one is active) becomes a link. Without
 * a context in `_meta`, the ambient context is the parent.
 *
 * The span ends once: when the handler's result settles (a JSON-RPC error: `error.type` and
 * `rpc.response.status_code` are the code the SDK sends; a `CallToolResult` with `isError`:
 * `tool_error`), or when the request is cancelled first (the peer's `notifications/cancelled`, or
 * the transport's close, both of which abort `extra.signal`; the SDK then sends no response):
 * `cancelled`.
 */
import { context, createContextKey, isSpanContextValid, propagation, ROOT_CONTEXT, SpanKind, trace } from '@opentelemetry/api';
import type { Attributes, Context, Link, Span } from '@opentelemetry/api';
import type { ContentRecorder } from '../content';
import { globalLogger, guard, messageOf, recordException, reportFailure } from '../errors';
import {
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_CALL_ARGUMENTS,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_JSONRPC_REQUEST_ID,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_SESSION_ID,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ERROR_TYPE_CANCELLED,
  ERROR_TYPE_OTHER,
  EVENT_GEN_AI_EXECUTE_TOOL_EXCEPTION,
} from '../semconv';
import { asRecord, nonEmptyString } from '../values';
import {
  attributesOfTransport,
  describeRequest,
  field,
  handlerErrorCode,
  markFailed,
  METHOD_PROMPTS_GET,
  operationMetricAttributes,
  requestIdOf,
} from './attributes';
import type { RequestDescription } from './attributes';
import { learnProtocolVersion, peerOf } from './peers';
import type { Peer } from './peers';
import { endWhenSettled, recordToolCallResult } from './results';
import type { McpTelemetry, TelemetrySource } from './telemetry';
import { markOwn } from './tool-calls';

type Handler = (this: unknown, ...args: unknown[]) => unknown;

/** The server call whose handler runs in a context: for the tool error an `McpServer` turns into a result. */
const SERVER_CALL = createContextKey('otel-genai mcp server request');

/** Marks our handler wrappers, so that a handler is never wrapped twice. */
const TRACED = Symbol.for('otel-genai.mcp.traced-handler');

export function isTracedHandler(handler: unknown): boolean {
  return typeof handler === 'function' && (handler as unknown as Record<symbol, unknown>)[TRACED] === true;
}

/**
 * What the `McpServer` that owns a `Server` registered (its `_registeredTools`, `_registeredPrompts`):
 * the metrics name only registered tools and prompts, and `_OTHER` for the rest, since a client
 * may send any name (the span keeps the name sent).
 */
const owners = new WeakMap<object, object>();

export function rememberOwner(server: unknown, mcpServer: object): void {
  if (typeof server === 'object' && server !== null) owners.set(server, mcpServer);
}

function isRegistered(protocol: object, registry: string, name: string): boolean {
  const owner = owners.get(protocol);
  if (owner === undefined) return true;
  const registered = asRecord(field(owner, registry));
  return registered === undefined || Object.prototype.hasOwnProperty.call(registered, name);
}

/** A handler stored by `Protocol.setRequestHandler` / `setNotificationHandler`, traced; what it returns or throws is the handler's own. */
export function traceHandler(source: TelemetrySource, handler: Handler, protocol: object): Handler {
  const traced = function (this: unknown, ...args: unknown[]): unknown {
    let call: ServerCall | undefined;
    try {
      const telemetry = source();
      if (telemetry !== undefined) call = ServerCall.start(telemetry, protocol, args[0], args[1]);
    } catch (problem) {
      reportFailure(problem);
    }
    if (call === undefined) return Reflect.apply(handler, this, args);
    const started = call;
    let result: unknown;
    try {
      result = context.with(started.context, () => Reflect.apply(handler, this, args));
    } catch (error) {
      started.fail(error);
      throw error;
    }
    endWhenSettled(result, started);
    return result;
  };
  Object.defineProperty(traced, TRACED, { value: true });
  return traced;
}

/** In an `McpServer`'s `executeToolHandler`: the tool threw (the SDK turns that into an `isError` result). */
export function noteToolError(error: unknown): void {
  (context.active().getValue(SERVER_CALL) as ServerCall | undefined)?.toolThrew(error);
}

class ServerCall {
  readonly context: Context;
  private readonly span: Span;
  private readonly startedAt = performance.now();
  private readonly attributes: Attributes;
  private ended = false;
  private toolError: unknown;
  private readonly signal: unknown;
  private readonly onAbort = () => this.cancel();

  private constructor(
    private readonly telemetry: McpTelemetry,
    private readonly protocol: object,
    private readonly peer: Peer,
    private readonly description: RequestDescription,
    parent: Context,
    links: Link[] | undefined,
    attributes: Attributes,
    extra: unknown,
  ) {
    this.attributes = attributes;
    this.span = telemetry.tracer.startSpan(description.name, { kind: SpanKind.SERVER, attributes, links }, parent);
    markOwn(this.span);
    this.context = trace.setSpan(parent, this.span).setValue(SERVER_CALL, this);
    const content = telemetry.content;
    if (content?.onSpan && description.isToolCall && description.toolArguments !== undefined) {
      guard(() => {
        const recorded = content.toolValue(description.toolArguments, 'arguments');
        if (recorded !== undefined) this.span.setAttribute(ATTR_GEN_AI_TOOL_CALL_ARGUMENTS, recorded);
      });
    }
    this.signal = field(extra, 'signal');
    guard(() => {
      const signal = this.signal as AbortSignal | undefined;
      if (signal?.aborted === true) this.cancel();
      else signal?.addEventListener?.('abort', this.onAbort, { once: true });
    });
  }

  static start(telemetry: McpTelemetry, protocol: object, request: unknown, extra: unknown): ServerCall | undefined {
    const description = describeRequest(request);
    if (description === undefined) return undefined;
    const peer = peerOf(protocol);
    const attributes: Attributes = { ...description.attributes, ...attributesOfTransport(field(protocol, '_transport'), 'server') };
    const requestInfo = asRecord(field(extra, 'requestInfo'));
    if (attributes[ATTR_NETWORK_TRANSPORT] === undefined && requestInfo !== undefined) {
      attributes[ATTR_NETWORK_TRANSPORT] = 'tcp';
      attributes[ATTR_NETWORK_PROTOCOL_NAME] = 'http';
    }
    const id = requestIdOf(asRecord(request)?.id);
    if (id !== undefined) attributes[ATTR_JSONRPC_REQUEST_ID] = id;
    const sessionId = nonEmptyString(field(extra, 'sessionId'));
    if (sessionId !== undefined) attributes[ATTR_MCP_SESSION_ID] = sessionId;
    const headerVersion = nonEmptyString(asRecord(requestInfo?.headers)?.['mcp-protocol-version']);
    const protocolVersion = peer.protocolVersion ?? headerVersion;
    if (protocolVersion !== undefined) attributes[ATTR_MCP_PROTOCOL_VERSION] = protocolVersion;

    const ambient = context.active();
    let parent = ambient;
    let links: Link[] | undefined;
    const meta = asRecord(asRecord(asRecord(request)?.params)?._meta) ?? asRecord(field(extra, '_meta'));
    if (meta !== undefined) {
      const extracted = propagation.extract(ROOT_CONTEXT, meta);
      const remote = trace.getSpanContext(extracted);
      if (remote !== undefined && isSpanContextValid(remote)) {
        parent = extracted;
        const local = trace.getSpanContext(ambient);
        if (local !== undefined && isSpanContextValid(local) && local.spanId !== remote.spanId) links = [{ context: local }];
      }
    }
    return new ServerCall(telemetry, protocol, peer, description, parent, links, attributes, extra);
  }

  toolThrew(error: unknown): void {
    if (this.ended) return;
    this.toolError = error;
    recordException(this.span, error, {
      logger: globalLogger,
      name: EVENT_GEN_AI_EXECUTE_TOOL_EXCEPTION,
      captureContent: this.content !== undefined,
    });
  }

  private get content(): ContentRecorder | undefined {
    return this.telemetry.content;
  }

  succeed(result: unknown): void {
    if (!this.begin()) return;
    guard(() => {
      const body = asRecord(result);
      learnProtocolVersion(this.peer, this.description.method, body, this.attributes, this.span);
      if (!this.description.isToolCall) return;
      recordToolCallResult(this.span, this.span, this.attributes, this.content, body, body?.isError === true, this.toolError);
    });
    this.finish();
  }

  fail(error: unknown): void {
    if (!this.begin()) return;
    guard(() => {
      const code = String(handlerErrorCode(error));
      this.attributes[ATTR_RPC_RESPONSE_STATUS_CODE] = code;
      this.span.setAttribute(ATTR_RPC_RESPONSE_STATUS_CODE, code);
      const captureContent = this.content !== undefined;
      markFailed(this.span, this.attributes, code, messageOf(error, captureContent));
      recordException(this.span, error, {
        logger: globalLogger,
        name: this.description.isToolCall ? EVENT_GEN_AI_EXECUTE_TOOL_EXCEPTION : undefined,
        captureContent,
      });
    });
    this.finish();
  }

  /** The request was cancelled (or its transport closed) before the handler finished: the SDK sends nothing. */
  cancel(): void {
    if (!this.begin()) return;
    guard(() => markFailed(this.span, this.attributes, ERROR_TYPE_CANCELLED, ERROR_TYPE_CANCELLED));
    this.finish();
  }

  private begin(): boolean {
    if (this.ended) return false;
    this.ended = true;
    guard(() => (this.signal as AbortSignal | undefined)?.removeEventListener?.('abort', this.onAbort));
    return true;
  }

  private finish(): void {
    const seconds = (performance.now() - this.startedAt) / 1000;
    guard(() => this.span.end());
    guard(() => {
      const metrics = this.telemetry.metrics;
      if (metrics === undefined) return;
      const attributes = operationMetricAttributes(this.attributes);
      const { target, method } = this.description;
      // A name the client sent that the McpServer does not have: not a series of its own.
      if (target !== undefined) {
        if (this.description.isToolCall && !isRegistered(this.protocol, '_registeredTools', target))
          attributes[ATTR_GEN_AI_TOOL_NAME] = ERROR_TYPE_OTHER;
        if (method === METHOD_PROMPTS_GET && !isRegistered(this.protocol, '_registeredPrompts', target))
          attributes[ATTR_GEN_AI_PROMPT_NAME] = ERROR_TYPE_OTHER;
      }
      metrics.recordOperation('server', seconds, attributes);
    });
  }
}
