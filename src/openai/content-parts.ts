/**
 * The parts OpenAI's two APIs share, in the conventions' plain shapes (used only while capture is
 * on): text, tool calls and their results, function definitions, data URLs, files and audio.
 * Payloads are untrusted: what cannot be read is skipped, and nothing here throws on an odd shape.
 */
import type { Part, ToolDefinition } from '../content';
import { asRecord, nonEmptyString } from '../values';

export type Fields = Record<string, unknown>;

export function textPart(content: string): Part {
  return { type: 'text', content };
}

/** `arguments` is taken as given: callers parse JSON arguments first, free-form input stays a string. */
export function toolCallPart(id: unknown, name: unknown, args: unknown): Part {
  const part: Part = { type: 'tool_call' };
  const callId = nonEmptyString(id);
  if (callId !== undefined) part.id = callId;
  if (typeof name === 'string') part.name = name;
  if (args !== undefined) part.arguments = args;
  return part;
}

export function toolResponsePart(id: unknown, response: unknown): Part {
  const part: Part = { type: 'tool_call_response' };
  const callId = nonEmptyString(id);
  if (callId !== undefined) part.id = callId;
  if (response !== undefined) part.response = response;
  return part;
}

export function functionDefinition(name: unknown, description: unknown, parameters: unknown): ToolDefinition {
  const definition: ToolDefinition = { type: 'function' };
  if (typeof name === 'string') definition.name = name;
  if (typeof description === 'string') definition.description = description;
  if (parameters !== undefined && parameters !== null) definition.parameters = parameters;
  return definition;
}

/** A request's `tools` (each with a type): a function's as `functionOf` reads it, any other tool's type alone. */
export function toolDefinitions(tools: unknown, functionOf: (tool: Fields) => ToolDefinition): ToolDefinition[] | undefined {
  if (!Array.isArray(tools)) return undefined;
  const definitions: ToolDefinition[] = [];
  for (const value of tools) {
    const tool = asRecord(value);
    const type = nonEmptyString(tool?.type);
    if (tool === undefined || type === undefined) continue;
    definitions.push(type === 'function' ? functionOf(tool) : { type });
  }
  return definitions;
}

/** `image`, `audio` or `video` from a mime type, else `fallback`. */
export function modalityOf(mime: string | undefined, fallback: string): string {
  if (mime === undefined) return fallback;
  if (mime.startsWith('image/')) return 'image';
  if (mime.startsWith('audio/')) return 'audio';
  if (mime.startsWith('video/')) return 'video';
  return fallback;
}

export function isDataUrl(url: string): boolean {
  return url.length > 5 && url.slice(0, 5).toLowerCase() === 'data:';
}

/** A `data:` URL as a blob part: its mime type and base64 payload (percent-encoded data is re-encoded). */
export function dataUrlBlob(url: string, fallbackModality: string): Part | undefined {
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
export function urlPart(url: string, modality: string): Part | undefined {
  return isDataUrl(url) ? dataUrlBlob(url, modality) : { type: 'uri', modality, uri: url };
}

/** Inline file data: a `data:` URL, or bare base64. */
export function fileDataPart(data: string): Part | undefined {
  return isDataUrl(data) ? dataUrlBlob(data, 'document') : { type: 'blob', modality: 'document', content: data };
}

export function audioPart(audio: Fields | undefined): Part | undefined {
  const data = audio?.data;
  if (typeof data !== 'string') return undefined;
  const part: Part = { type: 'blob', modality: 'audio' };
  const format = nonEmptyString(audio?.format);
  if (format !== undefined) part.mime_type = `audio/${format}`;
  part.content = data;
  return part;
}

/** A string as one text part, or an array of parts each read by `read` (unreadable ones skipped). */
export function contentParts(content: unknown, read: (part: Fields, type: string) => Part | undefined, into: Part[]): void {
  if (typeof content === 'string') {
    into.push(textPart(content));
    return;
  }
  if (!Array.isArray(content)) return;
  for (const value of content) {
    const fields = asRecord(value);
    const type = nonEmptyString(fields?.type);
    if (fields === undefined || type === undefined) continue;
    const part = read(fields, type);
    if (part !== undefined) into.push(part);
  }
}

/** A string as it is, or the text of an array's text parts joined; undefined when neither. */
export function joinedText(content: unknown, textTypes: ReadonlySet<string>): string | undefined {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return undefined;
  let text = '';
  for (const value of content) {
    const fields = asRecord(value);
    if (fields !== undefined && textTypes.has(fields.type as string) && typeof fields.text === 'string') text += fields.text;
  }
  return text;
}
