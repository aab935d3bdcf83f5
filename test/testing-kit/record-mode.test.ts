/**
 * Issue 18, item 5: record mode keeps credentials where they belong.
 *
 * (a) Credentials in the query string (`defaultQuery: { key }`, `?api-key=`, `?api_key=`,
 *     `?access_token=`) are scrubbed from the fixture's path, by name and in any case, as headers
 *     are; the upstream still gets them.
 * (b) The default upstream places each request by the provider its own headers name (Anthropic:
 *     `x-api-key`, `anthropic-version`; OpenAI: `Authorization: Bearer` alone), whatever its path
 *     (`models.list()`, `/v1/files`, `/v1/complete`), and refuses, sending nothing upstream, a
 *     request it cannot place. No provider's credentials reach another provider's host.
 *
 * No real network: a fake upstream on 127.0.0.1 stands in for the providers, and for the default
 * upstream `fetch` is wrapped so that what would go to api.anthropic.com or api.openai.com goes to
 * it instead, noting the host it was meant for.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Fixture } from '../../src/testing/fixtures';
import { startRecordingServer } from '../../src/testing';
import { startReplayServer } from '../../src/testing/replay-server';

const ANTHROPIC_KEY = 'fake-anthropic-record-mode-key-6d21';
const OPENAI_KEY = 'sk-FAKE-record-mode-openai-key-90ab';
const QUERY_SECRETS = [
  'FAKE-query-key-1a',
  'FAKE-query-api-key-2b',
  'FAKE-query-api_key-3c',
  'FAKE-query-access-token-4d',
  'FAKE-query-Key-5e',
];

const messageAnswer = {
  model: 'claude-recorded-1',
  id: 'msg_record_mode_01',
  type: 'message',
  role: 'assistant',
  content: [{ type: 'text', text: 'Recorded.' }],
  stop_reason: 'end_turn',
  stop_sequence: null,
  usage: { input_tokens: 5, output_tokens: 2 },
};

interface Received {
  /** The host the request was meant for (the default upstream's), or the fake upstream's own. */
  host: string;
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

let upstream: Server;
let upstreamURL: string;
const received: Received[] = [];
let dir: string;

beforeAll(async () => {
  upstream = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      received.push({
        host: (req.headers['x-meant-for'] as string | undefined) ?? 'fake-upstream',
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
      });
      const path = (req.url ?? '').split('?')[0];
      const body =
        path === '/v1/messages'
          ? messageAnswer
          : path === '/v1/chat/completions'
            ? { id: 'chatcmpl-record', object: 'chat.completion', created: 1, model: 'gpt-4o-mini', choices: [] }
            : { object: 'list', data: [], has_more: false, first_id: null, last_id: null };
      res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_record_mode' });
      res.end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
});
afterAll(() => {
  upstream.closeAllConnections();
  upstream.close();
});
beforeEach(() => {
  received.length = 0;
  dir = mkdtempSync(join(tmpdir(), 'otel-genai-record-mode-'));
});
afterEach(() => {
  vi.unstubAllGlobals();
  rmSync(dir, { recursive: true, force: true });
});

function writtenFixtures(): Array<{ name: string; text: string; fixture: Fixture }> {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const text = readFileSync(join(dir, file), 'utf8');
      return { name: file, text, fixture: JSON.parse(text) as Fixture };
    });
}

/** A raw request, so that the path and headers are exactly what the test says (`fetch` would normalise `//`). */
function raw(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(base);
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        method,
        path,
        headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      },
    );
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe('record mode: credentials in the query string', () => {
  it('are scrubbed from the fixture by name, in any case, and still reach the upstream', async () => {
    const recording = await startRecordingServer(dir, { upstream: () => upstreamURL, delayScale: 0 });
    const request = {
      model: 'claude-recorded-1',
      max_tokens: 10,
      messages: [{ role: 'user' as const, content: 'Record with a key in the query.' }],
    };
    try {
      // The Anthropic SDK's defaultQuery: how a gateway key often travels.
      const sdk = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: recording.url, maxRetries: 0, defaultQuery: { key: QUERY_SECRETS[0] } });
      expect(await sdk.messages.create(request)).toEqual(messageAnswer);
      const headers = { 'x-api-key': ANTHROPIC_KEY, 'anthropic-version': '2023-06-01' };
      const queries = [
        `api-key=${QUERY_SECRETS[1]}&beta=true`,
        `limit=5&API_KEY=${QUERY_SECRETS[2]}`,
        `access_token=${QUERY_SECRETS[3]}`,
        `Key=${QUERY_SECRETS[4]}&after_id=abc%20def`,
      ];
      for (const [index, query] of queries.entries()) {
        const answer = await raw(recording.url, 'POST', `/v1/messages?${query}`, headers, {
          ...request,
          messages: [{ role: 'user', content: `query ${index}` }],
        });
        expect(answer.status).toBe(200);
      }
    } finally {
      await recording.close();
    }

    // The upstream got every credential as the client sent it.
    expect(received.map((request) => request.url)).toEqual([
      `/v1/messages?key=${QUERY_SECRETS[0]}`,
      `/v1/messages?api-key=${QUERY_SECRETS[1]}&beta=true`,
      `/v1/messages?limit=5&API_KEY=${QUERY_SECRETS[2]}`,
      `/v1/messages?access_token=${QUERY_SECRETS[3]}`,
      `/v1/messages?Key=${QUERY_SECRETS[4]}&after_id=abc%20def`,
    ]);

    // The fixtures hold none of them: each value is replaced by a marker, the other parameters kept.
    const written = writtenFixtures();
    expect(written).toHaveLength(5);
    for (const { text } of written) {
      for (const secret of [...QUERY_SECRETS, ANTHROPIC_KEY]) expect(text).not.toContain(secret);
    }
    expect(written.map(({ fixture }) => fixture.request.path).sort()).toEqual(
      [
        '/v1/messages?key=REDACTED',
        '/v1/messages?api-key=REDACTED&beta=true',
        '/v1/messages?limit=5&API_KEY=REDACTED',
        '/v1/messages?access_token=REDACTED',
        '/v1/messages?Key=REDACTED&after_id=abc%20def',
      ].sort(),
    );

    // They still replay: the query is not compared.
    const replay = await startReplayServer({ fixtures: dir, delayScale: 0 });
    try {
      const offline = new Anthropic({ apiKey: 'another-fake-key', baseURL: replay.url, maxRetries: 0 });
      expect(await offline.messages.create(request)).toEqual(messageAnswer);
    } finally {
      await replay.close();
    }
  });
});

describe('record mode: the default upstream', () => {
  const HOSTS = new Set(['api.anthropic.com', 'api.openai.com']);
  /** Requests that left for anywhere but 127.0.0.1, which no test may send. */
  const stray: string[] = [];

  /** Sends what would go to a provider's host to the fake upstream instead, saying which host it was meant for. */
  function stubProviders(): void {
    stray.length = 0;
    const realFetch = globalThis.fetch;
    vi.stubGlobal('fetch', (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(input instanceof Request ? input.url : String(input));
      if (url.hostname === '127.0.0.1') return realFetch(input, init);
      if (!HOSTS.has(url.hostname)) {
        stray.push(url.href);
        return Promise.reject(new TypeError(`no network in tests: ${url.href}`));
      }
      const headers = new Headers(init?.headers);
      headers.set('x-meant-for', url.hostname);
      return realFetch(new URL(`${url.pathname}${url.search}`, upstreamURL), { ...init, headers });
    });
  }

  it('sends each request to the provider its headers name, whatever the path', async () => {
    stubProviders();
    // One recording folder per provider: a recorded `GET /v1/models` would answer the other's
    // (fixtures match on method, path and body).
    const anthropicRecording = await startRecordingServer(join(dir, 'anthropic'), { delayScale: 0 });
    try {
      const anthropic = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: anthropicRecording.url, maxRetries: 0 });
      await anthropic.models.list();
      await anthropic.beta.files.list();
      await anthropic.messages.create({
        model: 'claude-recorded-1',
        max_tokens: 10,
        messages: [{ role: 'user', content: 'Placed by its headers.' }],
      });
      // The legacy completions endpoint, with the raw key header older SDKs send.
      expect(
        (
          await raw(
            anthropicRecording.url,
            'POST',
            '/v1/complete',
            { 'x-api-key': ANTHROPIC_KEY },
            { model: 'claude-2', prompt: '\n\nHuman: hi\n\nAssistant:', max_tokens_to_sample: 5 },
          )
        ).status,
      ).toBe(200);
    } finally {
      await anthropicRecording.close();
    }
    const openaiRecording = await startRecordingServer(join(dir, 'openai'), { delayScale: 0 });
    try {
      const openai = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${openaiRecording.url}/v1`, maxRetries: 0 });
      await openai.models.list();
      await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Placed by its headers.' }] });
    } finally {
      await openaiRecording.close();
    }
    expect(stray).toEqual([]);
    expect(received.map(({ host, method, url }) => `${host} ${method} ${url.split('?')[0]}`)).toEqual([
      'api.anthropic.com GET /v1/models',
      'api.anthropic.com GET /v1/files',
      'api.anthropic.com POST /v1/messages',
      'api.anthropic.com POST /v1/complete',
      'api.openai.com GET /v1/models',
      'api.openai.com POST /v1/chat/completions',
    ]);
    // No provider's key went to the other's host.
    for (const { host, headers } of received) {
      const sent = JSON.stringify(headers);
      if (host === 'api.openai.com') expect(sent).not.toContain(ANTHROPIC_KEY);
      if (host === 'api.anthropic.com') expect(sent).not.toContain(OPENAI_KEY);
    }
    expect(
      writtenFixtures()
        .map(({ fixture }) => `${fixture.meta.provider} ${fixture.request.path.split('?')[0]}`)
        .sort(),
    ).toEqual(
      [
        'anthropic /v1/models',
        'anthropic /v1/files',
        'anthropic /v1/messages',
        'anthropic /v1/complete',
        'openai /v1/models',
        'openai /v1/chat/completions',
      ].sort(),
    );
  });

  it('refuses, sending nothing upstream and writing no fixture, a request it cannot place', async () => {
    stubProviders();
    const recording = await startRecordingServer(dir, { delayScale: 0 });
    const body = { model: 'm', max_tokens: 5, messages: [{ role: 'user', content: 'Where does this go?' }] };
    const cases: Array<[string, string, Record<string, string>]> = [
      ['no credentials at all', '/v1/messages', {}],
      ['an API key header that names no provider', '/v1/chat/completions', { 'api-key': 'FAKE-azure-key-77' }],
      [
        'Anthropic and OpenAI credentials together',
        '/v1/messages',
        { 'x-api-key': ANTHROPIC_KEY, 'openai-organization': 'org-FAKE', authorization: `Bearer ${OPENAI_KEY}` },
      ],
      [
        'a signature that is not a bearer token',
        '/v1/messages',
        { authorization: 'AWS4-HMAC-SHA256 Credential=FAKE/2026/us-east-1/bedrock/aws4_request' },
      ],
      [
        'a Vertex AI path',
        '/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude:rawPredict',
        { authorization: 'Bearer FAKE-google-token', 'anthropic-version': 'vertex-2023-10-16' },
      ],
      ['a path that names another host', '//attacker.example/v1/messages', { 'x-api-key': ANTHROPIC_KEY }],
      ['an absolute URL as the path', 'http://attacker.example/v1/messages', { 'x-api-key': ANTHROPIC_KEY }],
    ];
    try {
      for (const [label, path, headers] of cases) {
        const answer = await raw(recording.url, 'POST', path, headers, body);
        expect(answer.status, label).toBe(400);
        const error = (JSON.parse(answer.body) as { error: { type: string; message: string } }).error;
        expect(error.type, label).toBe('replay_record_refused');
        expect(error.message, label).toMatch(/nothing was sent/);
        // The answer names no credential back.
        expect(answer.body, label).not.toContain(ANTHROPIC_KEY);
      }
    } finally {
      await recording.close();
    }
    expect(stray).toEqual([]);
    expect(received).toEqual([]);
    expect(writtenFixtures()).toEqual([]);
  });

  it('a custom upstream is told the provider, and may refuse a request by returning undefined', async () => {
    const asked: Array<[string, string | undefined]> = [];
    const recording = await startRecordingServer(dir, {
      delayScale: 0,
      upstream: (path: string, provider?: string) => {
        asked.push([path, provider]);
        return provider === 'anthropic' ? upstreamURL : undefined;
      },
    });
    try {
      const anthropic = new Anthropic({ apiKey: ANTHROPIC_KEY, baseURL: recording.url, maxRetries: 0 });
      await anthropic.models.list();
      const openai = new OpenAI({ apiKey: OPENAI_KEY, baseURL: `${recording.url}/v1`, maxRetries: 0 });
      await expect(
        openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Refused by the option.' }] }),
      ).rejects.toMatchObject({ status: 400 });
    } finally {
      await recording.close();
    }
    expect(asked.map(([path, provider]) => `${provider} ${path.split('?')[0]}`)).toEqual([
      'anthropic /v1/models',
      'openai /v1/chat/completions',
    ]);
    expect(received.map(({ url }) => url.split('?')[0])).toEqual(['/v1/models']);
    expect(JSON.stringify(received[0].headers)).not.toContain(OPENAI_KEY);
  });
});
