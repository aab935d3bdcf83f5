/**
 * Record mode of the replay server: forwards a request to the live provider, streams the answer
 * back to the client as it arrives, and writes the exchange as a fixture with its credentials
 * scrubbed and its SSE events timed.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { Fixture, FixtureEvent, LoadedFixture } from './fixtures';

export interface RecordOptions {
  /** Folder the new fixtures are written to. */
  dir: string;
  /**
   * Base URL of the provider for a request path: by default `https://api.anthropic.com` for
   * `/v1/messages…` and `https://api.openai.com` for any other path.
   */
  upstream?: (path: string) => string;
}

/** Headers that carry credentials or account identity, never written to a fixture. */
const SECRET_HEADERS = new Set([
  'authorization',
  'x-api-key',
  'api-key',
  'cookie',
  'set-cookie',
  'openai-organization',
  'openai-project',
  'anthropic-organization-id',
  'x-goog-api-key',
]);
/** Headers that describe one connection or encoding, not the exchange. */
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'content-length', 'content-encoding', 'transfer-encoding', 'accept-encoding']);

function defaultUpstream(path: string): string {
  return path.startsWith('/v1/messages') ? 'https://api.anthropic.com' : 'https://api.openai.com';
}

export async function recordExchange(
  options: RecordOptions,
  req: IncomingMessage,
  rawBody: string,
  res: ServerResponse,
): Promise<LoadedFixture> {
  const path = req.url ?? '/';
  const upstream = (options.upstream ?? defaultUpstream)(path);
  const forwarded = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (HOP_HEADERS.has(name) || value === undefined) continue;
    forwarded.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const method = req.method ?? 'GET';
  const response = await fetch(new URL(path, upstream), {
    method,
    headers: forwarded,
    body: method === 'GET' || method === 'HEAD' ? undefined : rawBody,
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    if (!SECRET_HEADERS.has(name) && !HOP_HEADERS.has(name)) headers[name] = value;
  });
  res.writeHead(response.status, headers);

  const fixture: Fixture = {
    meta: {
      synthetic: false,
      // From the path, as `defaultUpstream` routes it: the upstream may be a proxy or a local host.
      provider: path.startsWith('/v1/messages') ? 'anthropic' : 'openai',
      source: `Recorded from ${upstream} by the otel-genai replay server in record mode.`,
      recorded_at: new Date().toISOString(),
      sdk: sdkOf(req),
    },
    request: { method, path, match: matchOf(rawBody) },
    response: { status: response.status, headers },
  };
  if ((response.headers.get('content-type') ?? '').includes('text/event-stream') && response.body) {
    fixture.response!.events = await relayEvents(response.body, res);
  } else {
    const text = await response.text();
    res.end(text);
    fixture.response!.body = parseBody(text);
  }

  mkdirSync(options.dir, { recursive: true });
  const name = `${path.replace(/\?.*$/, '').replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}-${createHash('sha256').update(rawBody).digest('hex').slice(0, 10)}`;
  writeFileSync(join(options.dir, `${name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
  return { name, fixture };
}

/** Passes the provider's stream through to the client and returns its events with their timing. */
async function relayEvents(body: ReadableStream<Uint8Array>, res: ServerResponse): Promise<FixtureEvent[]> {
  const events: FixtureEvent[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  let last = performance.now();
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    res.write(chunk);
    buffered += decoder.decode(chunk, { stream: true });
    let boundary: RegExpExecArray | null;
    while ((boundary = /\r?\n\r?\n/.exec(buffered)) !== null) {
      const block = buffered.slice(0, boundary.index);
      buffered = buffered.slice(boundary.index + boundary[0].length);
      const now = performance.now();
      const event = parseEventBlock(block);
      if (event === undefined) continue;
      events.push({ delay_ms: Math.round(now - last), ...event });
      last = now;
    }
  }
  res.end();
  return events;
}

function parseEventBlock(block: string): Omit<FixtureEvent, 'delay_ms'> | undefined {
  let event: string | undefined;
  const data: string[] = [];
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
  }
  if (event === undefined && data.length === 0) return undefined;
  const raw = data.join('\n');
  // Keep the object when compact JSON reproduces the bytes; otherwise keep the bytes.
  let parsed: unknown = raw;
  try {
    const value: unknown = JSON.parse(raw);
    if (JSON.stringify(value) === raw) parsed = value;
  } catch {
    // not JSON (OpenAI's `[DONE]`): kept verbatim
  }
  return event === undefined ? { data: parsed } : { event, data: parsed };
}

function matchOf(rawBody: string): Record<string, unknown> | undefined {
  const body = parseBody(rawBody);
  return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function sdkOf(req: IncomingMessage): string | undefined {
  const version = req.headers['x-stainless-package-version'];
  const agent = req.headers['user-agent'];
  return typeof version === 'string' ? `${agent ?? 'sdk'} (${version})` : typeof agent === 'string' ? agent : undefined;
}
