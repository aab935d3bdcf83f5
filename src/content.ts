/**
 * Opt-in content capture: prompts, replies, system instructions, tool definitions, tool arguments
 * and results, in the conventions' JSON shapes. Off by default; nothing here runs while it is off.
 */
import type { Attributes } from '@opentelemetry/api';
import {
  ATTR_GEN_AI_INPUT_MESSAGES,
  ATTR_GEN_AI_OUTPUT_MESSAGES,
  ATTR_GEN_AI_SYSTEM_INSTRUCTIONS,
  ATTR_GEN_AI_TOOL_DEFINITIONS,
} from './semconv';
import { blobWithoutPayload, jsonPrefix, LazyList, PayloadsLeftOut, withoutNestedPayloads } from './content-json';
import { asRecord } from './values';

/** A message part: `text`, `tool_call`, `tool_call_response`, `reasoning`, `blob`, `uri`, `file`, or another `type`. */
export interface Part {
  type: string;
  [field: string]: unknown;
}

export interface ChatMessage {
  role: string;
  parts: Part[];
  name?: string;
}

export interface ToolDefinition {
  type: string;
  name?: string;
  description?: string;
  parameters?: unknown;
}

/** What a request says, in the conventions' shapes. */
export interface InputContent {
  /**
   * Read from the request one message at a time, when the recorder reaches it: past the cap, the rest
   * of a long conversation is never read. Iterable more than once.
   */
  messages: Iterable<ChatMessage>;
  systemInstructions?: Part[];
  toolDefinitions?: ToolDefinition[];
}

/** Builds a response's output messages from its stream, chunk by chunk; created only while capture is on. */
export interface StreamContent<Chunk> {
  onChunk(chunk: Chunk): void;
  messages(): ChatMessage[];
}

/** How one provider's requests and responses read as content. */
export interface ContentMapping<Body, Chunk> {
  input(params: Record<string, unknown>): InputContent;
  output(body: Body): ChatMessage[];
  streamOutput(): StreamContent<Chunk>;
}

/** A request's `items` as messages, each read by `read` when it is reached (see `InputContent.messages`); unreadable items skipped. */
export function lazyMessages(items: unknown, read: (item: Record<string, unknown>) => ChatMessage | undefined): Iterable<ChatMessage> {
  return {
    *[Symbol.iterator]() {
      if (!Array.isArray(items)) return;
      for (const item of items) {
        const fields = asRecord(item);
        const message = fields === undefined ? undefined : read(fields);
        if (message !== undefined) yield message;
      }
    },
  };
}

/** A string as one text part, or the objects of an array each as the part `read` makes of it; anything else as no parts. */
export function partsOf(content: unknown, read: (fields: Record<string, unknown>) => Part): Part[] {
  if (typeof content === 'string') return [{ type: 'text', content }];
  if (!Array.isArray(content)) return [];
  const parts: Part[] = [];
  for (const item of content) {
    const fields = asRecord(item);
    if (fields !== undefined) parts.push(read(fields));
  }
  return parts;
}

export type CaptureMode = 'NO_CONTENT' | 'SPAN_ONLY' | 'EVENT_ONLY' | 'SPAN_AND_EVENT';
const MODES: readonly CaptureMode[] = ['NO_CONTENT', 'SPAN_ONLY', 'EVENT_ONLY', 'SPAN_AND_EVENT'];

/** What a redact hook is told about the part it sees. */
export interface RedactContext {
  /** `input`, `output` or `system` messages, a `tool_definition`, or a tool call's `arguments` / `result`. */
  kind: 'input' | 'output' | 'system' | 'tool_definition' | 'arguments' | 'result';
  role?: string;
}

export interface ContentOptions {
  /**
   * `true` is `SPAN_ONLY`, `false` is `NO_CONTENT`. Wins over
   * `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`. Default: `NO_CONTENT`.
   */
  captureMessageContent?: boolean | CaptureMode;
  /** The most UTF-8 bytes one content attribute may hold; longer values are cut and marked. Default 32768. */
  maxContentLength?: number;
  /** Sees every part (and tool argument or result) before it is recorded: return a replacement, or `undefined` to drop it. */
  redact?: (part: Part, context: RedactContext) => Part | undefined;
  /** Record the base64 payload of images, audio and documents too. Default false: their type and size only. */
  captureBinaryContent?: boolean;
}

export const TRUNCATION_MARKER = '…[truncated]';
const DEFAULT_MAX_CONTENT_LENGTH = 32768;

/** The capture mode from the config, else from `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT`. */
export function captureModeOf(
  option: boolean | CaptureMode | undefined,
  env: string | undefined = process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT,
): CaptureMode {
  if (option === true) return 'SPAN_ONLY';
  if (option === false) return 'NO_CONTENT';
  if (option !== undefined) return MODES.includes(option) ? option : 'NO_CONTENT';
  const value = env?.trim();
  if (!value) return 'NO_CONTENT';
  if (value.toLowerCase() === 'true') return 'SPAN_ONLY';
  const mode = value.toUpperCase() as CaptureMode;
  return MODES.includes(mode) ? mode : 'NO_CONTENT';
}

const utf8 = new TextEncoder();
/** Where `truncateUtf8` has the text encoded: kept and grown to the largest budget seen, not made per call. */
let encoded = new Uint8Array(0);

/**
 * Cuts `text` to at most `maxBytes` UTF-8 bytes, marker included (left out when even it does not
 * fit), on a character boundary: a surrogate pair is never split, so the result is always valid UTF-8.
 * A lone surrogate counts as the three bytes of U+FFFD, as `Buffer.byteLength` counts it.
 */
export function truncateUtf8(text: string, maxBytes: number): string {
  // A UTF-16 code unit is at least one UTF-8 byte: a text longer than the cap in units is over it, uncounted.
  if (text.length * 3 <= maxBytes || (text.length <= maxBytes && Buffer.byteLength(text, 'utf8') <= maxBytes)) return text;
  const marker = Buffer.byteLength(TRUNCATION_MARKER, 'utf8') <= maxBytes ? TRUNCATION_MARKER : '';
  const budget = Math.floor(Math.max(0, maxBytes - Buffer.byteLength(marker, 'utf8')));
  // A cap that is no number cuts nothing.
  if (Number.isNaN(budget)) return text + marker;
  // encodeInto stops before the first character that does not fit: what it read is the cut, in code units.
  const size = Math.min(budget, text.length * 3);
  if (encoded.length < size) encoded = new Uint8Array(size);
  let { read, written } = utf8.encodeInto(text, encoded.subarray(0, size));
  // V8 may stop short of the room left (seen for one-byte strings): the characters that still fit are
  // added one at a time, so that the cut never depends on what follows it. A lone surrogate is 3 bytes (U+FFFD).
  while (read < text.length) {
    const code = text.codePointAt(read)!;
    const bytes = code < 0x80 ? 1 : code < 0x800 ? 2 : code < 0x10000 ? 3 : 4;
    if (written + bytes > size) break;
    written += bytes;
    read += code > 0xffff ? 2 : 1;
  }
  return text.slice(0, read) + marker;
}

/** Turns content into attribute values under one instrumentation's content options. */
export class ContentRecorder {
  readonly onSpan: boolean;
  readonly onEvent: boolean;
  private readonly maxLength: number;

  constructor(
    mode: CaptureMode,
    private readonly options: ContentOptions,
  ) {
    this.onSpan = mode === 'SPAN_ONLY' || mode === 'SPAN_AND_EVENT';
    this.onEvent = mode === 'EVENT_ONLY' || mode === 'SPAN_AND_EVENT';
    this.maxLength = options.maxContentLength ?? DEFAULT_MAX_CONTENT_LENGTH;
  }

  /** A recorder when the options turn capture on, otherwise `undefined`. */
  static from(options: ContentOptions): ContentRecorder | undefined {
    const mode = captureModeOf(options.captureMessageContent);
    return mode === 'NO_CONTENT' ? undefined : new ContentRecorder(mode, options);
  }

  inputAttributes(input: InputContent): Attributes {
    const attributes: Attributes = {};
    attributes[ATTR_GEN_AI_INPUT_MESSAGES] = this.encode(this.messages(input.messages, 'input'));
    if (input.systemInstructions !== undefined && input.systemInstructions.length > 0) {
      attributes[ATTR_GEN_AI_SYSTEM_INSTRUCTIONS] = this.encode(this.parts(input.systemInstructions, { kind: 'system', role: 'system' }));
    }
    if (input.toolDefinitions !== undefined && input.toolDefinitions.length > 0) {
      attributes[ATTR_GEN_AI_TOOL_DEFINITIONS] = this.encode(this.toolDefinitions(input.toolDefinitions));
    }
    return attributes;
  }

  outputAttributes(messages: Iterable<ChatMessage>): Attributes {
    return { [ATTR_GEN_AI_OUTPUT_MESSAGES]: this.encode(this.messages(messages, 'output')) };
  }

  /** A tool call's arguments or result, as one attribute value. */
  toolValue(value: unknown, kind: 'arguments' | 'result'): string | undefined {
    const redacted = this.redact({ type: kind, content: this.withoutNestedPayloads(value) }, { kind });
    if (redacted === undefined) return undefined;
    const recorded = redacted.content;
    return this.encode(recorded === undefined ? null : recorded, typeof recorded === 'string');
  }

  /** Each message redacted only when the writer reaches it: the parts of a conversation past the cap are never read. */
  private messages(messages: Iterable<ChatMessage>, kind: 'input' | 'output'): LazyList<ChatMessage> {
    return new LazyList(messages, (message) => {
      const context: RedactContext = { kind, role: message.role };
      const redacted: ChatMessage = { ...message, parts: this.parts(message.parts, context) };
      // A participant's name (OpenAI chat `name`) can identify a person: the hook sees it as a part too.
      if (message.name !== undefined && this.options.redact !== undefined) {
        const name = this.redact({ type: 'name', content: message.name }, context)?.content;
        if (typeof name === 'string') redacted.name = name;
        else delete redacted.name;
      }
      return redacted;
    });
  }

  private parts(parts: Part[], context: RedactContext): Part[] {
    const kept: Part[] = [];
    for (const part of parts) {
      const redacted = this.redact(this.withoutPayload(part), context);
      if (redacted !== undefined) kept.push(redacted);
    }
    return kept;
  }

  private toolDefinitions(definitions: ToolDefinition[]): ToolDefinition[] {
    if (this.options.redact === undefined) return definitions;
    const kept: ToolDefinition[] = [];
    for (const definition of definitions) {
      const redacted = this.redact({ ...definition }, { kind: 'tool_definition' });
      if (redacted !== undefined) kept.push(redacted as ToolDefinition);
    }
    return kept;
  }

  /**
   * A blob part keeps its type, mime type and size; its base64 payload only when asked. So do the
   * payloads nested in tool results (a screenshot inside a `tool_result`, a PDF in a server tool's).
   */
  private withoutPayload(part: Part): Part {
    if (this.options.captureBinaryContent) return part;
    if (part.type === 'blob') return typeof part.content === 'string' ? blobWithoutPayload(part) : part;
    if (part.type === 'tool_call_response' || part.type === 'server_tool_call_response') {
      const response = this.withoutNestedPayloads(part.response);
      return response === part.response ? part : { ...part, response };
    }
    return part;
  }

  /**
   * A tool value without its payloads (unless asked for them): stripped here when a redact hook is
   * to see it, else as the writer reaches them (`PayloadsLeftOut`), which never walks what the cap cuts.
   */
  private withoutNestedPayloads(value: unknown): unknown {
    if (this.options.captureBinaryContent) return value;
    if (this.options.redact === undefined && typeof value === 'object' && value !== null) return new PayloadsLeftOut(value);
    return withoutNestedPayloads(value, 0);
  }

  private redact(part: Part, context: RedactContext): Part | undefined {
    return this.options.redact === undefined ? part : this.options.redact(part, context);
  }

  /** JSON cut at the cap: written only as far as the cap (in code units, at least as many as bytes), then cut by bytes. */
  private encode(value: unknown, isText = false): string {
    return truncateUtf8(isText ? (value as string) : jsonPrefix(value, this.maxLength), this.maxLength);
  }
}
