/**
 * OpenAI Chat Completions requests and responses as content parts, in the conventions' plain shapes
 * (used only while capture is on). The recorder redacts, strips blob payloads, encodes and
 * truncates; this module only reads. Payloads are untrusted: what cannot be read is skipped, and
 * nothing here throws on an odd shape.
 */
import { lazyMessages } from '../content';
import type { ChatMessage, ContentMapping, InputContent, Part, StreamContent, ToolDefinition } from '../content';
import { asRecord, finiteNumber, nonEmptyString, parsedJSON } from '../values';
import {
  textPart,
  toolCallPart,
  toolResponsePart,
  functionDefinition,
  toolDefinitions,
  urlPart,
  fileDataPart,
  audioPart,
  contentParts,
  joinedText,
} from './content-parts';
import type { Fields } from './content-parts';

const CHAT_TEXT_TYPES: ReadonlySet<string> = new Set(['text']);

function chatPart(part: Fields, type: string): Part | undefined {
  switch (type) {
    case 'text':
      return typeof part.text === 'string' ? textPart(part.text) : undefined;
    case 'refusal':
      return typeof part.refusal === 'string' ? textPart(part.refusal) : undefined;
    case 'image_url': {
      const url = nonEmptyString(asRecord(part.image_url)?.url);
      return url === undefined ? undefined : urlPart(url, 'image');
    }
    case 'input_audio':
      return audioPart(asRecord(part.input_audio));
    case 'file': {
      const file = asRecord(part.file);
      const fileId = nonEmptyString(file?.file_id);
      if (fileId !== undefined) return { type: 'file', modality: 'document', file_id: fileId };
      const data = nonEmptyString(file?.file_data);
      return data === undefined ? undefined : fileDataPart(data);
    }
    default:
      return { type };
  }
}

/** An assistant message's `tool_calls`: function calls (arguments parsed) and custom tool calls (input as is). */
function chatToolCalls(toolCalls: unknown, into: Part[]): void {
  if (!Array.isArray(toolCalls)) return;
  for (const value of toolCalls) {
    const call = asRecord(value);
    if (call === undefined) continue;
    const fn = asRecord(call.function);
    if (fn !== undefined) {
      into.push(toolCallPart(call.id, fn.name, parsedJSON(fn.arguments)));
      continue;
    }
    const custom = asRecord(call.custom);
    if (custom !== undefined) into.push(toolCallPart(call.id, custom.name, custom.input));
  }
}

function chatInputMessage(message: Fields): ChatMessage | undefined {
  const role = nonEmptyString(message.role);
  if (role === undefined) return undefined;
  let result: ChatMessage;
  if (role === 'tool') {
    result = { role, parts: [toolResponsePart(message.tool_call_id, joinedText(message.content, CHAT_TEXT_TYPES))] };
  } else {
    const parts: Part[] = [];
    contentParts(message.content, chatPart, parts);
    if (role === 'assistant') {
      const refusal = nonEmptyString(message.refusal);
      if (refusal !== undefined) parts.push(textPart(refusal));
      chatToolCalls(message.tool_calls, parts);
    }
    result = { role: role === 'developer' ? 'system' : role, parts };
  }
  const name = nonEmptyString(message.name);
  if (name !== undefined) result.name = name;
  return result;
}

/** A chat function tool: its definition under `function`. */
function chatFunctionDefinition(tool: Fields): ToolDefinition {
  const fn = asRecord(tool.function);
  return functionDefinition(fn?.name, fn?.description, fn?.parameters);
}

/** One completion message as an assistant message: text (if any), refusal, tool calls. */
function chatOutputMessage(message: Fields | undefined): ChatMessage {
  const parts: Part[] = [];
  if (message !== undefined) {
    const content = message.content;
    if (typeof content === 'string') {
      if (content !== '') parts.push(textPart(content));
    } else {
      contentParts(content, chatPart, parts);
    }
    const refusal = nonEmptyString(message.refusal);
    if (refusal !== undefined) parts.push(textPart(refusal));
    chatToolCalls(message.tool_calls, parts);
  }
  return { role: 'assistant', parts };
}

interface StreamedToolCall {
  id: string | undefined;
  name: string | undefined;
  arguments: string;
}

interface StreamedChoice {
  text: string;
  refusal: string;
  /** By the deltas' `index`. */
  toolCalls: Map<number, StreamedToolCall> | undefined;
}

function sortedKeys<V>(map: Map<number, V>): number[] {
  return Array.from(map.keys()).sort((a, b) => a - b);
}

/** Accumulates each choice's text, refusal and tool calls from the chunks' deltas. */
class ChatStreamContent implements StreamContent<unknown> {
  private readonly choices = new Map<number, StreamedChoice>();

  onChunk(chunk: unknown): void {
    const choices = asRecord(chunk)?.choices;
    if (!Array.isArray(choices)) return;
    for (let position = 0; position < choices.length; position++) {
      const choice = asRecord(choices[position]);
      if (choice === undefined) continue;
      const index = finiteNumber(choice.index) ?? position;
      let state = this.choices.get(index);
      if (state === undefined) {
        state = { text: '', refusal: '', toolCalls: undefined };
        this.choices.set(index, state);
      }
      const delta = asRecord(choice.delta);
      if (delta === undefined) continue;
      if (typeof delta.content === 'string') state.text += delta.content;
      if (typeof delta.refusal === 'string') state.refusal += delta.refusal;
      if (Array.isArray(delta.tool_calls)) this.addToolCalls(state, delta.tool_calls);
    }
  }

  /** A tool call's id and name come in its first delta; its arguments arrive in pieces. */
  private addToolCalls(state: StreamedChoice, deltas: unknown[]): void {
    const calls = (state.toolCalls ??= new Map());
    for (let position = 0; position < deltas.length; position++) {
      const delta = asRecord(deltas[position]);
      if (delta === undefined) continue;
      const index = finiteNumber(delta.index) ?? position;
      let call = calls.get(index);
      if (call === undefined) {
        call = { id: undefined, name: undefined, arguments: '' };
        calls.set(index, call);
      }
      if (call.id === undefined) call.id = nonEmptyString(delta.id);
      const fn = asRecord(delta.function);
      if (fn === undefined) continue;
      if (call.name === undefined) call.name = nonEmptyString(fn.name);
      if (typeof fn.arguments === 'string') call.arguments += fn.arguments;
    }
  }

  messages(): ChatMessage[] {
    const messages: ChatMessage[] = [];
    for (const index of sortedKeys(this.choices)) {
      const state = this.choices.get(index) as StreamedChoice;
      const parts: Part[] = [];
      if (state.text !== '') parts.push(textPart(state.text));
      if (state.refusal !== '') parts.push(textPart(state.refusal));
      if (state.toolCalls !== undefined) {
        for (const callIndex of sortedKeys(state.toolCalls)) {
          const call = state.toolCalls.get(callIndex) as StreamedToolCall;
          parts.push(toolCallPart(call.id, call.name, parsedJSON(call.arguments)));
        }
      }
      messages.push({ role: 'assistant', parts });
    }
    return messages;
  }
}

/** Chat Completions: system messages stay among the messages (no `gen_ai.system_instructions`). */
export const chatContent: ContentMapping<unknown, unknown> = {
  input(params) {
    const input: InputContent = { messages: lazyMessages(params.messages, chatInputMessage) };
    const tools = toolDefinitions(params.tools, chatFunctionDefinition);
    if (tools !== undefined) input.toolDefinitions = tools;
    return input;
  },
  output(body) {
    const choices = asRecord(body)?.choices;
    if (!Array.isArray(choices)) return [];
    const messages: ChatMessage[] = [];
    for (const value of choices) {
      const choice = asRecord(value);
      if (choice !== undefined) messages.push(chatOutputMessage(asRecord(choice.message)));
    }
    return messages;
  },
  streamOutput() {
    return new ChatStreamContent();
  },
};
