/** Chat Completions (`chat.completions.create`) onto the GenAI conventions. */
import type { Attributes } from '@opentelemetry/api';
import type { ResponseMapping } from '../api-promise';
import type { ModelCallSpec } from '../genai-instrumentation';
import type { InferenceCall } from '../inference-call';
import {
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_REASONING_LEVEL,
  ATTR_GEN_AI_REQUEST_SEED,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_P,
  ATTR_OPENAI_API_TYPE,
  ATTR_OPENAI_REQUEST_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SERVICE_TIER,
  ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT,
  FINISH_REASON_ERROR,
  GEN_AI_OPERATION_CHAT,
} from '../semconv';
import type { ChunkHandler } from '../stream';
import { trailingToolResults } from '../tools';
import type { RequestedToolCall, ToolResult } from '../tools';
import { asRecord, finiteNumber, nonEmptyString, putNumber, putString, putStrings } from '../values';
import { chatContent } from './chat-content';

/** `response_format.type` / `text.format.type` as `gen_ai.output.type`. */
export function outputType(format: unknown): string | undefined {
  switch (asRecord(format)?.type) {
    case 'json_schema':
    case 'json_object':
      return 'json';
    case 'text':
      return 'text';
    default:
      return undefined;
  }
}

/** Sampling parameters that Chat Completions and Responses share. */
export function samplingAttributes(params: Record<string, unknown>, target: Attributes): void {
  putNumber(target, ATTR_GEN_AI_REQUEST_TEMPERATURE, params.temperature);
  putNumber(target, ATTR_GEN_AI_REQUEST_TOP_P, params.top_p);
  const tier = nonEmptyString(params.service_tier);
  if (tier !== undefined && tier !== 'auto') target[ATTR_OPENAI_REQUEST_SERVICE_TIER] = tier;
  if (params.stream === true) target[ATTR_GEN_AI_REQUEST_STREAM] = true;
}

function requestAttributes(params: Record<string, unknown>, target: Attributes): void {
  target[ATTR_OPENAI_API_TYPE] = 'chat_completions';
  samplingAttributes(params, target);
  putNumber(target, ATTR_GEN_AI_REQUEST_MAX_TOKENS, params.max_completion_tokens ?? params.max_tokens);
  putNumber(target, ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, params.frequency_penalty);
  putNumber(target, ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, params.presence_penalty);
  putNumber(target, ATTR_GEN_AI_REQUEST_SEED, params.seed);
  putStrings(target, ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, params.stop);
  const n = finiteNumber(params.n);
  if (n !== undefined && n !== 1) target[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = n;
  const output = outputType(params.response_format);
  if (output !== undefined) target[ATTR_GEN_AI_OUTPUT_TYPE] = output;
  putString(target, ATTR_GEN_AI_REQUEST_REASONING_LEVEL, params.reasoning_effort);
}

/** Fields every completion and every chunk carry. */
function applyHeader(call: InferenceCall, body: Record<string, unknown>): void {
  const id = nonEmptyString(body.id);
  if (id !== undefined) call.responseId = id;
  const model = nonEmptyString(body.model);
  if (model !== undefined) call.responseModel = model;
  const fingerprint = nonEmptyString(body.system_fingerprint);
  const tier = nonEmptyString(body.service_tier);
  if (fingerprint !== undefined || tier !== undefined) {
    const attributes = (call.providerAttributes ??= {});
    if (fingerprint !== undefined) attributes[ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT] = fingerprint;
    if (tier !== undefined) attributes[ATTR_OPENAI_RESPONSE_SERVICE_TIER] = tier;
  }
}

/**
 * `prompt_tokens` already includes cached tokens; reasoning tokens are inside `completion_tokens`.
 * Output counts only when `outputFinal`: some OpenAI-compatible servers put running usage on every
 * chunk (vLLM's `continuous_usage_stats`), whose `completion_tokens` is no final count until the
 * choices have finished; input counts are final whenever given.
 */
function applyUsage(call: InferenceCall, usage: unknown, outputFinal: boolean): void {
  const fields = asRecord(usage);
  if (fields === undefined) return;
  const input = finiteNumber(fields.prompt_tokens);
  if (input !== undefined) call.inputTokens = input;
  const inputDetails = asRecord(fields.prompt_tokens_details);
  const cached = finiteNumber(inputDetails?.cached_tokens);
  if (cached !== undefined) call.cacheReadTokens = cached;
  // The only modality chat splits out (audio models); every response carries it, as 0 for a text one,
  // which says nothing of the rest (images are counted inside the total): so only a count above 0.
  const audioInput = finiteNumber(inputDetails?.audio_tokens);
  if (audioInput !== undefined && audioInput > 0) call.inputByModality = { audio: audioInput };
  if (!outputFinal) return;
  const output = finiteNumber(fields.completion_tokens);
  if (output !== undefined) call.outputTokens = output;
  const outputDetails = asRecord(fields.completion_tokens_details);
  const reasoning = finiteNumber(outputDetails?.reasoning_tokens);
  if (reasoning !== undefined) call.reasoningTokens = reasoning;
  const audioOutput = finiteNumber(outputDetails?.audio_tokens);
  if (audioOutput !== undefined && audioOutput > 0) call.outputByModality = { audio: audioOutput };
}

/** The tool calls of every choice's message. */
function messageToolCalls(choices: unknown): RequestedToolCall[] | undefined {
  if (!Array.isArray(choices)) return undefined;
  let calls: RequestedToolCall[] | undefined;
  for (const choice of choices) {
    const toolCalls = asRecord(asRecord(choice)?.message)?.tool_calls;
    if (!Array.isArray(toolCalls)) continue;
    for (const toolCall of toolCalls) {
      const fields = asRecord(toolCall);
      const fn = asRecord(fields?.function);
      const id = nonEmptyString(fields?.id);
      const name = nonEmptyString(fn?.name);
      if (id !== undefined && name !== undefined) (calls ??= []).push({ id, name, arguments: fn?.arguments });
    }
  }
  return calls;
}

/** A `role: "tool"` message's result: only those follow the last assistant message. */
function toolMessageResult(message: Record<string, unknown> | undefined, into: ToolResult[]): boolean {
  if (message?.role !== 'tool') return false;
  const id = nonEmptyString(message.tool_call_id);
  if (id !== undefined) into.push({ id });
  return true;
}

function toolResults(params: Record<string, unknown>): ToolResult[] {
  return trailingToolResults(params.messages, toolMessageResult);
}

/** One finish reason per choice, in choice order; `error` for a choice whose reason never came. */
function finishReasons(byIndex: ReadonlyArray<string | undefined>): string[] {
  const reasons: string[] = [];
  for (let i = 0; i < byIndex.length; i++) reasons.push(byIndex[i] ?? FINISH_REASON_ERROR);
  return reasons;
}

/** The most choices (`n`) one request may ask for. */
const MAX_CHOICES = 128;

function collectFinishReasons(choices: unknown, into: Array<string | undefined>): boolean {
  if (!Array.isArray(choices)) return false;
  let found = false;
  for (const choice of choices) {
    const fields = asRecord(choice);
    const reason = nonEmptyString(fields?.finish_reason);
    if (reason === undefined) continue;
    // An index that cannot be a choice's (negative, fractional, beyond the API's 128) goes last:
    // a huge one would make an array of millions of `error` reasons.
    const given = finiteNumber(fields?.index);
    const index = given !== undefined && Number.isInteger(given) && given >= 0 && given < MAX_CHOICES ? given : into.length;
    into[index] = reason;
    found = true;
  }
  return found;
}

class ChatStreamHandler implements ChunkHandler<unknown> {
  private readonly reasons: Array<string | undefined> = [];
  private seenHeader = false;

  constructor(
    private readonly call: InferenceCall,
    private readonly hideAddedUsage: boolean,
  ) {}

  onChunk(chunk: unknown): boolean {
    const fields = asRecord(chunk);
    if (fields === undefined) return true;
    if (!this.seenHeader) {
      this.seenHeader = true;
      applyHeader(this.call, fields);
    }
    if (collectFinishReasons(fields.choices, this.reasons)) this.call.finishReasons = finishReasons(this.reasons);
    if (Array.isArray(fields.choices) && fields.choices.length > 0) this.collectToolCalls(fields.choices);
    const usage = fields.usage;
    if (usage !== undefined && usage !== null) {
      // Final: OpenAI's own usage chunk (no choices), or usage once the choices have finished.
      const final = !(Array.isArray(fields.choices) && fields.choices.length > 0) || this.call.finishReasons !== undefined;
      applyUsage(this.call, usage, final);
    }
    if (!this.hideAddedUsage) return true;
    // We asked for usage on the app's behalf: the app sees the chunks it would have seen.
    if (usage !== undefined && Array.isArray(fields.choices) && fields.choices.length === 0) return false;
    if (usage === null) delete fields.usage;
    return true;
  }

  /** A streamed tool call shows its id and name in its first delta only; its arguments are not kept. */
  private collectToolCalls(choices: unknown[]): void {
    for (const choice of choices) {
      const toolCalls = asRecord(asRecord(choice)?.delta)?.tool_calls;
      if (!Array.isArray(toolCalls)) continue;
      for (const toolCall of toolCalls) {
        const fields = asRecord(toolCall);
        const id = nonEmptyString(fields?.id);
        const name = nonEmptyString(asRecord(fields?.function)?.name);
        if (id !== undefined && name !== undefined) (this.call.toolCalls ??= []).push({ id, name });
      }
    }
  }
}

function chatMapping(hideAddedUsage: boolean): ResponseMapping<unknown, unknown> {
  return {
    onBody(call, body) {
      const completion = asRecord(body);
      if (completion === undefined) return;
      applyHeader(call, completion);
      const reasons: Array<string | undefined> = [];
      if (collectFinishReasons(completion.choices, reasons)) call.finishReasons = finishReasons(reasons);
      applyUsage(call, completion.usage, true);
      const calls = messageToolCalls(completion.choices);
      if (calls !== undefined) call.toolCalls = calls;
    },
    chunkHandler(call) {
      return new ChatStreamHandler(call, hideAddedUsage);
    },
  };
}

export const chatCreate: ModelCallSpec<unknown, unknown> = {
  operation: GEN_AI_OPERATION_CHAT,
  requestAttributes,
  mapping: chatMapping(false),
  content: chatContent,
  toolResults,
};

/** The same, for a streaming request to which we added `stream_options.include_usage`. */
export const chatCreateWithAddedUsage: ModelCallSpec<unknown, unknown> = {
  ...chatCreate,
  mapping: chatMapping(true),
};
