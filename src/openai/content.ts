/**
 * OpenAI Chat Completions and Responses requests and responses as content parts, in the
 * conventions' plain shapes (used only while capture is on). The recorder redacts, strips blob
 * payloads, encodes and truncates; this module only reads. Payloads are untrusted: what cannot be
 * read is skipped, and nothing here throws on an odd shape.
 */
import { lazyMessages } from '../content';
import type { ChatMessage, ContentMapping, InputContent, Part, StreamContent, ToolDefinition } from '../content';
import { finiteNumber, nonEmptyString, parsedJSON, record } from '../values';

type Fields = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Shared helpers

function textPart(content: string): Part {
  return { type: 'text', content };
}

/** `arguments` is taken as given: callers parse JSON arguments first, free-form input stays a string. */
function toolCallPart(id: unknown, name: unknown, args: unknown): Part {
  const part: Part = { type: 'tool_call' };
  const callId = nonEmptyString(id);
  if (callId !== undefined) part.id = callId;
  if (typeof name === 'string') part.name = name;
  if (args !== undefined) part.arguments = args;
  return part;
}

function toolResponsePart(id: unknown, response: unknown): Part {
  const part: Part = { type: 'tool_call_response' };
  const callId = nonEmptyString(id);
  if (callId !== undefined) part.id = callId;
  if (response !== undefined) part.response = response;
  return part;
}

function functionDefinition(name: unknown, description: unknown, parameters: unknown): ToolDefinition {
  const definition: ToolDefinition = { type: 'function' };
  if (typeof name === 'string') definition.name = name;
  if (typeof description === 'string') definition.description = description;
  if (parameters !== undefined && parameters !== null) definition.parameters = parameters;
  return definition;
}

/** `image`, `audio` or `video` from a mime type, else `fallback`. */
function modalityOf(mime: string | undefined, fallback: string): string {
  if (mime === undefined) return fallback;
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return fallback;
}

function isDataUrl(url: string): boolean {
  return url.length > 5 && url.slice(0, 5).toLowerCase() === 'data:';
}

/** A `data:` URL as a blob part: its mime type and base64 payload (percent-encoded data is re-encoded). */
function dataUrlBlob(url: string, fallbackModality: string): Part | undefined {
  const comma = url.indexOf(',');
  if (comma < 0) return undefined;
  const header = url.slice(5, comma).split(';');
  const mime = nonEmptyString(header[0]?.trim().toLowerCase());
  let content = url.slice(comma + 1);
  if (!header.slice(1).some((parameter) => parameter.trim().toLowerCase() === 'base64')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(content);
    } catch {
      decoded = content;
    }
    content = Buffer.from(decoded, 'utf8').toString('base64');
  }
  const part: Part = { type: 'blob', modality: modalityOf(mime, fallbackModality) };
  if (mime !== undefined) part.mime_type = mime;
  part.content = content;
  return part;
}

/** A URL as a `uri` part, or a `data:` URL as a `blob` part. */
function urlPart(url: string, modality: string): Part | undefined {
  return isDataUrl(url) ? dataUrlBlob(url, modality) : { type: 'uri', modality, uri: url };
}

/** Inline file data: a `data:` URL, or bare base64. */
function fileDataPart(data: string): Part | undefined {
  return isDataUrl(data) ? dataUrlBlob(data, 'document') : { type: 'blob', modality: 'document', content: data };
}

function audioPart(audio: Fields | undefined): Part | undefined {
  const data = audio?.data;
  if (typeof data !== 'string') return undefined;
  const part: Part = { type: 'blob', modality: 'audio' };
  const format = nonEmptyString(audio?.format);
  if (format !== undefined) part.mime_type = `audio/${format}`;
  part.content = data;
  return part;
}

/** A string as one text part, or an array of parts each read by `read` (unreadable ones skipped). */
function contentParts(content: unknown, read: (part: Fields, type: string) => Part | undefined, into: Part[]): void {
  if (typeof content === 'string') {
    into.push(textPart(content));
    return;
  }
  if (!Array.isArray(content)) return;
  for (const value of content) {
    const fields = record(value);
    const type = nonEmptyString(fields?.type);
    if (fields === undefined || type === undefined) continue;
    const part = read(fields, type);
    if (part !== undefined) into.push(part);
  }
}

/** A string as it is, or the text of an array's text parts joined; undefined when neither. */
function joinedText(content: unknown, textTypes: ReadonlySet<string>): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  let text = '';
  for (const value of content) {
    const fields = record(value);
    if (fields !== undefined && textTypes.has(fields.type as string) && typeof fields.text === 'string') text += fields.text;
  }
  return text;
}

// ---------------------------------------------------------------------------------------------
// Chat Completions

const CHAT_TEXT_TYPES: ReadonlySet<string> = new Set(['text']);

function chatPart(part: Fields, type: string): Part | undefined {
  switch (type) {
    case 'text':
      return typeof part.text === 'string' ? textPart(part.text) : undefined;
    case 'refusal':
      return typeof part.refusal === 'string' ? textPart(part.refusal) : undefined;
    case 'image_url': {
      const url = nonEmptyString(record(part.image_url)?.url);
      return url === undefined ? undefined : urlPart(url, 'image');
    }
    case 'input_audio':
      return audioPart(record(part.input_audio));
    case 'file': {
      const file = record(part.file);
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
    const call = record(value);
    if (call === undefined) continue;
    const fn = record(call.function);
    if (fn !== undefined) {
      into.push(toolCallPart(call.id, fn.name, parsedJSON(fn.arguments)));
      continue;
    }
    const custom = record(call.custom);
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

function chatToolDefinitions(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const definitions: ToolDefinition[] = [];
  for (const value of tools) {
    const tool = record(value);
    const type = nonEmptyString(tool?.type);
    if (tool === undefined || type === undefined) continue;
    if (type === 'function') {
      const fn = record(tool.function);
      definitions.push(functionDefinition(fn?.name, fn?.description, fn?.parameters));
    } else {
      definitions.push({ type });
    }
  }
  return definitions;
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
    const choices = record(chunk)?.choices;
    if (!Array.isArray(choices)) return;
    for (let position = 0; position < choices.length; position++) {
      const choice = record(choices[position]);
      if (choice === undefined) continue;
      const index = finiteNumber(choice.index) ?? position;
      let state = this.choices.get(index);
      if (state === undefined) {
        state = { text: '', refusal: '', toolCalls: undefined };
        this.choices.set(index, state);
      }
      const delta = record(choice.delta);
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
      const delta = record(deltas[position]);
      if (delta === undefined) continue;
      const index = finiteNumber(delta.index) ?? position;
      let call = calls.get(index);
      if (call === undefined) {
        call = { id: undefined, name: undefined, arguments: '' };
        calls.set(index, call);
      }
      if (call.id === undefined) call.id = nonEmptyString(delta.id);
      const fn = record(delta.function);
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
    const tools = chatToolDefinitions(params.tools);
    if (tools !== undefined) input.toolDefinitions = tools;
    return input;
  },
  output(body) {
    const choices = record(body)?.choices;
    if (!Array.isArray(choices)) return [];
    const messages: ChatMessage[] = [];
    for (const value of choices) {
      const choice = record(value);
      if (choice !== undefined) messages.push(chatOutputMessage(record(choice.message)));
    }
    return messages;
  },
  streamOutput() {
    return new ChatStreamContent();
  },
};

// ---------------------------------------------------------------------------------------------
// Responses

const RESPONSES_TEXT_TYPES: ReadonlySet<string> = new Set(['input_text', 'output_text']);

function responsesPart(part: Fields, type: string): Part | undefined {
  switch (type) {
    case 'input_text':
    case 'output_text':
      return typeof part.text === 'string' ? textPart(part.text) : undefined;
    case 'refusal':
      return typeof part.refusal === 'string' ? textPart(part.refusal) : undefined;
    case 'input_image': {
      const url = nonEmptyString(part.image_url);
      if (url !== undefined) return urlPart(url, 'image');
      const fileId = nonEmptyString(part.file_id);
      return fileId === undefined ? undefined : { type: 'file', modality: 'image', file_id: fileId };
    }
    case 'input_file': {
      const fileId = nonEmptyString(part.file_id);
      if (fileId !== undefined) return { type: 'file', modality: 'document', file_id: fileId };
      const data = nonEmptyString(part.file_data);
      if (data !== undefined) return fileDataPart(data);
      const url = nonEmptyString(part.file_url);
      return url === undefined ? undefined : urlPart(url, 'document');
    }
    case 'input_audio':
      return audioPart(record(part.input_audio));
    default:
      return { type };
  }
}

/** A reasoning item's texts: its summaries, else (open-weight models) its reasoning content. */
function reasoningTexts(item: Fields): string[] {
  const texts: string[] = [];
  for (const field of [item.summary, item.content]) {
    if (!Array.isArray(field)) continue;
    for (const value of field) {
      const text = record(value)?.text;
      if (typeof text === 'string' && text !== '') texts.push(text);
    }
    if (texts.length > 0) break;
  }
  return texts;
}

/** A `function_call_output`'s output: a string as is, or the text of its content parts joined. */
function toolOutput(output: unknown): string | undefined {
  return joinedText(output, RESPONSES_TEXT_TYPES);
}

function responsesInputItem(item: Fields): ChatMessage | undefined {
  const type = item.type;
  const role = nonEmptyString(item.role);
  if (type === 'message' || (type === undefined && role !== undefined)) {
    if (role === undefined) return undefined;
    const parts: Part[] = [];
    contentParts(item.content, responsesPart, parts);
    return { role: role === 'developer' ? 'system' : role, parts };
  }
  switch (type) {
    case 'function_call':
      return { role: 'assistant', parts: [toolCallPart(item.call_id, item.name, parsedJSON(item.arguments))] };
    case 'custom_tool_call':
      return { role: 'assistant', parts: [toolCallPart(item.call_id, item.name, item.input)] };
    case 'function_call_output':
    case 'custom_tool_call_output':
      return { role: 'tool', parts: [toolResponsePart(item.call_id, toolOutput(item.output))] };
    case 'reasoning': {
      const texts = reasoningTexts(item);
      return texts.length === 0 ? undefined : { role: 'assistant', parts: texts.map((content) => ({ type: 'reasoning', content })) };
    }
    default: {
      const other = nonEmptyString(type);
      return other === undefined ? undefined : { role: 'assistant', parts: [{ type: other }] };
    }
  }
}

function responsesToolDefinitions(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const definitions: ToolDefinition[] = [];
  for (const value of tools) {
    const tool = record(value);
    const type = nonEmptyString(tool?.type);
    if (tool === undefined || type === undefined) continue;
    definitions.push(type === 'function' ? functionDefinition(tool.name, tool.description, tool.parameters) : { type });
  }
  return definitions;
}

/** A Response object's output items as one assistant message. */
function responseMessages(response: unknown): ChatMessage[] {
  const output = record(response)?.output;
  if (!Array.isArray(output)) return [];
  const parts: Part[] = [];
  for (const value of output) {
    const item = record(value);
    const type = nonEmptyString(item?.type);
    if (item === undefined || type === undefined) continue;
    switch (type) {
      case 'message':
        contentParts(item.content, responsesPart, parts);
        break;
      case 'function_call':
        parts.push(toolCallPart(item.call_id, item.name, parsedJSON(item.arguments)));
        break;
      case 'custom_tool_call':
        parts.push(toolCallPart(item.call_id, item.name, item.input));
        break;
      case 'reasoning': {
        const texts = reasoningTexts(item);
        if (texts.length > 0) parts.push({ type: 'reasoning', content: texts.join('\n') });
        break;
      }
      default:
        parts.push({ type });
    }
  }
  return [{ role: 'assistant', parts }];
}

/** Events that end a stream carrying the whole response. */
const FINAL_EVENTS: ReadonlySet<string> = new Set(['response.completed', 'response.incomplete', 'response.failed']);

/** Keeps the last complete response a stream carried; deltas are not accumulated. */
class ResponsesStreamContent implements StreamContent<unknown> {
  private response: Fields | undefined;

  onChunk(event: unknown): void {
    const fields = record(event);
    if (fields === undefined || !FINAL_EVENTS.has(fields.type as string)) return;
    const response = record(fields.response);
    if (response !== undefined) this.response = response;
  }

  messages(): ChatMessage[] {
    return this.response === undefined ? [] : responseMessages(this.response);
  }
}

/** Responses: `instructions` become `gen_ai.system_instructions`. */
export const responsesContent: ContentMapping<unknown, unknown> = {
  input(params) {
    const items = params.input;
    const input: InputContent = {
      messages: typeof items === 'string' ? [{ role: 'user', parts: [textPart(items)] }] : lazyMessages(items, responsesInputItem),
    };
    const instructions = nonEmptyString(params.instructions);
    if (instructions !== undefined) input.systemInstructions = [textPart(instructions)];
    const tools = responsesToolDefinitions(params.tools);
    if (tools !== undefined) input.toolDefinitions = tools;
    return input;
  },
  output(body) {
    return responseMessages(body);
  },
  streamOutput() {
    return new ResponsesStreamContent();
  },
};
