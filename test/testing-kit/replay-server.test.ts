/**
 * The replay server itself: matching, 404s that explain a miss, SSE timing, response sequences,
 * cut connections, the request log, and record mode against a fake upstream on 127.0.0.1.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Fixture, FixtureEvent } from '../../src/testing/fixtures';
import { contains } from '../../src/testing/fixtures';
import { startReplayServer } from '../../src/testing/replay-server';
import type { ReplayServer } from '../../src/testing/replay-server';
import { ANTHROPIC_FIXTURES, FIXTURES, PROMPTS } from '../helpers/replay';

const MODEL = 'claude-sonnet-5-5';
const user = (content: string) => [{ role: 'user' as const, content }];

function fixture(name: string): Fixture {
  return JSON.parse(readFileSync(join(ANTHROPIC_FIXTURES, `${name}.json`), 'utf8')) as Fixture;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

/** Splits SSE text into its events, `data` kept as the exact text after `data: `. */
function parseSSE(text: string): Array<{ event: string | undefined; data: string }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event: ')) event = line.slice('event: '.length);
        else if (line.startsWith('data: ')) data.push(line.slice('data: '.length));
      }
      return { event, data: data.join('\n') };
    });
}

/** How the server is expected to write one fixture event's data. */
function wireData(event: FixtureEvent): string {
  return typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
}

/** Reads a body chunk by chunk, noting when each chunk arrived; `error` is what the read threw. */
async function readChunks(response: Response) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const reads: number[] = [];
  let text = '';
  let error: unknown;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      reads.push(performance.now());
      text += decoder.decode(value, { stream: true });
    }
  } catch (caught) {
    error = caught;
  }
  return { reads, text, error, endedAt: performance.now() };
}

let server: ReplayServer;
let client: Anthropic;

beforeAll(async () => {
  server = await startReplayServer({ fixtures: FIXTURES, delayScale: 0 });
  client = new Anthropic({ apiKey: 'test-key', baseURL: server.url, maxRetries: 0 });
});
afterAll(() => server.close());
beforeEach(() => server.reset());

describe('matching', () => {
  it('serves a matching JSON fixture with its status, headers and body', async () => {
    const recorded = fixture('messages-text').response!;
    const response = await post(`${server.url}/v1/messages`, { model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
    expect(response.status).toBe(200);
    expect(response.headers.get('request-id')).toBe('req_011CaCJPsf6N51CBQPBBfQSP');
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('cf-ray')).toBe(recorded.headers!['cf-ray']);
    expect(response.headers.get('x-replay-unmatched')).toBeNull();
    expect(await response.json()).toEqual(recorded.body);

    const { data, request_id } = await client.messages
      .create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) })
      .withResponse();
    expect(request_id).toBe('req_011CaCJPsf6N51CBQPBBfQSP');
    expect(data).toEqual(recorded.body);
  });

  it('answers an unmatched request with a 404 naming the closest fixture and the difference', async () => {
    const response = await post(`${server.url}/v1/messages`, {
      model: 'claude-other-model',
      max_tokens: 100,
      messages: user(PROMPTS.text),
    });
    expect(response.status).toBe(404);
    expect(response.headers.get('x-replay-unmatched')).toBe('true');
    const body = (await response.json()) as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('replay_no_match');
    expect(body.error.message).toContain('"anthropic/messages-text"');
    expect(body.error.message).toContain('body.model');
    expect(body.error.message).toContain(`fixture "${MODEL}", request "claude-other-model"`);
    // The closest fixture differs in the model only, so the messages are not listed.
    expect(body.error.message).not.toContain('body.messages');

    const error = await client.messages.create({ model: 'claude-other-model', max_tokens: 100, messages: user(PROMPTS.text) }).then(
      () => undefined,
      (caught: unknown) => caught as Error & { status?: number },
    );
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error?.status).toBe(404);
    expect(error?.message).toContain('anthropic/messages-text');
    expect(error?.message).toContain('body.model');
  });

  it('does not compare the query string, in either direction', async () => {
    // The fixture's path is /v1/messages?beta=true; the request has no query.
    const beta = await post(`${server.url}/v1/messages`, { model: MODEL, max_tokens: 50, messages: user(PROMPTS.betaText) });
    expect(beta.status).toBe(200);
    expect(((await beta.json()) as { id: string }).id).toBe((fixture('beta-messages-text').response!.body as { id: string }).id);
    // The fixture's path is /v1/messages; the request adds ?beta=true.
    const plain = await post(`${server.url}/v1/messages?beta=true`, { model: MODEL, max_tokens: 50, messages: user(PROMPTS.text) });
    expect(plain.status).toBe(200);
    expect(((await plain.json()) as { id: string }).id).toBe('msg_01EDxgC9HgnvgQyQRUejyWUH');
    // And the SDK's beta client, which adds ?beta=true itself, reaches a query-less fixture.
    const message = await client.beta.messages.create({ model: MODEL, max_tokens: 50, messages: user(PROMPTS.text) });
    expect(message.id).toBe('msg_01EDxgC9HgnvgQyQRUejyWUH');

    expect(server.requests.map(({ path, fixture }) => ({ path, fixture }))).toEqual([
      { path: '/v1/messages', fixture: 'anthropic/beta-messages-text' },
      { path: '/v1/messages', fixture: 'anthropic/messages-text' },
      { path: '/v1/messages', fixture: 'anthropic/messages-text' },
    ]);
  });

  it('lists every request in server.requests with the fixture that answered it', async () => {
    const text = { model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) };
    const stream = { model: MODEL, max_tokens: 200, stream: true, messages: user(PROMPTS.streamText) };
    const unmatched = { model: MODEL, max_tokens: 10, messages: user('A prompt no fixture knows.') };
    await (await post(`${server.url}/v1/messages`, text)).text();
    await (await post(`${server.url}/v1/messages`, stream)).text();
    await (await post(`${server.url}/v1/messages`, unmatched)).text();
    await (await fetch(`${server.url}/v1/models`)).text();
    expect(server.requests).toEqual([
      { method: 'POST', path: '/v1/messages', body: text, fixture: 'anthropic/messages-text' },
      { method: 'POST', path: '/v1/messages', body: stream, fixture: 'anthropic/messages-stream-text' },
      { method: 'POST', path: '/v1/messages', body: unmatched, fixture: undefined },
      { method: 'GET', path: '/v1/models', body: undefined, fixture: undefined },
    ]);
  });
});

describe('response sequences', () => {
  it('serves 529 then 200, repeats the 200, and reset() restarts the sequence and clears requests', async () => {
    const [overloaded, ok] = fixture('messages-retry-then-ok').responses!;
    const body = { model: MODEL, max_tokens: 10, messages: user(PROMPTS.retryThenOk) };
    const send = async () => {
      const response = await post(`${server.url}/v1/messages`, body);
      return { status: response.status, requestId: response.headers.get('request-id'), body: await response.json() };
    };
    expect(await send()).toEqual({ status: 529, requestId: overloaded.headers!['request-id'], body: overloaded.body });
    expect(await send()).toEqual({ status: 200, requestId: ok.headers!['request-id'], body: ok.body });
    expect(await send()).toEqual({ status: 200, requestId: ok.headers!['request-id'], body: ok.body });
    expect(server.requests.map((request) => request.fixture)).toEqual(Array(3).fill('anthropic/messages-retry-then-ok'));

    server.reset();
    expect(server.requests).toEqual([]);
    expect((await send()).status).toBe(529);
    expect(server.requests).toHaveLength(1);

    // The SDK retries the 529 and gets the 200.
    server.reset();
    const message = await client.withOptions({ maxRetries: 2 }).messages.create(body);
    expect(message).toEqual(ok.body);
    expect(server.requests).toHaveLength(2);
  });
});

describe('server-sent events', () => {
  it('writes events one by one with the recorded delays scaled', async () => {
    const scale = 0.2;
    const slow = await startReplayServer({ fixtures: FIXTURES, delayScale: scale });
    try {
      const events = fixture('messages-stream-long').response!.events!;
      const delays = events.map((event) => event.delay_ms ?? 0);
      const total = delays.reduce((sum, delay) => sum + delay, 0);
      expect(events.length).toBeGreaterThan(60);

      const sentAt = performance.now();
      const response = await post(`${slow.url}/v1/messages`, {
        model: MODEL,
        max_tokens: 500,
        stream: true,
        messages: user(PROMPTS.streamLong),
      });
      const headersAt = performance.now();
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain('text/event-stream');
      const { reads, text, error, endedAt } = await readChunks(response);
      expect(error).toBeUndefined();

      // Every event, in order, with the same bytes.
      expect(parseSSE(text)).toEqual(events.map((event) => ({ event: event.event, data: wireData(event) })));

      // The first event comes after its own delay (206 ms × 0.2), and the headers before it.
      const firstDelay = delays[0] * scale;
      expect(reads[0] - sentAt).toBeGreaterThanOrEqual(firstDelay - 2);
      // (A quarter of it: on a loaded machine the client may take its time to see the headers.)
      expect(reads[0] - headersAt).toBeGreaterThanOrEqual(firstDelay / 4);
      // Spread over many reads, not written at once at the end.
      expect(reads.length).toBeGreaterThan(10);
      // Timers may fire a millisecond early each: allow that much per event, and no upper bound.
      const tolerance = events.length + 10;
      expect(reads[reads.length - 1] - reads[0]).toBeGreaterThanOrEqual((total - delays[0]) * scale - tolerance);
      expect(endedAt - sentAt).toBeGreaterThanOrEqual(total * scale - tolerance);
    } finally {
      await slow.close();
    }
  });

  it('sends ping events verbatim', async () => {
    const response = await post(`${server.url}/v1/messages`, {
      model: MODEL,
      max_tokens: 200,
      stream: true,
      messages: user(PROMPTS.streamText),
    });
    const text = await response.text();
    expect(text).toContain('event: ping\ndata: {"type": "ping"}\n\n');
    // Object data is written as compact JSON.
    expect(text).toContain('event: message_stop\ndata: {"type":"message_stop"}\n\n');
  });

  it('destroys the connection after the last event of a cut fixture', async () => {
    const events = fixture('messages-stream-cut').response!.events!;
    const response = await post(`${server.url}/v1/messages`, {
      model: MODEL,
      max_tokens: 500,
      stream: true,
      messages: user(PROMPTS.streamCut),
    });
    expect(response.status).toBe(200);
    const { text, error } = await readChunks(response);
    expect(error).toBeInstanceOf(Error);
    // The events before the cut did arrive.
    expect(parseSSE(text)).toEqual(events.map((event) => ({ event: event.event, data: wireData(event) })));
    expect(text).not.toContain('message_stop');

    const again = await post(`${server.url}/v1/messages`, {
      model: MODEL,
      max_tokens: 500,
      stream: true,
      messages: user(PROMPTS.streamCut),
    });
    await expect(again.text()).rejects.toThrow();
  });
});

describe('record mode', () => {
  const API_KEY = 'fake-recording-key-7f3a9c-not-a-secret';
  const RAW_KEY = 'fake-raw-key-51d0e2-not-a-secret';
  const BEARER = 'FAKE-bearer-token-a81c44';
  const COOKIE = 'FAKE-session-cookie-value-93be1';
  const ANTHROPIC_ORG = 'FAKE-anthropic-org-2d7e6f';
  const OPENAI_ORG = 'FAKE-openai-org-c05b18';

  const jsonAnswer = {
    model: 'claude-recorded-1',
    id: 'msg_recorded_json_01',
    type: 'message',
    role: 'assistant',
    content: [{ type: 'text', text: 'Recorded hello.' }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: 9, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 3 },
  };
  const sseAnswer: Array<{ event: string; data: unknown }> = [
    {
      event: 'message_start',
      data: {
        type: 'message_start',
        message: {
          model: 'claude-recorded-1',
          id: 'msg_recorded_sse_01',
          type: 'message',
          role: 'assistant',
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: 11, output_tokens: 1 },
        },
      },
    },
    { event: 'content_block_start', data: { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } } },
    { event: 'ping', data: '{"type": "ping"}' },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Recorded' } } },
    { event: 'content_block_delta', data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: ' stream.' } } },
    { event: 'content_block_stop', data: { type: 'content_block_stop', index: 0 } },
    {
      event: 'message_delta',
      data: { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 4 } },
    },
    { event: 'message_stop', data: { type: 'message_stop' } },
  ];
  const GAP_MS = 25;
  // One long pause, before the first text delta: its recorded delay shows the pacing with a margin
  // that a loaded machine's event-loop stalls (which can merge two short gaps into one read) do not eat.
  const LONG_GAP_MS = 250;
  const LONG_GAP_AT = 3;
  const sseText = sseAnswer
    .map(({ event, data }) => `event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`)
    .join('');
  const jsonRequest = { model: 'claude-recorded-1', max_tokens: 20, messages: user('Say hello for the recording.') };
  const sseRequest = { model: 'claude-recorded-1', max_tokens: 20, stream: true, messages: user('Stream something for the recording.') };

  let dir: string;
  let upstream: Server;
  let upstreamURL: string;
  const received: Array<{ url: string; headers: IncomingMessage['headers']; body: unknown }> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'otel-genai-record-'));
    upstream = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { stream?: boolean };
        received.push({ url: req.url ?? '', headers: req.headers, body });
        // The client's credentials must reach the provider.
        const authorized = req.headers['x-api-key'] === RAW_KEY || req.headers.authorization === `Bearer ${API_KEY}`;
        if (!authorized) {
          res.writeHead(401, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ type: 'error', error: { type: 'authentication_error', message: 'no key' } }));
          return;
        }
        const secretHeaders = {
          'set-cookie': [`_cfuvid=${COOKIE}; path=/; HttpOnly`],
          'anthropic-organization-id': ANTHROPIC_ORG,
          'openai-organization': OPENAI_ORG,
        };
        if (body.stream !== true) {
          res.writeHead(200, {
            'content-type': 'application/json',
            'request-id': 'req_recorded_json',
            'x-upstream-marker': 'json',
            ...secretHeaders,
          });
          res.end(JSON.stringify(jsonAnswer));
          return;
        }
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache',
          'request-id': 'req_recorded_sse',
          'x-upstream-marker': 'sse',
          ...secretHeaders,
        });
        res.flushHeaders();
        void (async () => {
          for (const [index, { event, data }] of sseAnswer.entries()) {
            await new Promise((resolve) => setTimeout(resolve, index === LONG_GAP_AT ? LONG_GAP_MS : GAP_MS));
            res.write(`event: ${event}\ndata: ${typeof data === 'string' ? data : JSON.stringify(data)}\n\n`);
          }
          res.end();
        })();
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamURL = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    if (upstream.listening) {
      upstream.closeAllConnections();
      upstream.close();
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('records unmatched exchanges from the upstream, scrubbed, and replays them without it', async () => {
    const recording = await startReplayServer({ fixtures: dir, delayScale: 0, record: { dir, upstream: () => upstreamURL } });
    const before = new Date();
    let jsonReply: unknown;
    let jsonRequestId: string | null | undefined;
    let sseReplyText: string;
    try {
      const sdk = new Anthropic({ apiKey: API_KEY, baseURL: recording.url, maxRetries: 0 });
      const { data, request_id } = await sdk.messages.create(jsonRequest).withResponse();
      jsonReply = data;
      jsonRequestId = request_id;

      const response = await post(`${recording.url}/v1/messages`, sseRequest, {
        'x-api-key': RAW_KEY,
        authorization: `Bearer ${BEARER}`,
        'anthropic-version': '2023-06-01',
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('x-upstream-marker')).toBe('sse');
      sseReplyText = await response.text();
      // The recording server answers a repeat from what it just recorded, not from the upstream.
      expect(await sdk.messages.create(jsonRequest)).toEqual(jsonAnswer);
      expect(received).toHaveLength(2);
      expect(recording.requests.every((request) => request.fixture?.startsWith('v1-messages-'))).toBe(true);
    } finally {
      await recording.close();
    }

    // The upstream got both requests, with the client's credentials and bodies.
    expect(received.map((request) => request.url)).toEqual(['/v1/messages', '/v1/messages']);
    expect(received[0].headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(received[0].body).toEqual(jsonRequest);
    expect(received[1].headers['x-api-key']).toBe(RAW_KEY);
    expect(received[1].headers.authorization).toBe(`Bearer ${BEARER}`);
    expect(received[1].body).toEqual(sseRequest);

    // The client got the upstream's answers: the JSON body, and the stream byte for byte.
    expect(jsonReply).toEqual(jsonAnswer);
    expect(jsonRequestId).toBe('req_recorded_json');
    expect(sseReplyText).toBe(sseText);

    // Two fixtures were written, with no credential in them.
    const files = readdirSync(dir)
      .filter((file) => file.endsWith('.json'))
      .sort();
    expect(files).toHaveLength(2);
    const written = files.map((file) => ({ name: file.replace(/\.json$/, ''), text: readFileSync(join(dir, file), 'utf8') }));
    for (const { text } of written) {
      const lower = text.toLowerCase();
      for (const secret of [
        API_KEY,
        RAW_KEY,
        BEARER,
        COOKIE,
        ANTHROPIC_ORG,
        OPENAI_ORG,
        'x-api-key',
        'authorization',
        'set-cookie',
        'cookie',
        'anthropic-organization-id',
        'openai-organization',
      ]) {
        expect(lower).not.toContain(secret.toLowerCase());
      }
    }
    const fixtures = written.map(({ name, text }) => ({ name, fixture: JSON.parse(text) as Fixture }));
    const json = fixtures.find(({ fixture }) => fixture.request.match?.stream !== true)!;
    const sse = fixtures.find(({ fixture }) => fixture.request.match?.stream === true)!;
    for (const recorded of [json.fixture, sse.fixture]) {
      expect(recorded.meta.synthetic).toBe(false);
      expect(recorded.meta.provider).toBe('anthropic');
      const recordedAt = Date.parse(recorded.meta.recorded_at ?? '');
      expect(recordedAt).toBeGreaterThanOrEqual(before.getTime() - 1000);
      expect(recordedAt).toBeLessThanOrEqual(Date.now());
      expect(recorded.request.method).toBe('POST');
      expect(recorded.request.path).toBe('/v1/messages');
      expect(recorded.response?.status).toBe(200);
    }
    expect(json.fixture.request.match).toEqual(jsonRequest);
    expect(json.fixture.response!.body).toEqual(jsonAnswer);
    expect(json.fixture.response!.headers).toMatchObject({
      'request-id': 'req_recorded_json',
      'x-upstream-marker': 'json',
      'content-type': 'application/json',
    });
    expect(sse.fixture.request.match).toEqual(sseRequest);
    expect(sse.fixture.response!.headers).toMatchObject({ 'request-id': 'req_recorded_sse', 'x-upstream-marker': 'sse' });
    const events = sse.fixture.response!.events!;
    expect(events.map(({ event, data }) => ({ event, data }))).toEqual(sseAnswer);
    for (const event of events) {
      expect(event.delay_ms).toBeGreaterThanOrEqual(0);
      if (event.event !== 'ping') expect(typeof event.data).toBe('object');
    }
    // The upstream paused LONG_GAP_MS before that event: the recorded delay shows it (lower bound only).
    expect(events[LONG_GAP_AT].delay_ms).toBeGreaterThanOrEqual(LONG_GAP_MS / 2);

    // A new server over the folder replays both exchanges identically, with the upstream gone.
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    const replay = await startReplayServer({ fixtures: dir, delayScale: 0 });
    try {
      const sdk = new Anthropic({ apiKey: 'another-fake-key', baseURL: replay.url, maxRetries: 0 });
      const { data, request_id } = await sdk.messages.create(jsonRequest).withResponse();
      expect(data).toEqual(jsonAnswer);
      expect(request_id).toBe('req_recorded_json');
      const response = await post(`${replay.url}/v1/messages`, sseRequest);
      expect(response.status).toBe(200);
      expect(response.headers.get('x-upstream-marker')).toBe('sse');
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(await response.text()).toBe(sseText);
      expect(replay.requests.map((request) => request.fixture)).toEqual([json.name, sse.name]);
    } finally {
      await replay.close();
    }
    expect(received).toHaveLength(2);
  });
});

describe('fixture matching', () => {
  it('a request contains a fixture match when it has every named field, arrays item by item', () => {
    const fixture = { messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'call_1' }] }] };
    expect(
      contains({ messages: [{ role: 'assistant', content: null, refusal: null, tool_calls: [{ id: 'call_1', index: 0 }] }] }, fixture),
    ).toBe(true);
    expect(contains({ messages: [{ role: 'assistant', content: '', tool_calls: [{ id: 'call_1' }] }] }, fixture)).toBe(false);
    expect(contains({ messages: [{ role: 'assistant', content: null, tool_calls: [{ id: 'call_1' }, { id: 'call_2' }] }] }, fixture)).toBe(
      false,
    );
    expect(contains({ messages: [] }, fixture)).toBe(false);
    expect(contains({ stream: true }, { stream: true })).toBe(true);
    expect(contains({}, { stream: true })).toBe(false);
  });
});
