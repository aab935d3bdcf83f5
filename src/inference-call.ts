/**
 * The life of one model call, provider-neutral: its span started before the SDK method runs,
 * filled by the provider's mapping as the response (or its stream) arrives, and ended exactly once,
 * which is also when its metrics are recorded and its content (when captured) is written.
 */
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Link, Logger, Span, Tracer } from '@opentelemetry/api';
import { agentRunOf } from './agent';
import type { AgentRun } from './agent';
import { released } from './abandonment';
import type { Holder } from './abandonment';
import type { ChatMessage, ContentMapping, ContentRecorder, InputContent } from './content';
import type { CostTelemetry, Estimate } from './cost';
import { errorTypeOf, guard, messageOf, recordException, reportFailure } from './errors';
import type { GenAIMetrics, ModalityTokens } from './metrics';
import {
  ATTR_ABANDONED,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_RESPONSE_ID,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK,
  ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS,
  ATTR_USAGE_COST,
  ATTR_USAGE_COST_SOURCE,
  EVENT_GEN_AI_CLIENT_INFERENCE_EXCEPTION,
  EVENT_GEN_AI_CLIENT_OPERATION_EXCEPTION,
  GEN_AI_OPERATION_EMBEDDINGS,
  usageByModality,
  EVENT_GEN_AI_INFERENCE_DETAILS,
  FINISH_REASON_ERROR,
  setSpanAttribute,
  setSpanAttributes,
} from './semconv';
import type { SemconvMode } from './semconv';
import { epochMillis, toolCallLedger } from './tools';
import type { RequestedToolCall, ToolContent } from './tools';
import { spanSeconds } from './values';

/** What one instrumentation's calls report to, settled from its config and providers. */
export interface CallTelemetry {
  tracer: Tracer;
  semconvMode: SemconvMode;
  /** Undefined while no meter provider is registered. */
  metrics: GenAIMetrics | undefined;
  /** Undefined while content capture is off. */
  content: ContentRecorder | undefined;
  /** Undefined while cost is off. */
  cost?: CostTelemetry;
  logger: Logger;
}

/** Content of one call while capture is on. */
class CallContent {
  /** The request's content attributes, kept for the event when capture goes to events. */
  inputAttributes: Attributes = {};
  output: (() => ChatMessage[]) | undefined;

  constructor(
    readonly recorder: ContentRecorder,
    readonly mapping: ContentMapping<unknown, unknown>,
  ) {}
}

export class InferenceCall {
  readonly span: Span;
  readonly context: Context;
  private readonly agent: AgentRun | undefined;
  private readonly startedAt = performance.now();
  private firstChunkAt: number | undefined;
  private lastChunkAt: number | undefined;
  /** What a stream's chunk gaps are recorded with, made at its second chunk, when the response model is known. */
  private chunkAttributes: Attributes | undefined;
  private chunkGapsFailed = false;
  private ended = false;
  /** Settled as the call ends, while cost is on. */
  private cost: Estimate;
  /** Set while content capture is on. */
  readonly content: CallContent | undefined;

  responseId: string | undefined;
  responseModel: string | undefined;
  finishReasons: string[] | undefined;
  /** All input tokens, cache reads and writes included (the conventions' sum rule). */
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cacheReadTokens: number | undefined;
  cacheWriteTokens: number | undefined;
  reasoningTokens: number | undefined;
  /** What the provider split out by modality, each part of its total (OpenAI's audio tokens, …). */
  inputByModality: ModalityTokens | undefined;
  outputByModality: ModalityTokens | undefined;
  /** Tool calls the response asked for, which a later request may answer (see tools.ts). */
  toolCalls: RequestedToolCall[] | undefined;
  /**
   * Provider-specific response attributes (`openai.response.system_fingerprint`, …), on the span
   * and on the duration metric, as the provider's conventions ask.
   */
  providerAttributes: Attributes | undefined;
  /**
   * A failure the provider reported inside a successful HTTP exchange (a Responses stream that
   * ends in `response.failed`): the app gets no exception, but the span is an error. `type` is a
   * known error type (see `knownErrorType`); `message` is the provider's text, recorded only while
   * content capture is on.
   */
  reportedError: { type: string; message?: string } | undefined;
  /** What of this call the app holds now (see abandonment.ts). */
  holder: Holder | undefined;

  /**
   * `startAttributes` are the ones samplers must see (the conventions' sampling-relevant set, with
   * their legacy aliases already in); `requestAttributes` go on the span right after it starts,
   * legacy aliases added here, which spares them the SDK's second validation pass at start.
   */
  constructor(
    private readonly telemetry: CallTelemetry,
    name: string,
    private readonly startAttributes: Attributes,
    requestAttributes: Attributes,
    contentMapping: ContentMapping<unknown, unknown> | undefined,
    params: Record<string, unknown>,
    /** To the calls that asked for the tool results this request carries, in other traces (see tools.ts). */
    links?: Link[],
  ) {
    const parent = context.active();
    this.agent = agentRunOf(parent);
    this.span = telemetry.tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: startAttributes, links }, parent);
    this.context = trace.setSpan(parent, this.span);
    setSpanAttributes(this.span, requestAttributes, telemetry.semconvMode);
    if (telemetry.content !== undefined && contentMapping !== undefined) {
      this.content = new CallContent(telemetry.content, contentMapping);
      guard(() => this.captureInput(contentMapping.input(params)));
    }
  }

  get isEnded(): boolean {
    return this.ended;
  }

  markChunk(): void {
    if (this.firstChunkAt === undefined) {
      this.firstChunkAt = this.lastChunkAt = performance.now();
      return;
    }
    // After the first chunk the clock is read only for the per-chunk metric.
    const metrics = this.telemetry.metrics;
    if (metrics === undefined || this.chunkGapsFailed) return;
    const now = performance.now();
    try {
      this.chunkAttributes ??= metrics.commonAttributes(this.startAttributes, this.responseModel);
      metrics.recordChunkGap((now - (this.lastChunkAt as number)) / 1000, this.chunkAttributes);
    } catch (problem) {
      // Here, not in the caller: the chunk must still be read. A meter that threw once will again: one report a stream.
      this.chunkGapsFailed = true;
      reportFailure(problem);
    }
    this.lastChunkAt = now;
  }

  /** Ends the call with what the response carried. */
  end(): void {
    if (this.ended) return;
    if (this.reportedError !== undefined) {
      this.fail(undefined, this.reportedError.type, this.reportedError.message);
      return;
    }
    this.ended = true;
    released(this);
    guard(() => this.writeResponseAttributes());
    if (this.telemetry.cost !== undefined) guard(() => this.writeCost());
    // The duration metric is the span's: measured as it ends, before the bookkeeping below.
    const endedAt = performance.now();
    guard(() => this.span.end());
    try {
      if (this.toolCalls !== undefined) toolCallLedger.expect(this.toolCalls, epochMillis(), this.span.spanContext(), this.agent);
      this.agent?.recordModelCall(this.inputTokens, this.outputTokens, this.finishReasons, this.cost);
      this.recordMetrics(undefined, endedAt);
    } catch (problem) {
      reportFailure(problem);
    }
  }

  /** Ends a call the app dropped before its end (see abandonment.ts): not a failure of the call. */
  abandon(): void {
    if (this.ended) return;
    guard(() => this.span.setAttribute(ATTR_ABANDONED, true));
    this.end();
  }

  /**
   * Ends the call as failed. `errorType` (one of the known error types) overrides what the error
   * says; `providerMessage` is the provider's own text, for the status only while capture is on.
   * With capture off, neither the provider's nor the error's message reaches the span, its
   * exception event or log record (see errors.ts).
   */
  fail(error: unknown, errorType?: string, providerMessage?: string): void {
    if (this.ended) return;
    this.ended = true;
    released(this);
    const type = errorType ?? errorTypeOf(error);
    const captureContent = this.telemetry.content !== undefined;
    // Each step apart: one that fails never keeps the span from ending.
    guard(() => {
      if (this.finishReasons === undefined) this.finishReasons = [FINISH_REASON_ERROR];
      this.writeResponseAttributes();
    });
    guard(() => {
      this.span.setAttribute(ATTR_ERROR_TYPE, type);
      recordException(this.span, error, {
        logger: () => this.telemetry.logger,
        name: exceptionEventOf(this.startAttributes),
        captureContent,
      });
      const message = error === undefined ? ((captureContent ? providerMessage : undefined) ?? type) : messageOf(error, captureContent);
      this.span.setStatus({ code: SpanStatusCode.ERROR, message });
    });
    // A call that failed after its usage came (a Responses stream ending in `response.failed`) was billed all the same.
    if (this.telemetry.cost !== undefined) guard(() => this.writeCost());
    const endedAt = performance.now();
    guard(() => this.span.end());
    guard(() => {
      this.agent?.recordModelCall(this.inputTokens, this.outputTokens, this.finishReasons, this.cost);
      this.recordMetrics(type, endedAt);
    });
  }

  private captureInput(input: InputContent): void {
    const content = this.content as CallContent;
    const attributes = content.recorder.inputAttributes(input);
    if (content.recorder.onSpan) this.span.setAttributes(attributes);
    if (content.recorder.onEvent) content.inputAttributes = attributes;
  }

  private writeResponseAttributes(): void {
    const span = this.span;
    const mode = this.telemetry.semconvMode;
    if (this.providerAttributes !== undefined) setSpanAttributes(span, this.providerAttributes, mode);
    if (this.responseId !== undefined) span.setAttribute(ATTR_GEN_AI_RESPONSE_ID, this.responseId);
    if (this.responseModel !== undefined) span.setAttribute(ATTR_GEN_AI_RESPONSE_MODEL, this.responseModel);
    if (this.finishReasons !== undefined) span.setAttribute(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, this.finishReasons);
    if (this.inputTokens !== undefined) span.setAttribute(ATTR_GEN_AI_USAGE_INPUT_TOKENS, this.inputTokens);
    if (this.outputTokens !== undefined) span.setAttribute(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, this.outputTokens);
    if (this.cacheReadTokens !== undefined) span.setAttribute(ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS, this.cacheReadTokens);
    if (this.cacheWriteTokens !== undefined)
      setSpanAttribute(span, ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS, this.cacheWriteTokens, mode);
    if (this.reasoningTokens !== undefined) span.setAttribute(ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS, this.reasoningTokens);
    if (this.inputByModality !== undefined) setModalityAttributes(span, this.inputByModality, 'input_tokens');
    if (this.outputByModality !== undefined) setModalityAttributes(span, this.outputByModality, 'output_tokens');
    if (this.firstChunkAt !== undefined) {
      span.setAttribute(ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK, (this.firstChunkAt - this.startedAt) / 1000);
    }
    if (this.content !== undefined) guard(() => this.captureOutput());
  }

  /** The call's estimated cost, on the span (before it ends) and on the cost counter. */
  private writeCost(): void {
    const telemetry = this.telemetry.cost as CostTelemetry;
    const cost = (this.cost = telemetry.prices.estimate(this.startAttributes, this.responseModel, this));
    if (cost === null || cost === undefined) return;
    this.span.setAttribute(ATTR_USAGE_COST, cost.usd);
    this.span.setAttribute(ATTR_USAGE_COST_SOURCE, cost.source);
    const metrics = this.telemetry.metrics;
    if (metrics !== undefined) telemetry.count(cost, metrics.commonAttributes(this.startAttributes, this.responseModel));
  }

  /** The output messages, on the span and/or in one event beside the request's content. */
  private captureOutput(): void {
    const content = this.content as CallContent;
    const output = content.output === undefined ? undefined : content.recorder.outputAttributes(content.output());
    if (content.recorder.onSpan && output !== undefined) this.span.setAttributes(output);
    if (!content.recorder.onEvent) return;
    const attributes: Attributes = {};
    for (const key of [ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL]) {
      if (this.startAttributes[key] !== undefined) attributes[key] = this.startAttributes[key];
    }
    if (this.responseId !== undefined) attributes[ATTR_GEN_AI_RESPONSE_ID] = this.responseId;
    this.telemetry.logger.emit({
      eventName: EVENT_GEN_AI_INFERENCE_DETAILS,
      context: this.context,
      attributes: { ...attributes, ...content.inputAttributes, ...output },
    });
  }

  private recordMetrics(errorType: string | undefined, endedAt: number): void {
    const metrics = this.telemetry.metrics;
    if (metrics === undefined) return;
    metrics.record({
      startAttributes: this.startAttributes,
      responseModel: this.responseModel,
      errorType,
      durationSeconds: spanSeconds(this.span) ?? (endedAt - this.startedAt) / 1000,
      usage: {
        inputTokens: this.inputTokens,
        outputTokens: this.outputTokens,
        cacheReadTokens: this.cacheReadTokens,
        cacheWriteTokens: this.cacheWriteTokens,
        reasoningTokens: this.reasoningTokens,
        inputByModality: this.inputByModality,
        outputByModality: this.outputByModality,
      },
      providerAttributes: this.providerAttributes,
      timeToFirstChunkSeconds: this.firstChunkAt === undefined ? undefined : (this.firstChunkAt - this.startedAt) / 1000,
    });
  }
}

/**
 * A model call of ours, of an SDK or of the AI SDK. When it ends, the tool calls its response asked
 * for wait in the ledger under its content settings: a `runTool` with one of their ids records under
 * those (see tools.ts).
 */
export class ModelCall extends InferenceCall {
  constructor(
    private readonly toolContent: ToolContent,
    telemetry: CallTelemetry,
    name: string,
    startAttributes: Attributes,
    requestAttributes: Attributes,
    contentMapping: ContentMapping<unknown, unknown> | undefined,
    params: Record<string, unknown>,
    links?: Link[],
  ) {
    super(telemetry, name, startAttributes, requestAttributes, contentMapping, params, links);
  }

  override end(): void {
    const previous = toolCallLedger.askedUnder(this.toolContent);
    try {
      super.end();
    } finally {
      toolCallLedger.askedUnder(previous);
    }
  }
}

function setModalityAttributes(span: Span, tokens: ModalityTokens, kind: 'input_tokens' | 'output_tokens'): void {
  for (const modality of ['text', 'image', 'audio'] as const) {
    const count = tokens[modality];
    if (count !== undefined) span.setAttribute(usageByModality(modality, kind), count);
  }
}

/** Embeddings keep the generic event (client-embeddings.md @88eccb15); model calls have their own in v0.1.0. */
function exceptionEventOf(startAttributes: Attributes): string {
  return startAttributes[ATTR_GEN_AI_OPERATION_NAME] === GEN_AI_OPERATION_EMBEDDINGS
    ? EVENT_GEN_AI_CLIENT_OPERATION_EXCEPTION
    : EVENT_GEN_AI_CLIENT_INFERENCE_EXCEPTION;
}
