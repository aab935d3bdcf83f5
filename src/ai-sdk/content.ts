/**
 * AI SDK prompts and replies as the conventions' content (used only while capture is on).
 *
 * A model call's `languageModelCall` event carries the step's `instructions` and `messages` as the
 * AI SDK's `ModelMessage`s (roles `system`, `user`, `assistant`, `tool`) and the tools as sent to the
 * provider (`{ type: 'function', name, description, inputSchema }`, provider tools
 * `{ type: 'provider', id, name }`); the reply is the provider's `content` (a whole result), or its
 * stream parts (`text-delta`, `reasoning-delta`, `tool-call`, …).
 */
import { lazyMessages, partsOf } from '../content';
import type { ChatMessage, ContentMapping, Part, StreamContent, ToolDefinition } from '../content';
import { trailingToolResults } from '../tools';
import type { ToolResult } from '../tools';
import { asRecord, asString, nonEmptyString, parsedJSON } from '../values';

type Fields = Record<string, unknown>;

/** `image`, `audio`, `video` or `document`, from a media type. */
function modalityOf(mediaType: unknown, fallback: string): string {
  if (typeof mediaType !== 'string') return fallback;
  if (mediaType.startsWith('image/')) return 'image';
  if (mediaType.startsWith('audio/')) return 'audio';
  if (mediaType.startsWith('video/')) return 'video';
  return 'document';
}

function isURLString(value: string): boolean {
  return /^(https?|gs|s3):\/\//i.test(value);
}

/** Image or file data (base64 text, bytes, a URL, a provider reference) as a `blob`, `uri` or `file` part. */
function dataPart(data: unknown, mediaType: unknown, modality: string): Part {
  const mime = nonEmptyString(mediaType);
  if (data instanceof URL) return { type: 'uri', modality, ...(mime && { mime_type: mime }), uri: data.href };
  if (typeof data === 'string') {
    if (isURLString(data)) return { type: 'uri', modality, ...(mime && { mime_type: mime }), uri: data };
    const dataURL = /^data:([^;,]*)(?:;[^,]*)?;base64,/.exec(data);
    if (dataURL !== null) return { type: 'blob', modality, mime_type: mime ?? dataURL[1], content: data.slice(dataURL[0].length) };
    return { type: 'blob', modality, ...(mime && { mime_type: mime }), content: data };
  }
  if (data instanceof Uint8Array) {
    return {
      type: 'blob',
      modality,
      ...(mime && { mime_type: mime }),
      content: Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64'),
    };
  }
  if (data instanceof ArrayBuffer)
    return { type: 'blob', modality, ...(mime && { mime_type: mime }), content: Buffer.from(data).toString('base64') };
  const fields = asRecord(data);
  // A provider's file reference (`{ type: 'reference', … }`, an uploaded file's id).
  const id = nonEmptyString(fields?.id) ?? nonEmptyString(fields?.fileId) ?? nonEmptyString(fields?.file_id);
  if (id !== undefined) return { type: 'file', modality, file_id: id };
  return { type: modality };
}

/** A tool result's `output` (`{ type: 'text' | 'json' | 'error-text' | 'error-json' | 'content' | 'execution-denied', value }`) as the response. */
function toolOutput(output: unknown): unknown {
  const fields = asRecord(output);
  if (fields === undefined) return output;
  if (fields.type === 'execution-denied') return { denied: true, ...(fields.reason !== undefined && { reason: fields.reason }) };
  return 'value' in fields ? fields.value : output;
}

function partOf(part: Fields): Part {
  switch (part.type) {
    case 'text':
      return { type: 'text', content: part.text };
    case 'reasoning':
      return { type: 'reasoning', content: part.text };
    case 'image':
      return dataPart(part.image, part.mediaType ?? part.mimeType, 'image');
    case 'file':
      return dataPart(part.data, part.mediaType ?? part.mimeType, modalityOf(part.mediaType ?? part.mimeType, 'document'));
    case 'tool-call':
      return {
        type: part.providerExecuted === true ? 'server_tool_call' : 'tool_call',
        id: part.toolCallId,
        name: part.toolName,
        arguments: parsedJSON(part.input),
      };
    case 'tool-result':
      return {
        type: part.providerExecuted === true ? 'server_tool_call_response' : 'tool_call_response',
        id: part.toolCallId,
        response: 'output' in part ? toolOutput(part.output) : part.result,
      };
    default:
      return { type: asString(part.type) };
  }
}

/** `instructions`: a string, a system message, or a list of them. */
function systemParts(instructions: unknown): Part[] {
  if (instructions === undefined || instructions === null) return [];
  const items = Array.isArray(instructions) ? instructions : [instructions];
  const parts: Part[] = [];
  for (const item of items) {
    if (typeof item === 'string') parts.push({ type: 'text', content: item });
    else parts.push(...partsOf(asRecord(item)?.content, partOf));
  }
  return parts;
}

function toolDefinition(tool: Fields): ToolDefinition {
  if (tool.type === 'function' || tool.type === undefined) {
    return {
      type: 'function',
      name: nonEmptyString(tool.name),
      description: nonEmptyString(tool.description),
      parameters: tool.inputSchema,
    };
  }
  // A provider tool (`{ type: 'provider', id: 'anthropic.web_search_20250305', name }`).
  return { type: nonEmptyString(tool.id) ?? asString(tool.type), name: nonEmptyString(tool.name) };
}

function assistant(parts: Part[]): ChatMessage[] {
  return [{ role: 'assistant', parts }];
}

/** The reply as its stream parts arrive: text and reasoning by block id, complete tool calls, files. */
class StreamReply implements StreamContent<unknown> {
  private readonly parts: Part[] = [];
  private readonly open = new Map<string, Part>();

  onChunk(chunk: unknown): void {
    const part = asRecord(chunk);
    if (part === undefined) return;
    switch (part.type) {
      case 'text-start':
      case 'reasoning-start': {
        const block: Part = { type: part.type === 'text-start' ? 'text' : 'reasoning', content: '' };
        this.parts.push(block);
        this.open.set(`${part.type === 'text-start' ? 't' : 'r'}:${asString(part.id)}`, block);
        break;
      }
      case 'text-delta':
      case 'reasoning-delta': {
        if (typeof part.delta !== 'string') break;
        const key = `${part.type === 'text-delta' ? 't' : 'r'}:${asString(part.id)}`;
        let block = this.open.get(key);
        if (block === undefined) {
          // A provider that sends deltas without a start.
          block = { type: part.type === 'text-delta' ? 'text' : 'reasoning', content: '' };
          this.parts.push(block);
          this.open.set(key, block);
        }
        block.content = (block.content as string) + part.delta;
        break;
      }
      case 'tool-call':
      case 'tool-result':
        this.parts.push(partOf(part));
        break;
      case 'file':
      case 'reasoning-file':
        this.parts.push(dataPart(part.data, part.mediaType, modalityOf(part.mediaType, 'document')));
        break;
    }
  }

  messages(): ChatMessage[] {
    return assistant(this.parts);
  }
}

export const languageModelContent: ContentMapping<unknown, unknown> = {
  input(event) {
    const messages = lazyMessages(event.messages, (fields) => ({ role: asString(fields.role), parts: partsOf(fields.content, partOf) }));
    const system = systemParts(event.instructions);
    const tools = Array.isArray(event.tools) ? event.tools.map((tool) => toolDefinition(asRecord(tool) ?? {})) : undefined;
    return { messages, systemInstructions: system.length > 0 ? system : undefined, toolDefinitions: tools };
  },
  output(result) {
    const content = asRecord(result)?.content;
    return assistant(partsOf(content, partOf).filter((part) => part.type !== 'source'));
  },
  streamOutput() {
    return new StreamReply();
  },
};

/**
 * The tool results a model call's messages carry after the last assistant message: the answers to
 * tool calls an earlier call asked for, which the app ran itself (a tool without `execute`). A result
 * whose output is `error-text` / `error-json` says the tool failed.
 */
export function toolResultsOf(messages: unknown): ToolResult[] {
  return trailingToolResults(messages, toolMessageResults);
}

/** The `tool-result` parts of a `role: "tool"` message; false at an assistant message. */
function toolMessageResults(message: Record<string, unknown> | undefined, into: ToolResult[]): boolean {
  if (message?.role === 'assistant') return false;
  if (message?.role !== 'tool' || !Array.isArray(message.content)) return true;
  for (const item of message.content) {
    const part = asRecord(item);
    const id = part?.type === 'tool-result' ? nonEmptyString(part.toolCallId) : undefined;
    if (id === undefined) continue;
    const outputType = asRecord(part?.output)?.type;
    into.push(outputType === 'error-text' || outputType === 'error-json' ? { id, failed: true } : { id });
  }
  return true;
}
