/**
 * What an MCP request says about itself in telemetry, as semantic-conventions-genai's mcp.md
 * (@0393513c) defines it: the span name (`{mcp.method.name} {target}`), the request's attributes,
 * the transport's (`network.*`, `server.*`), and the error classes.
 *
 * Everything here reads the SDK's objects without trusting their shape: a field that is missing or
 * has another type is left out, never guessed.
 */
import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, AttributeValue, Span } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_MCP_METHOD_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_MCP_RESOURCE_URI,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ERROR_TYPE_CANCELLED,
  ERROR_TYPE_CONNECTION_CLOSED,
  ERROR_TYPE_TIMEOUT,
} from '../semconv';
import { errorTypeOf } from '../errors';
import { asRecord, nonEmptyString } from '../values';

export const METHOD_TOOLS_CALL = 'tools/call';
export const METHOD_PROMPTS_GET = 'prompts/get';
export const METHOD_INITIALIZE = 'initialize';
/** The requests whose `params.uri` is a resource's (`mcp.resource.uri`, conditionally required on spans). */
const RESOURCE_METHODS = new Set(['resources/read', 'resources/subscribe', 'resources/unsubscribe']);

/** JSON-RPC codes the SDK uses for its own conditions (`ErrorCode` in the SDK's types.js). */
export const CODE_CONNECTION_CLOSED = -32000;
export const CODE_REQUEST_TIMEOUT = -32001;
export const CODE_INTERNAL_ERROR = -32603;

/** What one request is, read from its JSON-RPC message: the method, its target, and their attributes. */
export interface RequestDescription {
  method: string;
  /** `gen_ai.tool.name` of a `tools/call`, `gen_ai.prompt.name` of a `prompts/get`. */
  target: string | undefined;
  /** The span's name: `{mcp.method.name} {target}`, or the method alone. */
  name: string;
  /** `mcp.method.name`, the target's attribute, `mcp.resource.uri`, and `gen_ai.operation.name` for a tool call. */
  attributes: Attributes;
  /** A `tools/call`'s `params.arguments`, as sent. */
  toolArguments: unknown;
  isToolCall: boolean;
}

/** The request's description, or undefined when it has no method name (nothing to name a span by). */
export function describeRequest(request: unknown): RequestDescription | undefined {
  const message = asRecord(request);
  const method = nonEmptyString(message?.method);
  if (method === undefined) return undefined;
  const params = asRecord(message?.params);
  const attributes: Attributes = { [ATTR_MCP_METHOD_NAME]: method };
  let target: string | undefined;
  const isToolCall = method === METHOD_TOOLS_CALL;
  if (isToolCall) {
    target = nonEmptyString(params?.name);
    attributes[ATTR_GEN_AI_OPERATION_NAME] = 'execute_tool';
    if (target !== undefined) attributes[ATTR_GEN_AI_TOOL_NAME] = target;
  } else if (method === METHOD_PROMPTS_GET) {
    target = nonEmptyString(params?.name);
    if (target !== undefined) attributes[ATTR_GEN_AI_PROMPT_NAME] = target;
  } else if (RESOURCE_METHODS.has(method)) {
    const uri = nonEmptyString(params?.uri);
    if (uri !== undefined) attributes[ATTR_MCP_RESOURCE_URI] = uri;
  }
  return {
    method,
    target,
    name: target === undefined ? method : `${method} ${target}`,
    attributes,
    toolArguments: isToolCall ? params?.arguments : undefined,
    isToolCall,
  };
}

/** `jsonrpc.request.id`: the id as a string; none for a null or missing id (the conventions' rule). */
export function requestIdOf(id: unknown): string | undefined {
  if (typeof id === 'string') return id;
  if (typeof id === 'number' && Number.isFinite(id)) return String(id);
  return undefined;
}

const transportAttributes = new WeakMap<object, Attributes>();

/**
 * `network.transport` (`pipe` for stdio, `tcp` for HTTP and WebSocket), `network.protocol.name`
 * (`http`, `websocket`) and, seen from a client, `server.address` / `server.port` of the URL it
 * posts to. Told by the SDK's transport classes; an in-memory or custom transport has none of them.
 * `network.protocol.version` is left out: the SDK does not know which HTTP version fetch spoke.
 */
export function attributesOfTransport(transport: unknown, side: 'client' | 'server'): Attributes {
  if (typeof transport !== 'object' || transport === null) return {};
  let attributes = transportAttributes.get(transport);
  if (attributes === undefined) {
    attributes = readTransport(transport as Record<string, unknown>, side);
    transportAttributes.set(transport, attributes);
  }
  return attributes;
}

function readTransport(transport: Record<string, unknown>, side: 'client' | 'server'): Attributes {
  let name = '';
  try {
    name = String((transport.constructor as { name?: unknown } | undefined)?.name ?? '');
  } catch {
    // a transport whose constructor cannot be read: told by its fields alone
  }
  const attributes: Attributes = {};
  const url = field(transport, '_url');
  if (name.startsWith('Stdio') || field(transport, '_serverParams') !== undefined || field(transport, '_stdin') !== undefined) {
    attributes[ATTR_NETWORK_TRANSPORT] = 'pipe';
  } else if (name.startsWith('WebSocket')) {
    attributes[ATTR_NETWORK_TRANSPORT] = 'tcp';
    attributes[ATTR_NETWORK_PROTOCOL_NAME] = 'websocket';
  } else if (url instanceof URL || /StreamableHTTP|SSE/.test(name)) {
    attributes[ATTR_NETWORK_TRANSPORT] = 'tcp';
    attributes[ATTR_NETWORK_PROTOCOL_NAME] = 'http';
  }
  if (side === 'client' && url instanceof URL) {
    attributes[ATTR_SERVER_ADDRESS] = url.hostname.replace(/^\[(.*)\]$/, '$1');
    const port = url.port
      ? Number(url.port)
      : url.protocol === 'https:' || url.protocol === 'wss:'
        ? 443
        : url.protocol === 'http:' || url.protocol === 'ws:'
          ? 80
          : undefined;
    if (port !== undefined) attributes[ATTR_SERVER_PORT] = port;
  }
  return attributes;
}

/** A field of an SDK object, undefined when reading it throws. */
export function field(object: unknown, name: string): unknown {
  if ((typeof object !== 'object' && typeof object !== 'function') || object === null) return undefined;
  try {
    return (object as Record<string, unknown>)[name];
  } catch {
    return undefined;
  }
}

/** The span attributes that the operation metrics carry (never ids: `jsonrpc.request.id`, `mcp.session.id`). */
const METRIC_KEYS = [
  ATTR_MCP_METHOD_NAME,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_PROMPT_NAME,
  ATTR_GEN_AI_TOOL_NAME,
  ATTR_RPC_RESPONSE_STATUS_CODE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
];

/** The session metrics' attributes: no method, target or request. */
const SESSION_METRIC_KEYS = [
  ATTR_ERROR_TYPE,
  ATTR_MCP_PROTOCOL_VERSION,
  ATTR_NETWORK_PROTOCOL_NAME,
  ATTR_NETWORK_TRANSPORT,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
];

function pick(attributes: Attributes, keys: readonly string[]): Attributes {
  const picked: Attributes = {};
  for (const key of keys) {
    const value: AttributeValue | undefined = attributes[key];
    if (value !== undefined) picked[key] = value;
  }
  return picked;
}

export function operationMetricAttributes(attributes: Attributes): Attributes {
  return pick(attributes, METRIC_KEYS);
}

export function sessionMetricAttributes(attributes: Attributes): Attributes {
  return pick(attributes, SESSION_METRIC_KEYS);
}

/** An error the SDK raised for a JSON-RPC error code (its `McpError`, in either copy of the SDK): the code. */
export function jsonRpcCodeOf(error: unknown): number | undefined {
  const code = field(error, 'code');
  return typeof code === 'number' && Number.isSafeInteger(code) && field(error, 'name') === 'McpError' ? code : undefined;
}

/**
 * `error.type` of a failed client request:
 * - the JSON-RPC error code of the peer's error response, as a string (`-32602`), which
 *   `rpc.response.status_code` repeats;
 * - `cancelled` when the caller's `AbortSignal` aborted it (the SDK reports that as its timeout
 *   code, `-32001`, which would mislead);
 * - `timeout` when the SDK's own request timeout fired (`-32001` with no response);
 * - `connection_closed` when the transport closed first (`-32000` with no response);
 * - another `McpError` raised on this side: its code; any other error: its class (`ZodError` for a
 *   result that does not match the schema, `Error` for "Not connected"), as errors.ts names it.
 */
export function clientErrorType(error: unknown, responseCode: number | undefined, aborted: boolean): string {
  if (responseCode !== undefined) return String(responseCode);
  if (aborted) return ERROR_TYPE_CANCELLED;
  const code = jsonRpcCodeOf(error);
  if (code === CODE_REQUEST_TIMEOUT) return ERROR_TYPE_TIMEOUT;
  if (code === CODE_CONNECTION_CLOSED) return ERROR_TYPE_CONNECTION_CLOSED;
  if (code !== undefined) return String(code);
  return errorTypeOf(error);
}

/**
 * The JSON-RPC code the SDK answers with when a request handler throws `error` (what
 * `Protocol._onrequest` sends: the error's own integer `code`, else `-32603`).
 */
export function handlerErrorCode(error: unknown): number {
  const code = field(error, 'code');
  return typeof code === 'number' && Number.isSafeInteger(code) ? code : CODE_INTERNAL_ERROR;
}

/** A failed request: `error.type` on its span and in its metric attributes, and the span's status. */
export function markFailed(span: Span, attributes: Attributes, errorType: string, message: string | undefined): void {
  attributes[ATTR_ERROR_TYPE] = errorType;
  span.setAttribute(ATTR_ERROR_TYPE, errorType);
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
