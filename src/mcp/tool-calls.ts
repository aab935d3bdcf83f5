/**
 * How an MCP `tools/call` meets the GenAI tool spans of the rest of the package, so that one tool
 * call is one `execute_tool` span (mcp.md: "If the MCP instrumentation can reliably detect that
 * outer GenAI instrumentation is already tracing the tool execution, it SHOULD NOT create a separate
 * span. Instead, it SHOULD add MCP-specific attributes to the existing tool execution span"):
 *
 * - an `execute_tool` span of another instrumentation is active (an SDK tool runner's, `runTool`'s,
 *   a framework's: INTERNAL, not ended) and names the same tool, and no MCP call has joined it yet:
 *   the MCP attributes go on it, and no span of ours is made (a span without a call id takes the
 *   one the ledger matches, as below: `runTool` without `callId` in a hand-written loop);
 * - an `execute_tool` span is active but names another tool, or already has its MCP call: the MCP
 *   client span is made under it without `gen_ai.operation.name` (the tool's own implementation
 *   calls MCP; the tool call is the outer span's);
 * - otherwise the MCP client span is the `execute_tool` span, and when a model response this process
 *   saw asked for this very call (same tool name, same arguments fingerprint, still waiting in the
 *   ledger of tools.ts), it takes that call's id and covers it: no span is inferred for it later.
 *
 * The tool span around is told by tools.ts's `activeToolCall(context)`: the tool call `runTool` and
 * the SDK tool runners run in, sampled or not. A framework's own `execute_tool` span is recognised by
 * the OpenTelemetry SDK's span fields (`attributes`, `kind`, `ended`), which `@opentelemetry/sdk-trace`
 * spans have: a span that does not expose them (a non-recording one, another SDK's) is not recognised,
 * and the MCP span is made.
 */
import { SpanKind, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, SpanContext } from '@opentelemetry/api';
import type { AgentRun } from '../agent';
import { ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_TOOL_CALL_ID, ATTR_GEN_AI_TOOL_NAME, GEN_AI_OPERATION_EXECUTE_TOOL } from '../semconv';
import { activeToolCall, toolCallLedger } from '../tools';
import type { ToolContent } from '../tools';

/** The spans this instrumentation made: never taken for another's tool span. */
const ownSpans = new WeakSet<object>();
/** Tool spans of others that an MCP call has joined already: a second call nests instead. */
const joined = new WeakSet<object>();

export function markOwn(span: Span): void {
  ownSpans.add(span);
}

interface ReadableFields {
  attributes?: Attributes;
  kind?: SpanKind;
  ended?: boolean;
}

export type ToolSpanRelation =
  /** No tool span around: the MCP span is the tool call. */
  | { kind: 'none' }
  /** The tool call's span is another's, for this tool: the MCP attributes go on it. */
  | { kind: 'join'; span: Span; callId: unknown }
  /** Inside another tool's span: the MCP span is part of that tool's work. */
  | { kind: 'inside' };

/** How a `tools/call` of `toolName`, made in `parent`, relates to the tool span active there. */
export function relateToActiveToolSpan(parent: Context, toolName: string | undefined): ToolSpanRelation {
  const span = trace.getSpan(parent);
  if (span === undefined || ownSpans.has(span)) return { kind: 'none' };
  const known = activeToolCall(parent);
  if (known !== undefined && known.span === span) {
    if (joined.has(span) || known.name !== toolName) return { kind: 'inside' };
    joined.add(span);
    return { kind: 'join', span, callId: known.callId };
  }
  const fields = span as unknown as ReadableFields;
  let attributes: Attributes | undefined;
  try {
    attributes = fields.attributes;
    if (attributes?.[ATTR_GEN_AI_OPERATION_NAME] !== GEN_AI_OPERATION_EXECUTE_TOOL) return { kind: 'none' };
    if (fields.kind !== undefined && fields.kind !== SpanKind.INTERNAL) return { kind: 'none' };
    if (fields.ended === true || !span.isRecording()) return { kind: 'none' };
  } catch {
    return { kind: 'none' };
  }
  if (joined.has(span) || attributes[ATTR_GEN_AI_TOOL_NAME] !== toolName) return { kind: 'inside' };
  joined.add(span);
  return { kind: 'join', span, callId: attributes[ATTR_GEN_AI_TOOL_CALL_ID] };
}

export interface AskedCall {
  id: string;
  /** The content settings of the instrumentation that traced the response asking for it. */
  content: ToolContent | undefined;
  /** The span of the model call that asked for it. */
  askedBy: SpanContext | undefined;
}

/**
 * The call a model response asked for that this `tools/call` runs: the oldest call still waiting in
 * the ledger with the same tool name and arguments fingerprint, asked inside `run`. It is covered at
 * once: no `execute_tool` span is inferred for it, and no later MCP call takes it again.
 */
export function claimAskedCall(
  toolName: string,
  argumentsFingerprint: string | undefined,
  run: AgentRun | undefined,
): AskedCall | undefined {
  if (argumentsFingerprint === undefined || toolCallLedger.size === 0) return undefined;
  const id = toolCallLedger.match(toolName, argumentsFingerprint, run);
  if (id === undefined) return undefined;
  const asked = toolCallLedger.peek(id);
  toolCallLedger.cover(id);
  return { id, content: asked?.content, askedBy: asked?.askedBy };
}
