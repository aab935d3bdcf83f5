/** Reading MCP results for telemetry: what a tool result records as content, and the text of a tool error. */
import type { Attributes, Span } from '@opentelemetry/api';
import type { ContentRecorder } from '../content';
import { messageOf } from '../errors';
import { ATTR_GEN_AI_TOOL_CALL_RESULT, ERROR_TYPE_TOOL_ERROR } from '../semconv';
import { markFailed } from './attributes';

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
}

/** Ends `call` when what the SDK returned settles (at once for a plain value); `result` itself is left as it is. */
export function endWhenSettled(result: unknown, call: { succeed(value: unknown): void; fail(error: unknown): void }): void {
  if (isPromiseLike(result)) {
    result.then(
      (value) => call.succeed(value),
      (error: unknown) => call.fail(error),
    );
  } else {
    call.succeed(result);
  }
}

/** A `CallToolResult` as `gen_ai.tool.call.result` records it: without its `_meta`, which is protocol, not result. */
export function resultContent(result: Record<string, unknown>): unknown {
  if (!('_meta' in result)) return result;
  const { _meta: _unused, ...rest } = result;
  return rest;
}

/**
 * The text of a tool result with `isError: true` (its first text block), as the span status
 * description, only while content capture is on (it is the tool's own words, content), through the
 * recorder's redact hook and length limit.
 */
export function toolErrorText(result: Record<string, unknown>, content: ContentRecorder): string | undefined {
  if (!Array.isArray(result.content)) return undefined;
  for (const block of result.content) {
    const text = (block as { type?: unknown; text?: unknown } | null)?.type === 'text' ? (block as { text?: unknown }).text : undefined;
    if (typeof text === 'string') return content.toolValue(text, 'result');
  }
  return undefined;
}

/** A tool call's result as `gen_ai.tool.call.result`, when its content is recorded on spans. */
export function recordToolResult(span: Span, content: ContentRecorder | undefined, result: Record<string, unknown> | undefined): void {
  if (!content?.onSpan || result === undefined) return;
  const recorded = content.toolValue(resultContent(result), 'result');
  if (recorded !== undefined) span.setAttribute(ATTR_GEN_AI_TOOL_CALL_RESULT, recorded);
}

/**
 * A tool call's result, on either side: a tool error (`failed`: the result says `isError`) fails
 * `target` as `tool_error`, described while capture is on by `thrown` (the tool's own exception,
 * where the server saw it) or else by the result's text; any other result is recorded on `span`.
 */
export function recordToolCallResult(
  target: Span,
  span: Span | undefined,
  attributes: Attributes,
  content: ContentRecorder | undefined,
  result: Record<string, unknown> | undefined,
  failed: boolean,
  thrown: unknown,
): void {
  // `failed` was read from `result`: a failed result is always there.
  if (!failed || result === undefined) {
    if (span !== undefined) recordToolResult(span, content, result);
    return;
  }
  const description = content === undefined ? undefined : thrown !== undefined ? messageOf(thrown, true) : toolErrorText(result, content);
  markFailed(target, attributes, ERROR_TYPE_TOOL_ERROR, description ?? ERROR_TYPE_TOOL_ERROR);
}
