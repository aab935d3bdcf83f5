/**
 * The life of one model call's span, provider-neutral: started before the SDK method runs, filled
 * by the provider's mapping as the response (or its stream) arrives, ended exactly once.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span, Tracer } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  addLegacyAliases,
  ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  FINISH_REASON_ERROR,
} from './semconv';
import type { SemconvMode } from './semconv';
import { errorTypeOf, guard, messageOf } from './errors';
import { agentRunOf } from './agent';
import type { AgentRun } from './agent';
import { epochMillis, toolCallLedger } from './tools';
import type { RequestedToolCall } from './tools';

export class InferenceCall {
  readonly span: Span;
  readonly context: Context;
  private readonly startedAt = performance.now();
  private firstChunkAt: number | undefined;
  private ended = false;

  responseId: string | undefined;
  responseModel: string | undefined;
  finishReasons: string[] | undefined;
  /** All input tokens, cache reads and writes included (the conventions' sum rule). */
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cacheReadTokens: number | undefined;
  cacheWriteTokens: number | undefined;
  reasoningTokens: number | undefined;
  /** Tool calls the response asked for, which a later request may answer (see tools.ts). */
  toolCalls: RequestedToolCall[] | undefined;
  /** Provider-specific response attributes (`openai.response.system_fingerprint`, …). */
  providerAttributes: Attributes | undefined;

  constructor(
    tracer: Tracer,
    name: string,
    attributes: Attributes,
    private readonly semconvMode: SemconvMode,
  ) {
    const parent = context.active();
    this.span = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes }, parent);
    this.context = trace.setSpan(parent, this.span);
    this.agent = agentRunOf(parent);
  }

  private readonly agent: AgentRun | undefined;

  get isEnded(): boolean {
    return this.ended;
  }

  markChunk(): void {
    if (this.firstChunkAt === undefined) this.firstChunkAt = performance.now();
  }

  /**
   * A failure the provider reported inside a successful HTTP exchange (a Responses stream that
   * ends in `response.failed`): the app gets no exception, but the span is an error.
   */
  reportedError: { type: string; message?: string } | undefined;

  /** Ends the span with what the response carried. */
  end(): void {
    if (this.ended) return;
    if (this.reportedError !== undefined) {
      this.fail(undefined, this.reportedError.type, this.reportedError.message);
      return;
    }
    this.ended = true;
    guard(() => {
      this.writeResponseAttributes();
      this.span.end();
      if (this.toolCalls !== undefined) toolCallLedger.expect(this.toolCalls, epochMillis());
      this.agent?.recordModelCall(this.inputTokens, this.outputTokens);
    });
  }

  /** Ends the span as failed; `errorType` and `message` override what the error says. */
  fail(error: unknown, errorType?: string, message?: string): void {
    if (this.ended) return;
    this.ended = true;
    guard(() => {
      if (this.finishReasons === undefined) this.finishReasons = [FINISH_REASON_ERROR];
      this.writeResponseAttributes();
      const type = errorType ?? errorTypeOf(error);
      this.span.setAttribute(ATTR_ERROR_TYPE, type);
      if (error instanceof Error) this.span.recordException(error);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message: message ?? messageOf(error) });
      this.span.end();
      this.agent?.recordModelCall(this.inputTokens, this.outputTokens);
    });
  }

  private writeResponseAttributes(): void {
    const attributes: Attributes = { ...this.providerAttributes };
    if (this.responseId !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = this.responseId;
    if (this.responseModel !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = this.responseModel;
    if (this.finishReasons !== undefined) attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS] = this.finishReasons;
    if (this.inputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS] = this.inputTokens;
    if (this.outputTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS] = this.outputTokens;
    if (this.cacheReadTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS] = this.cacheReadTokens;
    if (this.cacheWriteTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS] = this.cacheWriteTokens;
    if (this.reasoningTokens !== undefined) attributes[ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS] = this.reasoningTokens;
    if (this.firstChunkAt !== undefined) {
      attributes[ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK] = (this.firstChunkAt - this.startedAt) / 1000;
    }
    addLegacyAliases(attributes, this.semconvMode);
    this.span.setAttributes(attributes);
  }
}

