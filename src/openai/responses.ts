/**
 * The Responses API (`responses.create`) onto the GenAI conventions.
 *
 * Responses have no finish reason of their own; the span's single finish reason is derived:
 * - `completed` with a client-side tool call among the output items (`function_call`,
 *   `custom_tool_call`, `computer_call`, `local_shell_call`): `tool_calls`, the value Chat
 *   Completions uses for the same situation;
 * - `completed` otherwise: `stop`;
 * - `incomplete`: `incomplete_details.reason` (`max_output_tokens`, `content_filter`), or `incomplete`;
 * - `failed`: `error` (and the span is an error, typed by `error.code` when it is a documented code,
 *   else `response_failed`; `error.message` only while content capture is on); `cancelled`: `cancelled`;
 * - any other status (`queued`, `in_progress` for background responses): none.
 */
import type { Attributes } from '@opentelemetry/api';
import type { ResponseMapping } from '../api-promise';
import { knownErrorType } from '../errors';
import type { ModelCallSpec } from '../genai-instrumentation';
import type { InferenceCall } from '../inference-call';
import {
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID,
  ATTR_GEN_AI_REQUEST_REASONING_LEVEL,
  ATTR_OPENAI_API_TYPE,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ERROR_TYPE_RESPONSE_FAILED,
  FINISH_REASON_ERROR,
  GEN_AI_OPERATION_CHAT,
} from '../semconv';
import type { ChunkHandler } from '../stream';
import { trailingToolResults } from '../tools';
import type { RequestedToolCall, ToolResult } from '../tools';
import { asRecord, finiteNumber, nonEmptyString, putNumber, putString } from '../values';
import { outputType, samplingAttributes } from './chat';
import { responsesContent } from './responses-content';

const CLIENT_TOOL_CALLS = new Set(['function_call', 'custom_tool_call', 'computer_call', 'local_shell_call']);

function requestAttributes(params: Record<string, unknown>, target: Attributes): void {
  target[ATTR_OPENAI_API_TYPE] = 'responses';
  samplingAttributes(params, target);
  putNumber(target, ATTR_GEN_AI_REQUEST_MAX_TOKENS, params.max_output_tokens);
  putString(target, ATTR_GEN_AI_REQUEST_REASONING_LEVEL, asRecord(params.reasoning)?.effort);
  const output = outputType(asRecord(params.text)?.format);
  if (output !== undefined) target[ATTR_GEN_AI_OUTPUT_TYPE] = output;
  putString(target, ATTR_GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID, params.previous_response_id);
  const conversation = nonEmptyString(params.conversation) ?? nonEmptyString(asRecord(params.conversation)?.id);
  if (conversation !== undefined) target[ATTR_GEN_AI_CONVERSATION_ID] = conversation;
}

function finishReason(response: Record<string, unknown>): string | undefined {
  switch (response.status) {
    case 'completed': {
      const output = Array.isArray(response.output) ? response.output : [];
      return output.some((item) => CLIENT_TOOL_CALLS.has(asRecord(item)?.type as string)) ? 'tool_calls' : 'stop';
    }
    case 'incomplete':
      return nonEmptyString(asRecord(response.incomplete_details)?.reason) ?? 'incomplete';
    case 'failed':
      return FINISH_REASON_ERROR;
    case 'cancelled':
      return 'cancelled';
    default:
      return undefined;
  }
}

/** A `function_call_output` item's result: only those end the input after the model's turn. */
function functionCallOutputResult(item: Record<string, unknown> | undefined, into: ToolResult[]): boolean {
  if (item?.type !== 'function_call_output') return false;
  const id = nonEmptyString(item.call_id);
  if (id !== undefined) into.push({ id });
  return true;
}

function toolResults(params: Record<string, unknown>): ToolResult[] {
  return trailingToolResults(params.input, functionCallOutputResult);
}

function applyResponse(call: InferenceCall, response: Record<string, unknown>): void {
  const id = nonEmptyString(response.id);
  if (id !== undefined) call.responseId = id;
  const model = nonEmptyString(response.model);
  if (model !== undefined) call.responseModel = model;
  const reason = finishReason(response);
  if (reason !== undefined) call.finishReasons = [reason];
  if (Array.isArray(response.output)) {
    let calls: RequestedToolCall[] | undefined;
    for (const item of response.output) {
      const fields = asRecord(item);
      if (fields?.type !== 'function_call') continue;
      const id = nonEmptyString(fields.call_id);
      const name = nonEmptyString(fields.name);
      if (id !== undefined && name !== undefined) (calls ??= []).push({ id, name, arguments: fields.arguments });
    }
    if (calls !== undefined) call.toolCalls = calls;
  }
  const tier = nonEmptyString(response.service_tier);
  if (tier !== undefined) (call.providerAttributes ??= {})[ATTR_OPENAI_RESPONSE_SERVICE_TIER] = tier;
  if (response.status === 'failed') {
    const error = asRecord(response.error);
    call.reportedError = {
      type: knownErrorType(error?.code) ?? ERROR_TYPE_RESPONSE_FAILED,
      message: nonEmptyString(error?.message),
    };
  }
  const usage = asRecord(response.usage);
  if (usage === undefined) return;
  const input = finiteNumber(usage.input_tokens);
  if (input !== undefined) call.inputTokens = input;
  const cached = finiteNumber(asRecord(usage.input_tokens_details)?.cached_tokens);
  if (cached !== undefined) call.cacheReadTokens = cached;
  // A response still under way (a stream's `response.created` / `response.in_progress`, a background
  // response) has no final output count: only input counts are taken from it.
  if (response.status === 'queued' || response.status === 'in_progress') return;
  const output = finiteNumber(usage.output_tokens);
  if (output !== undefined) call.outputTokens = output;
  const reasoning = finiteNumber(asRecord(usage.output_tokens_details)?.reasoning_tokens);
  if (reasoning !== undefined) call.reasoningTokens = reasoning;
}

/** Events that carry the whole response object. */
const RESPONSE_EVENTS = new Set([
  'response.created',
  'response.in_progress',
  'response.completed',
  'response.incomplete',
  'response.failed',
]);

class ResponseStreamHandler implements ChunkHandler<unknown> {
  constructor(private readonly call: InferenceCall) {}

  onChunk(event: unknown): void {
    const fields = asRecord(event);
    if (fields === undefined || !RESPONSE_EVENTS.has(fields.type as string)) return;
    const response = asRecord(fields.response);
    if (response !== undefined) applyResponse(this.call, response);
  }
}

const responsesMapping: ResponseMapping<unknown, unknown> = {
  onBody(call, body) {
    const response = asRecord(body);
    if (response !== undefined) applyResponse(call, response);
  },
  chunkHandler(call) {
    return new ResponseStreamHandler(call);
  },
};

export const responsesCreate: ModelCallSpec<unknown, unknown> = {
  operation: GEN_AI_OPERATION_CHAT,
  requestAttributes,
  mapping: responsesMapping,
  content: responsesContent,
  toolResults,
};
