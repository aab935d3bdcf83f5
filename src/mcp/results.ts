/** Reading MCP results for telemetry: what a tool result records as content, and the text of a tool error. */
import type { Span } from '@opentelemetry/api';
import type { ContentRecorder } from '../content';
import { ATTR_GEN_AI_TOOL_CALL_RESULT } from '../semconv';

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
