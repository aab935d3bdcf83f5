/** Reading MCP results for telemetry: what a tool result records as content, and the text of a tool error. */
import type { ContentRecorder } from '../content';

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
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
