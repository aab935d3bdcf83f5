/** How Anthropic Messages requests, responses and stream events map onto the GenAI conventions. */
import type { Attributes } from '@opentelemetry/api';
import type { InferenceCall } from '../inference-call';
import type { ResponseMapping } from '../api-promise';
import type { ModelCallSpec } from '../genai-instrumentation';
import { messagesContent } from './content';
import type { ChunkHandler } from '../stream';
import { trailingToolResults } from '../tools';
import type { RequestedToolCall, ToolResult } from '../tools';
import {
  GEN_AI_OPERATION_CHAT,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_REASONING_LEVEL,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
} from '../semconv';
import { asRecord, finiteNumber, nonEmptyString, putNumber, putString, putStrings } from '../values';

function requestAttributes(params: Record<string, unknown>, target: Attributes): void {
  putNumber(target, ATTR_GEN_AI_REQUEST_MAX_TOKENS, params.max_tokens);
  putNumber(target, ATTR_GEN_AI_REQUEST_TEMPERATURE, params.temperature);
  putNumber(target, ATTR_GEN_AI_REQUEST_TOP_P, params.top_p);
  putNumber(target, ATTR_GEN_AI_REQUEST_TOP_K, params.top_k);
  putStrings(target, ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, params.stop_sequences);
  if (params.stream === true) target[ATTR_GEN_AI_REQUEST_STREAM] = true;
  const outputConfig = asRecord(params.output_config);
  if (outputConfig !== undefined) {
    putString(target, ATTR_GEN_AI_REQUEST_REASONING_LEVEL, outputConfig.effort);
    if (asRecord(outputConfig.format)?.type === 'json_schema') target[ATTR_GEN_AI_OUTPUT_TYPE] = 'json';
  }
}

/**
 * Anthropic's `input_tokens` leaves out cached tokens; the conventions count all input, so the
 * span gets the sum and the two cache counts on their own. A stream reports usage twice
 * (`message_start`, then cumulative in `message_delta`), so the parts are kept between events.
 * `message_start`'s input counts are final, its `output_tokens` a placeholder (1, or a few): output
 * counts are taken only where they are final (`outputFinal`: a whole message, `message_delta`), so
 * a stream left before its `message_delta` reports no output usage rather than an invented one.
 */
class UsageParts {
  uncached: number | undefined;

  apply(call: InferenceCall, usage: unknown, outputFinal: boolean): void {
    const fields = asRecord(usage);
    if (fields === undefined) return;
    const uncached = finiteNumber(fields.input_tokens);
    const cacheRead = finiteNumber(fields.cache_read_input_tokens);
    const cacheWrite = finiteNumber(fields.cache_creation_input_tokens);
    if (uncached !== undefined) this.uncached = uncached;
    if (cacheRead !== undefined) call.cacheReadTokens = cacheRead;
    if (cacheWrite !== undefined) call.cacheWriteTokens = cacheWrite;
    if (outputFinal) {
      const output = finiteNumber(fields.output_tokens);
      if (output !== undefined) call.outputTokens = output;
      // Extended thinking is billed as output; the API reports its share separately.
      const thinking = finiteNumber(asRecord(fields.output_tokens_details)?.thinking_tokens);
      if (thinking !== undefined) call.reasoningTokens = thinking;
    }
    if (this.uncached !== undefined || call.cacheReadTokens !== undefined || call.cacheWriteTokens !== undefined) {
      // Finite parts may still overflow to Infinity, which is no count.
      const total = (this.uncached ?? 0) + (call.cacheReadTokens ?? 0) + (call.cacheWriteTokens ?? 0);
      if (Number.isFinite(total)) call.inputTokens = total;
    }
  }
}

/** The `tool_use` blocks of a message's content. */
function toolUses(content: unknown): RequestedToolCall[] | undefined {
  if (!Array.isArray(content)) return undefined;
  let calls: RequestedToolCall[] | undefined;
  for (const block of content) {
    const fields = asRecord(block);
    if (fields?.type !== 'tool_use') continue;
    const id = nonEmptyString(fields.id);
    const name = nonEmptyString(fields.name);
    if (id !== undefined && name !== undefined) (calls ??= []).push({ id, name, arguments: fields.input });
  }
  return calls;
}

/** The `tool_result` blocks of a user turn: the turns that follow the last assistant turn are all user turns. */
function userTurnResults(message: Record<string, unknown> | undefined, into: ToolResult[]): boolean {
  if (message?.role !== 'user') return false;
  if (!Array.isArray(message.content)) return true;
  for (const block of message.content) {
    const fields = asRecord(block);
    const id = fields?.type === 'tool_result' ? nonEmptyString(fields.tool_use_id) : undefined;
    // The app told the model that the tool failed: the only word of it the request carries.
    if (id !== undefined) into.push(fields?.is_error === true ? { id, failed: true } : { id });
  }
  return true;
}

function toolResults(params: Record<string, unknown>): ToolResult[] {
  return trailingToolResults(params.messages, userTurnResults);
}

/** A whole message (a response body), or a stream's `message_start` (`final` false: its output usage is a placeholder). */
function applyMessage(call: InferenceCall, message: Record<string, unknown>, usage: UsageParts, final: boolean): void {
  const id = nonEmptyString(message.id);
  if (id !== undefined) call.responseId = id;
  const model = nonEmptyString(message.model);
  if (model !== undefined) call.responseModel = model;
  const stopReason = nonEmptyString(message.stop_reason);
  if (stopReason !== undefined) call.finishReasons = [stopReason];
  usage.apply(call, message.usage, final);
  const calls = toolUses(message.content);
  if (calls !== undefined) call.toolCalls = calls;
}

class MessageStreamHandler implements ChunkHandler<unknown> {
  private readonly usage = new UsageParts();

  constructor(private readonly call: InferenceCall) {}

  onChunk(event: unknown): void {
    const fields = asRecord(event);
    if (fields === undefined) return;
    switch (fields.type) {
      case 'message_start': {
        const message = asRecord(fields.message);
        if (message !== undefined) applyMessage(this.call, message, this.usage, false);
        break;
      }
      case 'content_block_start': {
        const block = asRecord(fields.content_block);
        const id = block?.type === 'tool_use' ? nonEmptyString(block.id) : undefined;
        const name = nonEmptyString(block?.name);
        // The input arrives in pieces that we do not keep: the call is known by id and name only.
        if (id !== undefined && name !== undefined) (this.call.toolCalls ??= []).push({ id, name });
        break;
      }
      case 'message_delta': {
        const stopReason = nonEmptyString(asRecord(fields.delta)?.stop_reason);
        if (stopReason !== undefined) this.call.finishReasons = [stopReason];
        this.usage.apply(this.call, fields.usage, true);
        break;
      }
    }
  }
}

const messagesMapping: ResponseMapping<unknown, unknown> = {
  onBody(call, body) {
    const message = asRecord(body);
    if (message !== undefined) applyMessage(call, message, new UsageParts(), true);
  },
  chunkHandler(call) {
    return new MessageStreamHandler(call);
  },
};

export const messagesCreate: ModelCallSpec<unknown, unknown> = {
  operation: GEN_AI_OPERATION_CHAT,
  requestAttributes,
  mapping: messagesMapping,
  content: messagesContent,
  toolResults,
};
