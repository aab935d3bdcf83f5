/**
 * How `@google/genai` requests, responses and stream chunks map onto the GenAI conventions. The
 * params are what `Models.prototype.*Internal` receives (`{ model, contents, config }`, one HTTP
 * request each), the bodies and chunks the SDK's `GenerateContentResponse` objects (camelCase).
 *
 * Usage (`usageMetadata`, types.ts of the SDK): `promptTokenCount` includes the cached tokens;
 * input = prompt + tool-use prompt, output = candidates + thoughts, cache read = cached content,
 * reasoning = thoughts. A stream repeats usage on every chunk, the last one holding the totals.
 */
import type { Attributes } from '@opentelemetry/api';
import type { ModelCallSpec } from '../genai-instrumentation';
import type { InferenceCall } from '../inference-call';
import type { ModalityTokens } from '../metrics';
import type { ChunkHandler } from '../stream';
import { fingerprint } from '../tools';
import type { RequestedToolCall, ToolResult } from '../tools';
import {
  ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT,
  ATTR_GEN_AI_OUTPUT_TYPE,
  ATTR_GEN_AI_REQUEST_CHOICE_COUNT,
  ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY,
  ATTR_GEN_AI_REQUEST_MAX_TOKENS,
  ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY,
  ATTR_GEN_AI_REQUEST_REASONING_LEVEL,
  ATTR_GEN_AI_REQUEST_STOP_SEQUENCES,
  ATTR_GEN_AI_REQUEST_STREAM,
  ATTR_GEN_AI_REQUEST_TEMPERATURE,
  ATTR_GEN_AI_REQUEST_TOP_K,
  ATTR_GEN_AI_REQUEST_TOP_P,
  GEN_AI_OPERATION_EMBEDDINGS,
  GEN_AI_OPERATION_GENERATE_CONTENT,
} from '../semconv';
import { asRecord, finiteNumber, nonEmptyString, putNumber, putStrings } from '../values';
import { generateContentContent, normalizeContents } from './content';

/** What a response's `responseMimeType` / `responseModalities` ask for, as `gen_ai.output.type`. */
function outputType(config: Record<string, unknown>): string | undefined {
  const mime = nonEmptyString(config.responseMimeType);
  if (mime === 'application/json' || config.responseSchema !== undefined || config.responseJsonSchema !== undefined) return 'json';
  const modalities = Array.isArray(config.responseModalities) ? config.responseModalities : [];
  if (modalities.includes('IMAGE')) return 'image';
  if (modalities.includes('AUDIO') || config.speechConfig !== undefined) return 'speech';
  if (mime !== undefined && mime.startsWith('text/')) return 'text';
  return undefined;
}

/**
 * `gen_ai.request.reasoning.level`, where the request says one: Gemini 3's `thinkingLevel` as sent,
 * or a `thinkingBudget` of 0 (thinking off) as `none`. Other budgets are token counts, not levels.
 */
function reasoningLevel(config: Record<string, unknown>): string | undefined {
  const thinking = asRecord(config.thinkingConfig);
  if (thinking === undefined) return undefined;
  const level = nonEmptyString(thinking.thinkingLevel);
  if (level !== undefined) return level;
  return thinking.thinkingBudget === 0 ? 'none' : undefined;
}

function requestAttributes(params: Record<string, unknown>, target: Attributes): void {
  const config = asRecord(params.config);
  if (config === undefined) return;
  putNumber(target, ATTR_GEN_AI_REQUEST_TEMPERATURE, config.temperature);
  putNumber(target, ATTR_GEN_AI_REQUEST_TOP_P, config.topP);
  const topK = finiteNumber(config.topK);
  if (topK !== undefined) target[ATTR_GEN_AI_REQUEST_TOP_K] = Math.trunc(topK);
  putNumber(target, ATTR_GEN_AI_REQUEST_MAX_TOKENS, config.maxOutputTokens);
  putNumber(target, ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY, config.frequencyPenalty);
  putNumber(target, ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY, config.presencePenalty);
  putStrings(target, ATTR_GEN_AI_REQUEST_STOP_SEQUENCES, config.stopSequences);
  const candidates = finiteNumber(config.candidateCount);
  if (candidates !== undefined && candidates !== 1) target[ATTR_GEN_AI_REQUEST_CHOICE_COUNT] = candidates;
  const level = reasoningLevel(config);
  if (level !== undefined) target[ATTR_GEN_AI_REQUEST_REASONING_LEVEL] = level;
  const type = outputType(config);
  if (type !== undefined) target[ATTR_GEN_AI_OUTPUT_TYPE] = type;
}

function streamRequestAttributes(params: Record<string, unknown>, target: Attributes): void {
  requestAttributes(params, target);
  target[ATTR_GEN_AI_REQUEST_STREAM] = true;
}

/** Gemini's modalities (`TEXT`, `IMAGE`, `AUDIO`, `VIDEO`, `DOCUMENT`) as the conventions' token modalities, where they have one. */
function modalityTokens(details: unknown): ModalityTokens | undefined {
  if (!Array.isArray(details)) return undefined;
  let tokens: ModalityTokens | undefined;
  for (const detail of details) {
    const fields = asRecord(detail);
    const count = finiteNumber(fields?.tokenCount);
    const modality = typeof fields?.modality === 'string' ? fields.modality.toLowerCase() : undefined;
    if (count === undefined || (modality !== 'text' && modality !== 'image' && modality !== 'audio')) continue;
    tokens ??= {};
    const sum = (tokens[modality] ?? 0) + count;
    if (Number.isFinite(sum)) tokens[modality] = sum;
  }
  return tokens;
}

/** The sum of the finite counts given, or undefined when none is. */
function sum(...counts: Array<number | undefined>): number | undefined {
  let total: number | undefined;
  for (const count of counts) if (count !== undefined) total = (total ?? 0) + count;
  return total !== undefined && Number.isFinite(total) ? total : undefined;
}

/** A response's (or chunk's) `usageMetadata` into the call; a later one replaces an earlier one. */
function applyUsage(call: InferenceCall, usage: unknown): void {
  const fields = asRecord(usage);
  if (fields === undefined) return;
  const prompt = finiteNumber(fields.promptTokenCount);
  const toolUse = finiteNumber(fields.toolUsePromptTokenCount);
  const candidates = finiteNumber(fields.candidatesTokenCount);
  const thoughts = finiteNumber(fields.thoughtsTokenCount);
  const cached = finiteNumber(fields.cachedContentTokenCount);
  const input = sum(prompt, toolUse);
  if (input !== undefined) call.inputTokens = input;
  const output = sum(candidates, thoughts);
  if (output !== undefined) call.outputTokens = output;
  if (cached !== undefined) call.cacheReadTokens = cached;
  if (thoughts !== undefined) call.reasoningTokens = thoughts;
  const inputByModality = modalityTokens(fields.promptTokensDetails);
  if (inputByModality !== undefined) call.inputByModality = inputByModality;
  const outputByModality = modalityTokens(fields.candidatesTokensDetails);
  if (outputByModality !== undefined) call.outputByModality = outputByModality;
}

/**
 * The key a function call waits under in the tool-call ledger (see tools.ts): its `id` when the
 * API gave one, else its name and a fingerprint of its arguments, which the request that answers
 * it carries again in the model turn before the `functionResponse`.
 */
export function callKey(functionCall: Record<string, unknown>): string | undefined {
  const id = nonEmptyString(functionCall.id);
  if (id !== undefined) return id;
  const name = nonEmptyString(functionCall.name);
  return name === undefined
    ? undefined
    : `gemini-call:${name}:${functionCall.args === undefined ? '' : (fingerprint(functionCall.args) ?? '?')}`;
}

/** The function calls among `parts`, as the ledger keeps them. */
function functionCalls(parts: unknown, into: RequestedToolCall[] | undefined): RequestedToolCall[] | undefined {
  if (!Array.isArray(parts)) return into;
  let calls = into;
  for (const part of parts) {
    const call = asRecord(asRecord(part)?.functionCall);
    if (call === undefined) continue;
    const key = callKey(call);
    const name = nonEmptyString(call.name);
    if (key !== undefined && name !== undefined) (calls ??= []).push({ id: key, name, arguments: call.args });
  }
  return calls;
}

/**
 * The function responses in the turns after the last model turn, keyed as their calls were: by
 * the response's `id`, else by the call of that name in the model turn (the first not yet answered).
 */
function toolResults(params: Record<string, unknown>): ToolResult[] {
  const contents = normalizeContents(params.contents);
  const results: ToolResult[] = [];
  let last = contents.length - 1;
  const answers: Array<Record<string, unknown>> = [];
  for (; last >= 0; last--) {
    const content = asRecord(contents[last]);
    if (content?.role === 'model') break;
    for (const part of Array.isArray(content?.parts) ? content.parts : []) {
      const response = asRecord(asRecord(part)?.functionResponse);
      if (response !== undefined) answers.push(response);
    }
  }
  if (answers.length === 0) return results;
  const modelParts = last >= 0 ? asRecord(contents[last])?.parts : undefined;
  const calls = (Array.isArray(modelParts) ? modelParts : [])
    .map((part) => asRecord(asRecord(part)?.functionCall))
    .filter((call) => call !== undefined);
  const answered = new Set<Record<string, unknown>>();
  // In the order the app wrote them (the loop above walked backwards, turn by turn).
  for (const response of answers.reverse()) {
    let key = nonEmptyString(response.id);
    if (key === undefined) {
      const call = calls.find((candidate) => !answered.has(candidate) && candidate.name === response.name);
      if (call !== undefined) answered.add(call);
      key = call === undefined ? callKey({ name: response.name }) : callKey(call);
    }
    if (key !== undefined) results.push(asRecord(response.response)?.error !== undefined ? { id: key, failed: true } : { id: key });
  }
  return results;
}

/** `candidates[].finishReason` in candidate order (`index`), `error` where one is missing. */
function finishReasonsOf(candidates: unknown[], known: string[] | undefined): string[] | undefined {
  let reasons = known;
  candidates.forEach((candidate, position) => {
    const fields = asRecord(candidate);
    const reason = nonEmptyString(fields?.finishReason);
    if (reason === undefined) return;
    const index = finiteNumber(fields?.index);
    // An index out of any plausible range keeps its reason in arrival order, without a sparse array.
    const at = index !== undefined && Number.isInteger(index) && index >= 0 && index < 64 ? index : position;
    reasons = reasons === undefined ? [] : [...reasons];
    while (reasons.length < at) reasons.push('error');
    reasons[at] = reason;
  });
  return reasons;
}

/** What a whole response, or one chunk of a stream, says of the call. */
function applyResponse(call: InferenceCall, body: Record<string, unknown>): void {
  const id = nonEmptyString(body.responseId);
  if (id !== undefined) call.responseId = id;
  const model = nonEmptyString(body.modelVersion);
  if (model !== undefined) call.responseModel = model;
  applyUsage(call, body.usageMetadata);
  const candidates = Array.isArray(body.candidates) ? body.candidates : [];
  const reasons = finishReasonsOf(candidates, call.finishReasons);
  if (reasons !== undefined) call.finishReasons = reasons;
  // A prompt blocked before any candidate: the block reason is the one reason the call ended.
  if (candidates.length === 0 && call.finishReasons === undefined) {
    const blocked = nonEmptyString(asRecord(body.promptFeedback)?.blockReason);
    if (blocked !== undefined) call.finishReasons = [blocked];
  }
  const first = asRecord(candidates[0]);
  const calls = functionCalls(asRecord(first?.content)?.parts, call.toolCalls);
  if (calls !== undefined) call.toolCalls = calls;
}

class StreamHandler implements ChunkHandler<unknown> {
  constructor(private readonly call: InferenceCall) {}

  onChunk(chunk: unknown): void {
    const fields = asRecord(chunk);
    if (fields !== undefined) applyResponse(this.call, fields);
  }
}

export const generateContent: ModelCallSpec<unknown, unknown> = {
  operation: GEN_AI_OPERATION_GENERATE_CONTENT,
  requestAttributes,
  mapping: {
    onBody(call, body) {
      const response = asRecord(body);
      if (response !== undefined) applyResponse(call, response);
    },
    chunkHandler(call) {
      return new StreamHandler(call);
    },
  },
  content: generateContentContent,
  toolResults,
};

export const generateContentStream: ModelCallSpec<unknown, unknown> = { ...generateContent, requestAttributes: streamRequestAttributes };

function embeddingRequestAttributes(params: Record<string, unknown>, target: Attributes): void {
  putNumber(target, ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT, asRecord(params.config)?.outputDimensionality);
}

export const embedContent: ModelCallSpec<unknown, unknown> = {
  operation: GEN_AI_OPERATION_EMBEDDINGS,
  requestAttributes: embeddingRequestAttributes,
  mapping: {
    onBody(call, body) {
      const response = asRecord(body);
      if (response === undefined) return;
      // Vertex AI counts each input's tokens (`statistics.tokenCount`); the Gemini API reports none.
      let tokens: number | undefined;
      for (const embedding of Array.isArray(response.embeddings) ? response.embeddings : []) {
        tokens = sum(tokens, finiteNumber(asRecord(asRecord(embedding)?.statistics)?.tokenCount));
      }
      tokens ??= finiteNumber(asRecord(response.usageMetadata)?.promptTokenCount);
      if (tokens !== undefined) call.inputTokens = tokens;
    },
    chunkHandler() {
      return { onChunk() {} };
    },
  },
};
