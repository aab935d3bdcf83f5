/**
 * One model call of the AI SDK (a `languageModelCall`, an `embed` / `embedMany`, an
 * `experimental_extract` / `experimental_decide`) as an inference span, filled from what the
 * channel publishes: the provider's normalised result (`usage`, `finishReason`, `response`,
 * `content`), or, for a stream, its parts as they pass through a pass-through stream (see `tapStream`).
 */
import type { Attributes, Context, Link } from '@opentelemetry/api';
import type { ContentMapping } from '../content';
import { errorTypeOf, knownErrorType, ownError, reportFailure } from '../errors';
import { ModelCall } from '../inference-call';
import type { CallTelemetry } from '../inference-call';
import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, ERROR_TYPE_INCOMPLETE_STREAM, ERROR_TYPE_OTHER } from '../semconv';
import { serverOf } from '../server-address';
import type { RequestedToolCall, ToolContent } from '../tools';
import { asRecord, finiteNumber, nonEmptyString, parsedJSON } from '../values';
import { markedAsAISDKModelCall } from './marker';

export class AISDKModelCall extends ModelCall {
  /** The failure of the last attempt, while the AI SDK may retry it (see the subscriber). */
  pendingError: unknown;
  /** What the call's run does when the app drops the call's stream unfinished. */
  onAbandoned: (() => void) | undefined;
  /** The context the AI SDK runs the call in: the span's, marked (see marker.ts). */
  readonly bound: Context;

  constructor(
    toolContent: ToolContent,
    telemetry: CallTelemetry,
    name: string,
    private readonly attributes: Attributes,
    requestAttributes: Attributes,
    contentMapping: ContentMapping<unknown, unknown> | undefined,
    params: Record<string, unknown>,
    links?: Link[],
  ) {
    super(toolContent, telemetry, name, attributes, requestAttributes, contentMapping, params, links);
    this.bound = markedAsAISDKModelCall(this.context);
  }

  override abandon(): void {
    if (this.isEnded) return;
    super.abandon();
    this.onAbandoned?.();
  }

  /** Fails with `error`, typed as the AI SDK's errors are (see `aiErrorType`). */
  failWith(error: unknown): void {
    this.fail(error, aiErrorType(error));
  }

  /**
   * `server.address` / `server.port` from the request's origin, which the AI SDK reports with the
   * result: on the span, and (through the start attributes they read) on the metrics.
   */
  setServer(url: unknown): void {
    const { address, port } = serverOf(url);
    if (address === undefined) return;
    this.attributes[ATTR_SERVER_ADDRESS] = address;
    this.span.setAttribute(ATTR_SERVER_ADDRESS, address);
    if (port !== undefined) {
      this.attributes[ATTR_SERVER_PORT] = port;
      this.span.setAttribute(ATTR_SERVER_PORT, port);
    }
  }

  /** `LanguageModelV4Usage`: `inputTokens.{total, cacheRead, cacheWrite}` (the total counts the cache), `outputTokens.{total, reasoning}`. */
  applyUsage(usage: unknown): void {
    const fields = asRecord(usage);
    const input = asRecord(fields?.inputTokens);
    const output = asRecord(fields?.outputTokens);
    const inputTokens = finiteNumber(input?.total);
    if (inputTokens !== undefined) this.inputTokens = inputTokens;
    const cacheRead = finiteNumber(input?.cacheRead);
    if (cacheRead !== undefined) this.cacheReadTokens = cacheRead;
    const cacheWrite = finiteNumber(input?.cacheWrite);
    if (cacheWrite !== undefined) this.cacheWriteTokens = cacheWrite;
    const outputTokens = finiteNumber(output?.total);
    if (outputTokens !== undefined) this.outputTokens = outputTokens;
    const reasoning = finiteNumber(output?.reasoning);
    if (reasoning !== undefined) this.reasoningTokens = reasoning;
  }

  /** The provider's own finish reason (`end_turn`, `tool_calls`, …); the AI SDK's unified one only when the provider gave none. */
  applyFinishReason(finishReason: unknown): void {
    const fields = asRecord(finishReason);
    const reason = fields !== undefined ? (nonEmptyString(fields.raw) ?? nonEmptyString(fields.unified)) : nonEmptyString(finishReason);
    if (reason !== undefined) this.finishReasons = [reason];
  }

  applyResponse(response: unknown): void {
    const fields = asRecord(response);
    const id = nonEmptyString(fields?.id);
    if (id !== undefined) this.responseId = id;
    const model = nonEmptyString(fields?.modelId);
    if (model !== undefined) this.responseModel = model;
  }

  /** A client-side tool call the reply asks for (not one the provider ran). */
  addToolCall(part: Record<string, unknown>): void {
    if (part.providerExecuted === true) return;
    const id = nonEmptyString(part.toolCallId);
    const name = nonEmptyString(part.toolName);
    if (id === undefined || name === undefined) return;
    const call: RequestedToolCall = { id, name, arguments: parsedJSON(part.input) };
    (this.toolCalls ??= []).push(call);
  }

  /** A whole result of `doGenerate`. */
  applyResult(result: Record<string, unknown>): void {
    this.applyResponse(result.response);
    this.applyFinishReason(result.finishReason);
    this.applyUsage(result.usage);
    this.setServer(asRecord(result.request)?.url);
    if (Array.isArray(result.content)) {
      for (const item of result.content) {
        const part = asRecord(item);
        if (part?.type === 'tool-call') this.addToolCall(part);
      }
    }
    const content = this.content;
    if (content !== undefined) content.output = () => content.mapping.output(result);
  }
}

/**
 * `error.type` for an AI SDK failure. An in-stream `error` part carries the provider's error object
 * as it came (not an `Error`): its documented type, else `_OTHER`. Anything else is typed as every
 * failure is (`errorTypeOf`: for the AI SDK's `APICallError`, the documented provider error type or
 * code its parsed body names, Anthropic's `overloaded_error`, OpenAI's `rate_limit_exceeded`, else the class).
 */
export function aiErrorType(error: unknown): string {
  try {
    const fields = asRecord(error);
    if (fields === undefined) return errorTypeOf(error);
    if (!(error instanceof Error)) {
      const inner = asRecord(fields.error);
      return (
        knownErrorType(fields.type) ??
        knownErrorType(inner?.type) ??
        knownErrorType(fields.code) ??
        knownErrorType(inner?.code) ??
        ERROR_TYPE_OTHER
      );
    }
    return errorTypeOf(error);
  } catch {
    return ERROR_TYPE_OTHER;
  }
}

/** Whether the AI SDK retries after this failure (its `retryWithExponentialBackoff` retries an `APICallError` marked retryable). */
export function isRetryable(error: unknown): boolean {
  try {
    return asRecord(error)?.isRetryable === true;
  } catch {
    return false;
  }
}

/** An abort's reason: a `DOMException` / error named `AbortError` or `TimeoutError`. */
export function isAbort(reason: unknown): boolean {
  try {
    const name = asRecord(reason)?.name;
    return name === 'AbortError' || name === 'TimeoutError';
  } catch {
    return false;
  }
}

/** Stream parts that carry output from the provider: the chunks `time_to_first_chunk` and the chunk gaps count (as the AI SDK's own `isOutputChunk`). */
function isOutputPart(part: Record<string, unknown>): boolean {
  switch (part.type) {
    case 'text-delta':
    case 'reasoning-delta':
    case 'tool-input-delta':
      return typeof part.delta === 'string' && part.delta.length > 0;
    case 'tool-call':
    case 'file':
    case 'reasoning-file':
      return true;
    default:
      return false;
  }
}

/**
 * Reads a model call's stream parts into its span as they pass, and ends it: at the `finish` part
 * (an error if an `error` part came before it), or when the stream errors, ends without `finish`
 * (`incomplete_stream`), or is cancelled (an abort is an error; a consumer that stops early is not,
 * and no finish reason is invented).
 */
export class StreamObserver {
  private streamError: unknown;
  private readonly reply: { onChunk(chunk: unknown): void } | undefined;

  constructor(private readonly call: AISDKModelCall) {
    const content = call.content;
    if (content !== undefined) {
      const reply = content.mapping.streamOutput();
      content.output = () => reply.messages();
      this.reply = reply;
    }
  }

  part(chunk: unknown): void {
    const call = this.call;
    if (call.isEnded) return;
    try {
      const part = asRecord(chunk);
      if (part === undefined) return;
      if (isOutputPart(part)) call.markChunk();
      this.reply?.onChunk(part);
      switch (part.type) {
        case 'response-metadata':
          call.applyResponse(part);
          break;
        case 'tool-call':
          call.addToolCall(part);
          break;
        case 'error':
          this.streamError ??= part.error ?? ownError('the stream reported an error');
          break;
        case 'finish':
          this.finish(part);
          break;
      }
    } catch (problem) {
      reportFailure(problem);
    }
  }

  private finish(part: Record<string, unknown>): void {
    const call = this.call;
    try {
      call.applyFinishReason(part.finishReason);
      call.applyUsage(part.usage);
    } finally {
      if (this.streamError !== undefined) call.failWith(this.streamError);
      else call.end();
    }
  }

  done(): void {
    if (this.call.isEnded) return;
    if (this.streamError !== undefined) this.call.failWith(this.streamError);
    else this.call.fail(ownError('stream ended before its final part'), ERROR_TYPE_INCOMPLETE_STREAM);
  }

  failed(error: unknown): void {
    this.call.failWith(error);
  }

  cancelled(reason: unknown): void {
    if (this.call.isEnded) return;
    if (isAbort(reason)) this.call.failWith(reason);
    else this.call.end();
  }
}

/**
 * A pass-through of `source` that shows `observer` each part: the same part objects, in the same
 * order, read from `source` only when the consumer reads (`highWaterMark` 0: nothing read ahead);
 * the same error; a cancel passed on with its reason. `source` is locked at the first read, not
 * before, so a stream that we could not put in place is left untouched.
 */
export function tapStream(source: ReadableStream<unknown>, observer: StreamObserver): ReadableStream<unknown> {
  let reader: ReadableStreamDefaultReader<unknown> | undefined;
  return new ReadableStream<unknown>(
    {
      pull(controller) {
        reader ??= source.getReader();
        return reader.read().then(
          (result) => {
            if (result.done) {
              observer.done();
              closeQuietly(controller);
              return;
            }
            observer.part(result.value);
            // Throws only once the consumer has cancelled (a read was under way): the part has nowhere to go.
            try {
              controller.enqueue(result.value);
            } catch {
              // Dropped, as the source's own stream would have dropped it.
            }
          },
          (error: unknown) => {
            observer.failed(error);
            controller.error(error);
          },
        );
      },
      cancel(reason) {
        observer.cancelled(reason);
        return reader !== undefined ? reader.cancel(reason) : source.cancel(reason);
      },
    },
    { highWaterMark: 0 },
  );
}

function closeQuietly(controller: ReadableStreamDefaultController<unknown>): void {
  try {
    controller.close();
  } catch {
    // Already cancelled by the consumer.
  }
}
