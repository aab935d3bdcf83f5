/**
 * Record mode of the replay server: forwards a request to the live provider, streams the answer
 * back to the client as it arrives, and writes the exchange as a fixture with its credentials
 * scrubbed (headers, and credential-named query parameters) and its SSE events timed.
 *
 * A request goes to the provider its own headers name, never by its path alone (the providers
 * serve `/v1/models` and `/v1/files` alike): a request that names no provider, or more than one, is
 * refused with nothing sent upstream, so that one provider's key never reaches another's host. Which
 * headers name which provider, and where its live API is, are the registry's (registry.ts, `record`).
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { registryEntries } from '../registry';
import type { RecordProvider, RecordRoute } from '../registry';
import type { Fixture, FixtureEvent, LoadedFixture } from './fixtures';

/** The providers record mode can place a request with. */
export type { RecordProvider };

export interface RecordOptions {
  /** Folder the new fixtures are written to. */
  dir: string;
  /**
   * Base URL to send a request to, given its path (with the query) and the provider its headers
   * name (`undefined` when they name none, or several): return `undefined` to refuse it. By default,
   * `https://api.anthropic.com` for Anthropic requests and `https://api.openai.com` for OpenAI ones,
   * paths under `/v1/` only, and `https://generativelanguage.googleapis.com` for Google Gen AI ones
   * (the Gemini API's `/v1…/models/…` paths; Vertex AI's are regional: give an `upstream`); any
   * other request is refused. A refused request gets a 400 answer and nothing is sent upstream.
   */
  upstream?: (path: string, provider: RecordProvider | undefined) => string | undefined;
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
const HOP_HEADERS = new Set([
  'host',
  'connection',
  'keep-alive',
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'accept-encoding',
]);

/**
 * Query parameters that carry credentials, by name once lowercased with `-` and `_` removed
 * (`key`, `api-key`, `api_key`, `API_KEY`, `access_token`, …); names ending in `apikey`, `token`,
 * `secret`, `password` or `signature` too.
 */
const SECRET_QUERY_NAMES = new Set([
  'key',
  'apikey',
  'xapikey',
  'accesstoken',
  'token',
  'auth',
  'authorization',
  'sig',
  'signature',
  'secret',
  'clientsecret',
  'password',
  'subscriptionkey',
  'xgoogapikey',
  'xamzcredential',
  'xamzsecuritytoken',
  'xamzsignature',
]);
const SECRET_QUERY_SUFFIXES = ['apikey', 'token', 'secret', 'password', 'signature'];
/** What a scrubbed query value becomes in a fixture. */
export const SCRUBBED_QUERY_VALUE = 'REDACTED';

/** Each provider's routing, from the registry. */
function routes(): RecordRoute[] {
  return registryEntries().flatMap((entry) => (entry.record === undefined ? [] : [entry.record]));
}

/** Credential headers of providers no entry places (Azure's, AWS's signatures): a request with one is refused. */
const FOREIGN_HEADERS = ['api-key', 'x-amz-security-token', 'x-amz-date'];

/** Answered to a request record mode will not send upstream: a 4xx no SDK retries (undici itself retries a 421). */
const REFUSED_STATUS = 400;

function isSecretQueryName(name: string): boolean {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name.replace(/\+/g, ' '));
  } catch {
    // a malformed escape: compare the raw name
  }
  const normalized = decoded.toLowerCase().replace(/[-_\s]/g, '');
  return SECRET_QUERY_NAMES.has(normalized) || SECRET_QUERY_SUFFIXES.some((suffix) => normalized.endsWith(suffix));
}

/**
 * `path` with the value of every credential-named query parameter replaced by
 * `SCRUBBED_QUERY_VALUE`; every other byte kept as it came.
 */
export function scrubQuery(path: string): string {
  const start = path.indexOf('?');
  if (start < 0) return path;
  const hashAt = path.indexOf('#', start);
  const query = path.slice(start + 1, hashAt < 0 ? undefined : hashAt);
  const scrubbed = query
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      return isSecretQueryName(name) && equals >= 0 ? `${name}=${SCRUBBED_QUERY_VALUE}` : pair;
    })
    .join('&');
  return `${path.slice(0, start)}?${scrubbed}`;
}

/** One header's value, as one string. */
function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * The provider whose credentials a request carries, from its headers alone: each provider's own
 * headers (Anthropic: `x-api-key`, `anthropic-version`, `anthropic-beta`; Google Gen AI:
 * `x-goog-api-key`, `x-goog-api-client`; OpenAI: `openai-organization`, `openai-project`), or, for
 * OpenAI, an `Authorization: Bearer` token and no other provider's header. `undefined`, with the
 * reason, for a request with several providers' headers, with another provider's credentials
 * (`api-key`, AWS's headers, a non-bearer `Authorization`), or with none.
 */
export function providerOfRequest(req: IncomingMessage): { provider: RecordProvider | undefined; reason: string } {
  const authorization = header(req, 'authorization');
  const bearer = authorization !== undefined && /^Bearer\s/i.test(authorization);
  const foreign = FOREIGN_HEADERS.filter((name) => header(req, name) !== undefined);
  if (authorization !== undefined && !bearer)
    return { provider: undefined, reason: "its Authorization header is not a bearer token (another provider's signature?)" };
  const all = routes();
  const known = all.map((route) => route.provider).join(', ');
  if (foreign.length > 0)
    return { provider: undefined, reason: `it carries ${foreign.join(', ')}, which no provider it knows (${known}) uses` };
  const named = all.filter((route) => route.headers.some((name) => header(req, name) !== undefined));
  if (named.length > 1) {
    return {
      provider: undefined,
      reason: `it carries the headers of several providers (${named.map((route) => `${route.provider}: ${route.headers.join(' / ')}`).join('; ')})`,
    };
  }
  if (named.length === 1) {
    const route = named[0];
    return {
      provider: route.provider as RecordProvider,
      reason: route.headers.filter((name) => header(req, name) !== undefined).join(' / '),
    };
  }
  const bearerRoute = bearer ? all.find((route) => route.bearer) : undefined;
  if (bearerRoute !== undefined) return { provider: bearerRoute.provider as RecordProvider, reason: 'Authorization: Bearer' };
  const named_ = all
    .map((route) => `${route.headers.join(' / ')}${route.bearer ? ' or Authorization: Bearer' : ''} for ${route.provider}`)
    .join(', ');
  return { provider: undefined, reason: `it carries no credentials header that names a provider (${named_})` };
}

/** The default upstream: the provider's public API, for its public paths (not Vertex AI's `/v1/projects/…`). */
function defaultUpstream(path: string, provider: RecordProvider | undefined): string | undefined {
  const route = provider === undefined ? undefined : routes().find((candidate) => candidate.provider === provider);
  if (route === undefined || !route.paths.test(path)) return undefined;
  return route.upstream;
}

/** Answers a request that will not be recorded, and says why; nothing goes upstream. */
function refuse(res: ServerResponse, method: string, path: string, why: string): void {
  const message = `record mode refused ${method} ${path.split('?')[0]}: ${why}; nothing was sent upstream`;
  res.writeHead(REFUSED_STATUS, { 'content-type': 'application/json', 'x-should-retry': 'false', 'x-replay-record-refused': 'true' });
  res.end(JSON.stringify({ type: 'error', error: { type: 'replay_record_refused', message } }));
}

/**
 * Records one exchange from the upstream and returns its fixture, or answers the request with a
 * refusal (and returns `undefined`) when it cannot be placed with a provider.
 */
export async function recordExchange(
  options: RecordOptions,
  req: IncomingMessage,
  rawBody: string,
  res: ServerResponse,
): Promise<LoadedFixture | undefined> {
  const path = req.url ?? '/';
  const method = req.method ?? 'GET';
  // Origin-form only: an absolute URL or `//host/…` would name the host itself.
  if (!path.startsWith('/') || path.startsWith('//')) {
    refuse(res, method, scrubQuery(path), 'its path names a host of its own');
    return undefined;
  }
  const { provider, reason } = providerOfRequest(req);
  const upstream = options.upstream === undefined ? defaultUpstream(path, provider) : options.upstream(path, provider);
  if (upstream === undefined) {
    const why =
      options.upstream !== undefined
        ? 'the upstream option gave no base URL for it'
        : provider === undefined
          ? reason
          : `${path.split('?')[0]} is not a public ${provider} API path`;
    refuse(res, method, scrubQuery(path), why);
    return undefined;
  }
  const target = new URL(path, upstream);
  if (target.origin !== new URL(upstream).origin) {
    refuse(res, method, scrubQuery(path), 'its path leads away from the upstream');
    return undefined;
  }
  const forwarded = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (HOP_HEADERS.has(name) || value === undefined) continue;
    forwarded.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const response = await fetch(target, {
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
      // From the request's own headers, as the default upstream routes it: the upstream may be a proxy or a local host.
      ...(provider === undefined ? {} : { provider }),
      source: `Recorded from ${upstream} by the otel-genai replay server in record mode.`,
      recorded_at: new Date().toISOString(),
      sdk: sdkOf(req),
    },
    // Credentials in the query are scrubbed as headers are.
    request: { method, path: scrubQuery(path), match: matchOf(rawBody) },
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
  const name = `${path
    .replace(/\?.*$/, '')
    .replace(/[^a-z0-9]+/gi, '-')
    .replace(/^-|-$/g, '')}-${createHash('sha256').update(rawBody).digest('hex').slice(0, 10)}`;
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
