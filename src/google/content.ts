/**
 * `@google/genai` requests and responses as content parts (used only while capture is on, except
 * `normalizeContents`, which the tool-result inference reads too).
 *
 * Parts: `text` (`thought: true`: `reasoning`), `inlineData` as a `blob` (its payload left out unless
 * `captureBinaryContent`), `fileData` as a `uri`, `functionCall` / `functionResponse` as `tool_call` /
 * `tool_call_response`, `executableCode` / `codeExecutionResult` as the server's code-execution tool.
 * Roles: `model` is `assistant`; a user turn of function responses only is `tool`.
 */
import { lazyMessages } from '../content';
import type { ChatMessage, ContentMapping, Part, StreamContent, ToolDefinition } from '../content';
import { asRecord, asString, nonEmptyString } from '../values';

type Fields = Record<string, unknown>;

/**
 * `contents` as the SDK sends them (its `tContents`): a string or a part is one user turn; an array
 * of parts (or strings) is one user turn; an array of `{ role, parts }` turns is itself. Never throws.
 */
export function normalizeContents(contents: unknown): Fields[] {
  if (contents === undefined || contents === null) return [];
  const items = Array.isArray(contents) ? contents : [contents];
  const turns: Fields[] = [];
  let loose: unknown[] | undefined;
  for (const item of items) {
    const fields = asRecord(item);
    if (fields !== undefined && Array.isArray(fields.parts)) turns.push(fields);
    else (loose ??= []).push(item);
  }
  if (loose !== undefined) turns.push({ role: 'user', parts: loose.map(asPart) });
  return turns;
}

function asPart(item: unknown): unknown {
  return typeof item === 'string' ? { text: item } : item;
}

/** The conventions' modality of a MIME type: `image`, `audio`, `video`, else `document`. */
function modalityOf(mimeType: unknown): string {
  const type = typeof mimeType === 'string' ? mimeType.split('/')[0] : '';
  return type === 'image' || type === 'audio' || type === 'video' ? type : 'document';
}

function partOf(item: unknown): Part {
  if (typeof item === 'string') return { type: 'text', content: item };
  const part = asRecord(item);
  if (part === undefined) return { type: 'unknown' };
  if (typeof part.text === 'string') return { type: part.thought === true ? 'reasoning' : 'text', content: part.text };
  const inline = asRecord(part.inlineData);
  if (inline !== undefined)
    return { type: 'blob', modality: modalityOf(inline.mimeType), mime_type: inline.mimeType, content: inline.data };
  const file = asRecord(part.fileData);
  if (file !== undefined) return { type: 'uri', modality: modalityOf(file.mimeType), mime_type: file.mimeType, uri: file.fileUri };
  const call = asRecord(part.functionCall);
  if (call !== undefined) return { type: 'tool_call', id: nonEmptyString(call.id), name: call.name, arguments: call.args };
  const response = asRecord(part.functionResponse);
  if (response !== undefined) return { type: 'tool_call_response', id: nonEmptyString(response.id), response: response.response };
  const code = asRecord(part.executableCode);
  if (code !== undefined)
    return { type: 'server_tool_call', name: 'code_execution', arguments: { language: code.language, code: code.code } };
  const result = asRecord(part.codeExecutionResult);
  if (result !== undefined) return { type: 'server_tool_call_response', response: { outcome: result.outcome, output: result.output } };
  // Another kind of part (`videoMetadata` alone, a future one): its field name as its type.
  const kind = Object.keys(part).find((key) => key !== 'thought' && key !== 'thoughtSignature');
  return { type: kind ?? 'unknown' };
}

function partsOf(parts: unknown): Part[] {
  if (typeof parts === 'string') return [{ type: 'text', content: parts }];
  if (!Array.isArray(parts)) return parts === undefined || parts === null ? [] : [partOf(parts)];
  return parts.map(partOf);
}

function roleOf(turn: Fields, parts: Part[]): string {
  if (turn.role === 'model') return 'assistant';
  if (parts.length > 0 && parts.every((part) => part.type === 'tool_call_response')) return 'tool';
  return turn.role === undefined ? 'user' : asString(turn.role);
}

function messageOf(turn: Fields): ChatMessage {
  const parts = partsOf(turn.parts);
  return { role: roleOf(turn, parts), parts };
}

/** `config.systemInstruction`: a string, a part, parts, or a `{ parts }` content. */
function systemParts(instruction: unknown): Part[] {
  const fields = asRecord(instruction);
  if (fields !== undefined && !Array.isArray(instruction) && fields.parts !== undefined) return partsOf(fields.parts);
  return partsOf(instruction);
}

function toolDefinitions(tools: unknown): ToolDefinition[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const definitions: ToolDefinition[] = [];
  for (const tool of tools) {
    const fields = asRecord(tool);
    if (fields === undefined) continue;
    const declarations = fields.functionDeclarations;
    if (Array.isArray(declarations)) {
      for (const declaration of declarations) {
        const function_ = asRecord(declaration) ?? {};
        definitions.push({
          type: 'function',
          name: nonEmptyString(function_.name),
          description: nonEmptyString(function_.description),
          parameters: function_.parametersJsonSchema ?? function_.parameters,
        });
      }
      continue;
    }
    // A built-in tool (`googleSearch`, `codeExecution`, `urlContext`, …), named by its field.
    for (const key of Object.keys(fields)) definitions.push({ type: key });
  }
  return definitions;
}

function candidatesOutput(body: unknown): ChatMessage[] {
  const candidates = asRecord(body)?.candidates;
  if (!Array.isArray(candidates)) return [];
  return candidates.map((candidate) => ({ role: 'assistant', parts: partsOf(asRecord(asRecord(candidate)?.content)?.parts) }));
}

/**
 * Builds each candidate's parts from the chunks as they pass: consecutive text of the same kind
 * (thought or not) joined into one part, any other part kept as it came.
 */
class StreamOutput implements StreamContent<unknown> {
  private readonly candidates = new Map<number, Part[]>();

  onChunk(chunk: unknown): void {
    const candidates = asRecord(chunk)?.candidates;
    if (!Array.isArray(candidates)) return;
    candidates.forEach((candidate, position) => {
      const fields = asRecord(candidate);
      const index =
        typeof fields?.index === 'number' && Number.isInteger(fields.index) && fields.index >= 0 && fields.index < 64
          ? fields.index
          : position;
      let parts = this.candidates.get(index);
      if (parts === undefined) this.candidates.set(index, (parts = []));
      for (const part of partsOf(asRecord(fields?.content)?.parts)) {
        const last = parts[parts.length - 1];
        if (
          (part.type === 'text' || part.type === 'reasoning') &&
          last?.type === part.type &&
          typeof last.content === 'string' &&
          typeof part.content === 'string'
        ) {
          parts[parts.length - 1] = { ...last, content: last.content + part.content };
        } else parts.push(part);
      }
    });
  }

  messages(): ChatMessage[] {
    return [...this.candidates.entries()].sort(([a], [b]) => a - b).map(([, parts]) => ({ role: 'assistant', parts }));
  }
}

export const generateContentContent: ContentMapping<unknown, unknown> = {
  input(params) {
    const config = asRecord(params.config);
    const system = config === undefined ? [] : systemParts(config.systemInstruction);
    return {
      messages: lazyMessages(normalizeContents(params.contents), messageOf),
      systemInstructions: system.length > 0 ? system : undefined,
      toolDefinitions: toolDefinitions(config?.tools),
    };
  },
  output: candidatesOutput,
  streamOutput() {
    return new StreamOutput();
  },
};
