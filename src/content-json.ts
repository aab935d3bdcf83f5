/**
 * How content becomes attribute text: the JSON that `JSON.stringify` would write, written only as
 * far as the cap needs, so that recording the start of a long conversation costs what is recorded,
 * not what the conversation holds. Base64 payloads are left out on the way (see
 * `withoutNestedPayloads`), and a request's messages are read from it only when the writer reaches them.
 */
import { types } from 'node:util';
import type { Part } from './content';

function sizeOfBase64(text: string): number {
  return Math.floor((text.length * 3) / 4);
}

export function blobWithoutPayload(part: Part): Part {
  const { content, ...rest } = part;
  return { ...rest, size: sizeOfBase64(content as string) };
}

const DATA_URL = /^data:([^;,]*)(?:;[^,]*)?;base64,/;
/** How deep a tool result is searched for payloads: deeper values are recorded as they are. */
const MAX_PAYLOAD_DEPTH = 8;

/** A `data:` URL with its base64 payload replaced by its size; any other string as it is. */
function stringWithoutPayload(text: string): string {
  const dataURL = DATA_URL.exec(text);
  return dataURL === null ? text : `data:${dataURL[1]};base64,[${sizeOfBase64(text.slice(dataURL[0].length))} bytes]`;
}

/** A base64 source (`{ type: 'base64', data }`, `{ mime_type, data }`) or blob part as its size, else undefined. */
function payloadObjectReplaced(object: Record<string, unknown>): Record<string, unknown> | undefined {
  if (
    typeof object.data === 'string' &&
    (object.type === 'base64' || typeof object.mime_type === 'string' || typeof object.mimeType === 'string')
  ) {
    const { data, ...rest } = object;
    return { ...rest, size: sizeOfBase64(data as string) };
  }
  if (object.type === 'blob' && typeof object.content === 'string') return blobWithoutPayload(object as Part);
  return undefined;
}

/**
 * `value` with every base64 payload nested in it replaced by its size: blob parts, base64 sources
 * and `data:` URLs. Returns `value` itself when it holds none, so that a result without payloads
 * costs a walk and no copy. What a `redact` hook sees; the writer does the same as it goes
 * (`PayloadsLeftOut`) when no hook needs to see it first.
 */
export function withoutNestedPayloads(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return stringWithoutPayload(value);
  if (value === null || typeof value !== 'object' || depth >= MAX_PAYLOAD_DEPTH) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const stripped = withoutNestedPayloads(item, depth + 1);
      if (stripped !== item) (copy ??= [...value])[index] = stripped;
    });
    return copy ?? value;
  }
  const object = value as Record<string, unknown>;
  const replaced = payloadObjectReplaced(object);
  if (replaced !== undefined) return replaced;
  let copy: Record<string, unknown> | undefined;
  for (const [key, item] of Object.entries(object)) {
    const stripped = withoutNestedPayloads(item, depth + 1);
    if (stripped !== item) (copy ??= { ...object })[key] = stripped;
  }
  return copy ?? value;
}

/** Items the writer writes as a JSON array, each mapped by `map` only when the writer reaches it. */
export class LazyList<T> {
  constructor(
    readonly items: Iterable<T>,
    readonly map: (item: T) => unknown,
  ) {}
}

/** A value written as `withoutNestedPayloads(value, 0)` would be written, its payloads left out as the writer reaches them. */
export class PayloadsLeftOut {
  constructor(readonly value: unknown) {}
}

/** JSON text the writer puts as it is: what `JSON.stringify` wrote for a subtree deeper than the writer goes. */
class Verbatim {
  constructor(readonly text: string) {}
}

/** Thrown when the text has passed the limit: the rest is never written. */
const FULL = Symbol('full');
/** What a value with no JSON form (undefined, a function, a symbol) resolves to. */
const OMITTED = Symbol('omitted');
/**
 * Deeper than this the writer hands the subtree to `JSON.stringify`, so that its own recursion
 * never overflows the stack where `JSON.stringify` would not (no real content nests this deep).
 */
const NATIVE_DEPTH = 64;

const isRawJSON = (JSON as unknown as { isRawJSON?: (value: unknown) => boolean }).isRawJSON;

/**
 * `JSON.stringify(value)`, or a prefix of it longer than `limit` UTF-16 code units (it may end
 * inside an escape) when the whole is longer: the work is bounded by `limit`, not by `value`.
 * Throws where `JSON.stringify` throws (a cycle, a BigInt) when that part is reached, and a
 * `TypeError` when `value` has no JSON form. `LazyList` and `PayloadsLeftOut` are written as the
 * values they stand for.
 */
export function jsonPrefix(value: unknown, limit: number): string {
  return new PrefixWriter(limit).write(value);
}

class PrefixWriter {
  private text = '';
  /** The arrays and objects being written, outermost first: `JSON.stringify`'s cycle check. */
  private readonly ancestors: object[] = [];
  /** Set by `resolve`: the payload depth the resolved value is written at, or -1 when its payloads stay. */
  private resolvedPayloadDepth = -1;

  constructor(private readonly limit: number) {}

  write(value: unknown): string {
    try {
      const resolved = this.resolve(value, '', -1, 0);
      if (resolved === OMITTED) throw new TypeError('content has no JSON form');
      this.put(resolved, this.resolvedPayloadDepth, 0);
    } catch (stop) {
      if (stop !== FULL) throw stop;
    }
    return this.text;
  }

  private append(piece: string): void {
    this.text += piece;
    if (this.text.length > this.limit) throw FULL;
  }

  /** A string's JSON form: a long string's only as far as the limit, never splitting a surrogate pair (that would escape half of it). */
  private appendString(value: string): void {
    const room = this.limit - this.text.length;
    if (value.length < room) {
      this.append(JSON.stringify(value));
      return;
    }
    // The escaped form of a prefix of room + 1 code units is at least that long: past the limit.
    let end = room + 1;
    const last = value.charCodeAt(end - 1);
    if (last >= 0xd800 && last <= 0xdbff && end < value.length) {
      const next = value.charCodeAt(end);
      if (next >= 0xdc00 && next <= 0xdfff) end++;
    }
    // Without its closing quote: a prefix of the whole string's JSON.
    this.append(JSON.stringify(value.slice(0, end)).slice(0, -1));
  }

  /**
   * The first steps of `JSON.stringify`'s SerializeJSONProperty for `value`, read from its holder
   * under `key`: `toJSON`, boxed primitives unwrapped; payloads left out at `payloadDepth` (-1: not
   * here). OMITTED when it has no JSON form. Done before anything of the member is written, since a
   * member without a value is left out, key and all.
   */
  private resolve(value: unknown, key: string | number, payloadDepth: number, depth: number): unknown {
    if (value instanceof PayloadsLeftOut) {
      value = value.value;
      payloadDepth = 0;
    }
    if (payloadDepth >= 0) {
      if (typeof value === 'string') value = stringWithoutPayload(value);
      else if (typeof value === 'object' && value !== null && !(value instanceof LazyList)) {
        if (payloadDepth >= MAX_PAYLOAD_DEPTH) payloadDepth = -1;
        else if (Array.isArray(value)) {
          if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
            value = withoutNestedPayloads(value, payloadDepth);
            payloadDepth = -1;
          }
        } else {
          const replaced = payloadObjectReplaced(value as Record<string, unknown>);
          if (replaced !== undefined) {
            value = replaced;
            payloadDepth = -1;
          } else if (typeof (value as { toJSON?: unknown }).toJSON === 'function' || types.isBoxedPrimitive(value) || isRawJSON?.(value)) {
            // What `withoutNestedPayloads` does to such a value (a copy loses its toJSON) is done as it does it.
            value = withoutNestedPayloads(value, payloadDepth);
            payloadDepth = -1;
          }
        }
      }
    }
    this.resolvedPayloadDepth = payloadDepth;
    if (depth >= NATIVE_DEPTH && payloadDepth < 0 && !(value instanceof LazyList)) {
      // A holder of its own, so that toJSON is called with the same key, and a missing value shows as `{}`.
      const name = String(key);
      const member = JSON.stringify({ [name]: value });
      return member === '{}' ? OMITTED : new Verbatim(member.slice(JSON.stringify(name).length + 2, -1));
    }
    if ((typeof value === 'object' && value !== null) || typeof value === 'bigint') {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      if (typeof toJSON === 'function') value = toJSON.call(value, String(key));
    }
    if (typeof value === 'object' && value !== null) {
      if (types.isBoxedPrimitive(value)) {
        if (types.isNumberObject(value)) return +value;
        if (types.isStringObject(value)) return String(value);
        if (types.isBooleanObject(value)) return Boolean.prototype.valueOf.call(value);
        if (types.isBigIntObject(value)) return BigInt.prototype.valueOf.call(value);
      } else if (isRawJSON?.(value)) return new Verbatim((value as { rawJSON: string }).rawJSON);
      return value;
    }
    return value === undefined || typeof value === 'function' || typeof value === 'symbol' ? OMITTED : value;
  }

  /** Writes a resolved value. */
  private put(value: unknown, payloadDepth: number, depth: number): void {
    switch (typeof value) {
      case 'string':
        this.appendString(value);
        return;
      case 'number':
        this.append(Number.isFinite(value) ? String(value) : 'null');
        return;
      case 'boolean':
        this.append(value ? 'true' : 'false');
        return;
      case 'bigint':
        // JSON.stringify's own TypeError.
        JSON.stringify(value);
        return;
    }
    if (value === null) this.append('null');
    else if (value instanceof Verbatim) this.append(value.text);
    else if (value instanceof LazyList) this.putList(value, depth);
    else if (Array.isArray(value)) this.putArray(value, payloadDepth, depth);
    else this.putObject(value as Record<string, unknown>, payloadDepth, depth);
  }

  private enter(value: object): void {
    if (this.ancestors.includes(value)) throw new TypeError('Converting circular structure to JSON');
    this.ancestors.push(value);
  }

  private putArray(array: unknown[], payloadDepth: number, depth: number): void {
    this.enter(array);
    const itemDepth = payloadDepth < 0 ? -1 : payloadDepth + 1;
    this.append('[');
    for (let index = 0; index < array.length; index++) {
      if (index > 0) this.append(',');
      this.putItem(this.resolve(array[index], index, itemDepth, depth + 1), depth);
    }
    this.append(']');
    this.ancestors.pop();
  }

  private putList(list: LazyList<unknown>, depth: number): void {
    this.append('[');
    let index = 0;
    for (const item of list.items) {
      if (index > 0) this.append(',');
      this.putItem(this.resolve(list.map(item), index, -1, depth + 1), depth);
      index++;
    }
    this.append(']');
  }

  /** An array item: one with no JSON form is `null`. */
  private putItem(resolved: unknown, depth: number): void {
    if (resolved === OMITTED) this.append('null');
    else this.put(resolved, this.resolvedPayloadDepth, depth + 1);
  }

  private putObject(object: Record<string, unknown>, payloadDepth: number, depth: number): void {
    this.enter(object);
    const memberDepth = payloadDepth < 0 ? -1 : payloadDepth + 1;
    this.append('{');
    let first = true;
    for (const key of Object.keys(object)) {
      const resolved = this.resolve(object[key], key, memberDepth, depth + 1);
      if (resolved === OMITTED) continue;
      const resolvedDepth = this.resolvedPayloadDepth;
      if (!first) this.append(',');
      first = false;
      this.appendString(key);
      this.append(':');
      this.put(resolved, resolvedDepth, depth + 1);
    }
    this.append('}');
    this.ancestors.pop();
  }
}
