/**
 * OpenAI Responses requests, responses and stream events as content parts, in the conventions' plain shapes
 * (used only while capture is on). The recorder redacts, strips blob payloads, encodes and
 * truncates; this module only reads. Payloads are untrusted: what cannot be read is skipped, and
 * nothing here throws on an odd shape.
 */
import { lazyMessages } from '../content';
import type { ChatMessage, ContentMapping, InputContent, Part, StreamContent, ToolDefinition } from '../content';
import { asRecord, nonEmptyString, parsedJSON } from '../values';
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
      return audioPart(asRecord(part.input_audio));
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
      const text = asRecord(value)?.text;
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

/** A Responses function tool: its definition at its top level. */
function responsesFunctionDefinition(tool: Fields): ToolDefinition {
  return functionDefinition(tool.name, tool.description, tool.parameters);
}

/** A Response object's output items as one assistant message. */
function responseMessages(response: unknown): ChatMessage[] {
  const output = asRecord(response)?.output;
  if (!Array.isArray(output)) return [];
  const parts: Part[] = [];
  for (const value of output) {
    const item = asRecord(value);
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
    const fields = asRecord(event);
    if (fields === undefined || !FINAL_EVENTS.has(fields.type as string)) return;
    const response = asRecord(fields.response);
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
    const tools = toolDefinitions(params.tools, responsesFunctionDefinition);
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
