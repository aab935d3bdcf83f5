/** Anthropic Messages requests and responses as content parts (used only while capture is on). */
import { lazyMessages, partsOf } from '../content';
import type { ChatMessage, ContentMapping, Part, StreamContent, ToolDefinition } from '../content';
import { asRecord, asString, nonEmptyString, parsedJSON } from '../values';

type Block = Record<string, unknown>;

/** Text of a `tool_result`'s content: a string, or its text blocks joined. */
function resultText(content: unknown): unknown {
  if (!Array.isArray(content)) return content;
  const texts = content.map((block) => (asRecord(block)?.type === 'text' ? (asRecord(block)?.text as string) : undefined));
  return texts.every((text) => typeof text === 'string') ? texts.join('') : content.map((block) => blockPart(asRecord(block) ?? {}));
}

/** An image or document source as a `blob`, `uri` or `file` part. */
function sourcePart(source: Block | undefined, modality: string): Part {
  switch (source?.type) {
    case 'base64':
    case 'text':
      return { type: 'blob', modality, mime_type: source.media_type, content: source.data };
    case 'url':
      return { type: 'uri', modality, uri: source.url };
    case 'file':
      return { type: 'file', modality, file_id: source.file_id };
    default:
      return { type: modality };
  }
}

function blockPart(block: Block): Part {
  switch (block.type) {
    case 'text':
      return { type: 'text', content: block.text };
    case 'image':
      return sourcePart(asRecord(block.source), 'image');
    case 'document':
      return sourcePart(asRecord(block.source), 'document');
    case 'tool_use':
      return { type: 'tool_call', id: block.id, name: block.name, arguments: block.input };
    case 'server_tool_use':
      return { type: 'server_tool_call', id: block.id, name: block.name, arguments: block.input };
    case 'tool_result':
      return { type: 'tool_call_response', id: block.tool_use_id, response: resultText(block.content) };
    case 'thinking':
      return { type: 'reasoning', content: block.thinking };
    default:
      // Server tool results (`web_search_tool_result`, …) answer a `server_tool_use`.
      if (typeof block.type === 'string' && block.type.endsWith('_tool_result')) {
        return { type: 'server_tool_call_response', id: block.tool_use_id, response: block.content };
      }
      return { type: asString(block.type) };
  }
}

function toolDefinition(tool: Block): ToolDefinition {
  // Custom tools have no type (or `custom`); the others are Anthropic's server and client tools.
  if (tool.type === undefined || tool.type === 'custom') {
    return {
      type: 'function',
      name: nonEmptyString(tool.name),
      description: nonEmptyString(tool.description),
      parameters: tool.input_schema,
    };
  }
  return { type: asString(tool.type), name: nonEmptyString(tool.name) };
}

function assistant(content: unknown): ChatMessage[] {
  return [{ role: 'assistant', parts: partsOf(content, blockPart) }];
}

/** Builds the reply's blocks from `content_block_*` events, appending deltas to strings. */
class MessageStreamContent implements StreamContent<unknown> {
  private readonly blocks: Block[] = [];
  /** The streamed text of each block: text, thinking, or a tool's input JSON. */
  private readonly streamed: string[] = [];

  onChunk(event: unknown): void {
    const fields = asRecord(event);
    if (fields === undefined) return;
    const index = typeof fields.index === 'number' ? fields.index : -1;
    if (fields.type === 'content_block_start') {
      const block = asRecord(fields.content_block);
      if (block !== undefined && index >= 0) {
        this.blocks[index] = { ...block };
        this.streamed[index] = '';
      }
      return;
    }
    if (fields.type !== 'content_block_delta' || this.blocks[index] === undefined) return;
    const delta = asRecord(fields.delta);
    const piece = delta?.text ?? delta?.partial_json ?? delta?.thinking;
    if (typeof piece === 'string') this.streamed[index] += piece;
  }

  messages(): ChatMessage[] {
    const content: Block[] = [];
    // The indices present only: `forEach` would walk every hole below a stray huge index.
    for (const key of Object.keys(this.blocks)) {
      const index = Number(key);
      const block = this.blocks[index];
      const streamed = this.streamed[index];
      switch (block.type) {
        case 'text':
          content.push({ ...block, text: startText(block.text) + streamed });
          break;
        case 'thinking':
          content.push({ ...block, thinking: startText(block.thinking) + streamed });
          break;
        case 'tool_use':
        case 'server_tool_use':
          content.push({ ...block, input: streamed === '' ? block.input : parsedJSON(streamed) });
          break;
        default:
          content.push(block);
      }
    }
    return assistant(content);
  }
}

/** The text a block started with: a string, else none (`+` would print `undefined`, or throw on `{"toString": 1}`). */
function startText(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

export const messagesContent: ContentMapping<unknown, unknown> = {
  input(params) {
    const messages = lazyMessages(params.messages, (fields) => ({
      role: asString(fields.role),
      parts: partsOf(fields.content, blockPart),
    }));
    const system = partsOf(params.system, blockPart);
    const tools = Array.isArray(params.tools) ? params.tools.map((tool) => toolDefinition(asRecord(tool) ?? {})) : undefined;
    return { messages, systemInstructions: system.length > 0 ? system : undefined, toolDefinitions: tools };
  },
  output(body) {
    return assistant(asRecord(body)?.content);
  },
  streamOutput() {
    return new MessageStreamContent();
  },
};
