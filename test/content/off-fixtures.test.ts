/**
 * No request or provider string in telemetry with content capture off, on every content path
 * (issue 18, "go further" 3). Every bundled fixture (fixtures/anthropic/*.json,
 * fixtures/openai/*.json) is sent through the instrumented SDK (the zero-code instrumentations) with
 * the method its path names (`messages.create`, `beta.messages.create`, the Bedrock and Vertex
 * clients' `messages.create`, `chat.completions.create` on `OpenAI` and `AzureOpenAI`,
 * `responses.create`, `embeddings.create`), streamed when its request says `stream`, with its
 * `request.match` as the body. Exceptions go to span events and log records
 * (`OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs/dup`), and a meter provider records the metrics.
 *
 * The forbidden strings are built from the fixture JSON itself: every string of 12 characters or
 * more in the request's content (messages, system, tools, input, instructions) and in the response's
 * content (assistant text, thinking, tool arguments, their stream deltas joined up, error messages,
 * undocumented error types and codes), and every 16-character slice of the longer ones (so that a
 * truncated copy is caught too). Ids, names, models, roles, finish reasons and documented error
 * types are not content and are left out. Every string in every exported span (name, attributes,
 * events and their attributes, status message, links), log record (event name, body, attributes)
 * and metric data point (attributes) is searched for them.
 *
 * With capture off (the default) none may be found. With capture on (`SPAN_AND_EVENT`) the same
 * search must find some for each fixture whose content a mapping records, so that the check can fail.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { logs } from '@opentelemetry/api';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { KNOWN_PROVIDER_ERROR_TYPES } from '../../src/semconv';
import type { ReplayServer } from '../../src/testing/replay-server';
import { FIXTURES, startFixtureServer } from '../helpers/replay';
import { captureAllTelemetry, leaks } from '../helpers/telemetry-strings';
import type { FoundString } from '../helpers/telemetry-strings';
import { settle } from '../helpers/tracing';

// Agent, tool and exception records of the global providers too.
const { tracing, instrumentations, telemetryStrings } = captureAllTelemetry(logs);

const require = createRequire(__filename);
const Anthropic = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;
const { AnthropicBedrock } = require('@anthropic-ai/bedrock-sdk') as typeof import('@anthropic-ai/bedrock-sdk');
const { AnthropicVertex } = require('@anthropic-ai/vertex-sdk') as typeof import('@anthropic-ai/vertex-sdk');
const OpenAI = require('openai').default as typeof import('openai').default;
const { AzureOpenAI } = require('openai') as typeof import('openai');

let server: ReplayServer;

beforeAll(async () => {
  server = await startFixtureServer(0);
  process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = 'logs/dup';
});
afterAll(async () => {
  delete process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN;
  for (const instrumentation of instrumentations) instrumentation.disable();
  await server.close();
});
beforeEach(() => server.reset());

// ---------------------------------------------------------------------------------------------
// The fixtures, and the call each one is

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture JSON, read field by field
type Json = any;

interface FixtureCase {
  /** The fixture's name, as the replay server names it. */
  name: string;
  fixture: Json;
  /** `create` (streamed when the request says so), or the SDK's stream helper for a streamed request. */
  via: 'create' | 'stream helper';
}

function loadFixtures(): FixtureCase[] {
  const cases: FixtureCase[] = [];
  for (const provider of ['anthropic', 'openai']) {
    for (const file of readdirSync(join(FIXTURES, provider))
      .filter((name) => name.endsWith('.json'))
      .sort()) {
      const fixture = JSON.parse(readFileSync(join(FIXTURES, provider, file), 'utf8'));
      const name = `${provider}/${file.replace(/\.json$/, '')}`;
      cases.push({ name, fixture, via: 'create' });
      // The helpers built on create (messages.stream(), chat.completions.stream(), responses.stream()) read the stream their own way.
      if (fixture.request.match?.stream === true && /^\/v1\/(messages|chat\/completions|responses)/.test(fixture.request.path))
        cases.push({ name, fixture, via: 'stream helper' });
    }
  }
  return cases;
}

const label = (fixtureCase: FixtureCase) => (fixtureCase.via === 'create' ? fixtureCase.name : `${fixtureCase.name} (${fixtureCase.via})`);

const CASES = loadFixtures();

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of stream);
}

/** Sends the fixture's request as an app would, with the SDK method its path names; what the call throws is the app's. */
async function send({ fixture, via }: FixtureCase): Promise<void> {
  const path: string = fixture.request.path;
  const body = structuredClone(fixture.request.match ?? {});
  const streamed = body.stream === true;
  if (via === 'stream helper') return sendThroughStreamHelper(path, body);
  // Retried exchanges (`responses`) need the SDK's retries; the others fail at once.
  const maxRetries = Array.isArray(fixture.responses) ? 2 : 0;
  const consume = async (result: unknown) => {
    if (streamed) await drain(result as AsyncIterable<unknown>);
  };
  if (path.startsWith('/v1/messages') || path.startsWith('/model/') || path.startsWith('/projects/')) {
    const params = { max_tokens: 1024, ...body };
    if (path.startsWith('/model/')) {
      const client = new AnthropicBedrock({ baseURL: server.url, skipAuth: true, awsRegion: 'us-east-1', maxRetries });
      return consume(await client.messages.create({ model: decodeURIComponent(path.split('/')[2]), ...params }));
    }
    if (path.startsWith('/projects/')) {
      const [, , project, , region] = path.split('/');
      const authClient = { projectId: project, getRequestHeaders: async () => new Headers({ authorization: 'Bearer not-a-real-token' }) };
      const client = new AnthropicVertex({ baseURL: server.url, region, projectId: project, authClient: authClient as never, maxRetries });
      const model = /models\/([^:]+):/.exec(path)?.[1] as string;
      return consume(await client.messages.create({ model, ...params }));
    }
    const client = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries });
    const messages = path.includes('beta=true') ? client.beta.messages : client.messages;
    return consume(await (messages.create as (p: unknown) => Promise<unknown>)(params));
  }
  if (path.startsWith('/openai/deployments/')) {
    const deployment = path.split('/')[3];
    const apiVersion = new URL(path, 'http://x').searchParams.get('api-version') ?? undefined;
    const client = new AzureOpenAI({ endpoint: server.url, apiKey: 'test-key', apiVersion, deployment, maxRetries });
    return consume(await client.chat.completions.create(body));
  }
  const client = new OpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries });
  if (path.startsWith('/v1/chat/completions')) return consume(await client.chat.completions.create(body));
  if (path.startsWith('/v1/responses')) return consume(await client.responses.create(body));
  if (path.startsWith('/v1/embeddings')) return consume(await client.embeddings.create(body));
  throw new Error(`no SDK method for ${path}`);
}

/** A streamed request through the SDK's stream helper (which sets `stream` itself), read to its end. */
async function sendThroughStreamHelper(path: string, { stream: _stream, ...body }: Json): Promise<void> {
  if (path.startsWith('/v1/messages')) {
    const client = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
    const messages = path.includes('beta=true') ? client.beta.messages : client.messages;
    const stream = (messages.stream as (p: unknown) => AsyncIterable<unknown> & { finalMessage(): Promise<unknown> })({
      max_tokens: 1024,
      ...body,
    });
    await drain(stream);
    await stream.finalMessage();
    return;
  }
  const client = new OpenAI({ apiKey: 'test-key', baseURL: `${server.url}/v1`, maxRetries: 0 });
  if (path.startsWith('/v1/chat/completions')) {
    const stream = client.chat.completions.stream(body);
    await drain(stream);
    await stream.finalChatCompletion();
    return;
  }
  const stream = client.responses.stream(body);
  await drain(stream);
  await stream.finalResponse();
}

// ---------------------------------------------------------------------------------------------
// The forbidden strings, from the fixture JSON itself

/** Keys whose string values are content (the request's and the response's), wherever they are. */
const CONTENT_KEYS = new Set([
  'text',
  'thinking',
  'partial_json',
  'arguments',
  'content',
  'refusal',
  'message',
  'delta',
  'description',
  'instructions',
  'input',
  'output',
  'system',
  'summary',
  'signature',
  'data',
]);
/** Keys whose values are never content (ids, names, enumerations): not searched below them. */
const NOT_CONTENT = new Set([
  'id',
  'tool_use_id',
  'tool_call_id',
  'call_id',
  'type',
  'role',
  'name',
  'model',
  'media_type',
  'mime_type',
  'previous_message_id',
  'previous_response_id',
  'status',
  'stop_reason',
  'finish_reason',
  'object',
  'system_fingerprint',
  'service_tier',
  'usage',
  'index',
  'item_id',
  'output_index',
  'sequence_number',
]);
const MIN_LENGTH = 12;
const SLICE = 16;

/** Every content string in `value`: under a content key, all string leaves below it except under non-content keys. */
function contentStrings(value: Json, into: string[], inContent = false): string[] {
  if (typeof value === 'string') {
    if (inContent) {
      into.push(value);
      // Tool arguments and results are often JSON in a string: their parts too.
      if (/^\s*[[{]/.test(value)) {
        try {
          contentStrings(JSON.parse(value), into, true);
        } catch {
          // Not JSON (a stream's partial JSON): the string as it is.
        }
      }
    }
    return into;
  }
  if (Array.isArray(value)) {
    for (const item of value) contentStrings(item, into, inContent);
    return into;
  }
  if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (NOT_CONTENT.has(key)) continue;
      contentStrings(item, into, inContent || CONTENT_KEYS.has(key));
    }
  }
  return into;
}

/** The provider's error types and codes that are no documented ones (what a provider may make up). */
function undocumentedErrorTypes(value: Json, into: string[]): string[] {
  if (Array.isArray(value)) for (const item of value) undocumentedErrorTypes(item, into);
  else if (value !== null && typeof value === 'object') {
    const errorFields = (error: Record<string, unknown>) => {
      for (const field of ['type', 'code', 'param']) {
        const found = error[field];
        if (typeof found === 'string' && found !== 'error' && !KNOWN_PROVIDER_ERROR_TYPES.has(found)) into.push(found);
      }
    };
    // An in-stream error event (`{ type: 'error', code, message }`), or an `error` object in a body or event.
    if (value.type === 'error') errorFields(value);
    for (const [key, item] of Object.entries(value)) {
      if (key === 'error' && item !== null && typeof item === 'object') errorFields(item as Record<string, unknown>);
      undocumentedErrorTypes(item, into);
    }
  }
  return into;
}

/** An SSE event's data, parsed when it came as a JSON string. */
function eventData(data: Json): Json {
  if (typeof data !== 'string') return data;
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/** The strings of a fixture that telemetry must not hold with capture off. */
function forbiddenStrings(fixture: Json): string[] {
  const match = fixture.request.match ?? {};
  const sources: string[] = [];
  for (const key of ['messages', 'system', 'tools', 'input', 'instructions']) {
    if (match[key] !== undefined) contentStrings(match[key], sources, true);
  }
  for (const response of fixture.responses ?? [fixture.response]) {
    if (typeof response.body === 'string' && response.status >= 400) sources.push(response.body);
    else contentStrings(response.body, sources);
    undocumentedErrorTypes(response.body, sources);
    const events = (response.events ?? []).map((event: Json) => eventData(event.data));
    for (const data of events) {
      contentStrings(data, sources);
      undocumentedErrorTypes(data, sources);
    }
    // A stream's text and arguments come in pieces: each run of pieces joined up, in order.
    const joined = new Map<string, string>();
    for (const data of events) {
      const pieces: string[] = [];
      contentStrings(data, pieces);
      for (const piece of pieces) {
        const kind = typeof data?.type === 'string' ? data.type : typeof data?.object === 'string' ? data.object : 'event';
        joined.set(kind, (joined.get(kind) ?? '') + piece);
      }
    }
    sources.push(...joined.values());
  }
  const forbidden = new Set<string>();
  for (const source of sources) {
    const text = source.trim();
    if (text.length < MIN_LENGTH) continue;
    forbidden.add(text);
    for (let start = 0; start + SLICE <= text.length; start += SLICE / 2) forbidden.add(text.slice(start, start + SLICE));
  }
  return [...forbidden];
}

// ---------------------------------------------------------------------------------------------
// Every string telemetry holds

async function sendAndCollect(fixtureCase: FixtureCase): Promise<FoundString[]> {
  server.reset();
  await send(fixtureCase).catch(() => undefined);
  await settle();
  return telemetryStrings();
}

// ---------------------------------------------------------------------------------------------
// The checks

/** Fixtures whose content no mapping records, capture on or off: embeddings input is not recorded (README, "Content capture"). */
const NO_CONTENT_PATH = new Set(['openai/embeddings']);

describe('the fixtures, one call each', () => {
  it('every fixture is one a client call makes, and each has strings to look for', async () => {
    expect(CASES.length).toBeGreaterThan(50);
    const served: Record<string, Array<string | undefined>> = {};
    const empty: string[] = [];
    for (const fixtureCase of CASES) {
      if (forbiddenStrings(fixtureCase.fixture).length === 0) empty.push(label(fixtureCase));
      server.reset();
      await send(fixtureCase).catch(() => undefined);
      // Each request the SDK sent was answered by this very fixture (an unmatched one gets a 404).
      const others = server.requests.map((request) => request.fixture).filter((name) => name !== fixtureCase.name);
      if (others.length > 0 || server.requests.length === 0) served[label(fixtureCase)] = others;
    }
    expect(served).toEqual({});
    expect(empty).toEqual([]);
  });
});

describe('content capture off: no request or provider string in any span, log record or metric', () => {
  for (const fixtureCase of CASES) {
    it(label(fixtureCase), async () => {
      const forbidden = forbiddenStrings(fixtureCase.fixture);
      const found = await sendAndCollect(fixtureCase);
      expect(tracing.spans().length).toBeGreaterThan(0);
      expect(leaks(found, forbidden)).toEqual([]);
    });
  }
});

describe('content capture on (SPAN_AND_EVENT): the same search finds the content, so the check can fail', () => {
  for (const fixtureCase of CASES) {
    it(label(fixtureCase), async () => {
      for (const instrumentation of instrumentations) instrumentation.setConfig({ captureMessageContent: 'SPAN_AND_EVENT' });
      const found = await sendAndCollect(fixtureCase);
      const hits = leaks(found, forbiddenStrings(fixtureCase.fixture));
      if (NO_CONTENT_PATH.has(fixtureCase.name)) expect(hits).toEqual([]);
      else expect(hits.length).toBeGreaterThan(0);
    });
  }
});
