/**
 * Marks the context of a model call traced from the AI SDK's channel. A provider package built on
 * the `openai` or `@anthropic-ai/sdk` clients makes its HTTP call through them, inside that context:
 * the SDK-level instrumentations read this mark to leave that call to the AI SDK's span, so that a
 * model call has one span. A registry symbol (`createContextKey`), so that another copy of this
 * package reads the same mark.
 */
import { createContextKey } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';

const AI_SDK_MODEL_CALL = createContextKey('otel-genai ai-sdk model call');

export function markedAsAISDKModelCall(ctx: Context): Context {
  return ctx.setValue(AI_SDK_MODEL_CALL, true);
}

/** Whether `ctx` is inside a model call that the AI SDK instrumentation traces. */
export function insideAISDKModelCall(ctx: Context): boolean {
  return ctx.getValue(AI_SDK_MODEL_CALL) === true;
}
