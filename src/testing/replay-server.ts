/**
 * A real HTTP server on 127.0.0.1 that replays recorded provider exchanges, so that the SDKs (in
 * this process or a child one) reach it through `baseURL` with no key and no network. Streams are
 * written event by event with their recorded delays, so time to first chunk is real.
 *
 * Written here rather than taken from talkback, nock or msw: nock and msw intercept inside one
 * process only, and talkback replays a body whole, not event by event with its timing.
 *
 * Record mode (`record`) sends requests that match no fixture to the provider their headers name
 * and writes what came back as a new fixture, credentials scrubbed (see recorder.ts).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { differences, loadFixtures } from './fixtures';
import type { FixtureResponse, IncomingExchange, LoadedFixture } from './fixtures';
import { recordExchange } from './recorder';
import type { RecordOptions } from './recorder';
import { parsedJSON } from '../values';

export interface ReplayServerOptions {
  /** Folders of fixture files (searched recursively). */
  fixtures: string | string[];
  /** Multiplies every recorded delay: 0 replays at once, 1 at recorded speed. Default 1. */
  delayScale?: number;
  /** Record unmatched requests from the live API instead of answering 404. */
  record?: RecordOptions;
}

export interface ReplayServer {
  /** `http://127.0.0.1:PORT`: the Anthropic SDK's `baseURL`, `@google/genai`'s `httpOptions.baseUrl`; OpenAI's is this plus `/v1`. */
  readonly url: string;
  /** Every request received, in order, with the fixture that answered it. */
  readonly requests: Array<IncomingExchange & { fixture: string | undefined }>;
  /** Forgets the requests and restarts every response sequence. */
  reset(): void;
  close(): Promise<void>;
}

const UNMATCHED_STATUS = 404;

export async function startReplayServer(options: ReplayServerOptions): Promise<ReplayServer> {
  const dirs = Array.isArray(options.fixtures) ? options.fixtures : [options.fixtures];
  const fixtures = loadFixtures(dirs);
  const delayScale = options.delayScale ?? 1;
  const served = new Map<LoadedFixture, number>();
  const requests: ReplayServer['requests'] = [];
  const sockets = new Set<import('node:net').Socket>();

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ type: 'error', error: { type: 'replay_server_error', message: String(error) } }));
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const exchange: IncomingExchange = {
      method: req.method ?? 'GET',
      path: new URL(req.url ?? '/', 'http://replay').pathname,
      body: parseJSON(raw),
    };
    const match = fixtures.find((candidate) => differences(candidate.fixture, exchange).length === 0);
    requests.push({ ...exchange, fixture: match?.name });
    if (match !== undefined) {
      await writeResponse(res, nextResponse(match), delayScale);
      return;
    }
    if (options.record !== undefined) {
      // Undefined when the request was refused (answered already, nothing sent upstream).
      const recorded = await recordExchange(options.record, req, raw, res);
      if (recorded === undefined) return;
      fixtures.push(recorded);
      requests[requests.length - 1].fixture = recorded.name;
      return;
    }
    res.writeHead(UNMATCHED_STATUS, { 'content-type': 'application/json', 'x-replay-unmatched': 'true' });
    res.end(JSON.stringify({ type: 'error', error: { type: 'replay_no_match', message: explainMiss(exchange) } }));
  }

  function nextResponse(match: LoadedFixture): FixtureResponse {
    const sequence = match.fixture.responses ?? [match.fixture.response as FixtureResponse];
    const index = served.get(match) ?? 0;
    served.set(match, index + 1);
    return sequence[Math.min(index, sequence.length - 1)];
  }

  function explainMiss(exchange: IncomingExchange): string {
    if (fixtures.length === 0) return `no fixture in ${dirs.join(', ')}`;
    let closest = fixtures[0];
    let closestDiff = differences(closest.fixture, exchange);
    for (const candidate of fixtures.slice(1)) {
      const diff = differences(candidate.fixture, exchange);
      if (diff.length < closestDiff.length) {
        closest = candidate;
        closestDiff = diff;
      }
    }
    return `no fixture matches ${exchange.method} ${exchange.path}; closest is "${closest.name}", which differs in ${closestDiff.join('; ')}`;
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reset() {
      served.clear();
      requests.length = 0;
    },
    close() {
      for (const socket of sockets) socket.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

async function writeResponse(res: ServerResponse, response: FixtureResponse, delayScale: number): Promise<void> {
  if (response.delay_ms) await sleep(response.delay_ms * delayScale);
  if (res.destroyed) return;
  const headers = { ...response.headers };
  if (response.events === undefined) {
    const body = response.body === undefined ? '' : typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
    res.writeHead(response.status, { ...headers, 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  res.writeHead(response.status, headers);
  res.flushHeaders();
  for (const event of response.events) {
    if (event.delay_ms) await sleep(event.delay_ms * delayScale);
    // The client went away (abort, early break): stop writing, as the provider would.
    if (res.destroyed) return;
    const data = typeof event.data === 'string' ? event.data : JSON.stringify(event.data);
    res.write(`${event.event === undefined ? '' : `event: ${event.event}\n`}data: ${data}\n\n`);
  }
  if (response.cut) {
    // Let the written events reach the client before the connection drops mid-body.
    await sleep(10);
    res.socket?.destroy();
    return;
  }
  res.end();
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function parseJSON(text: string): unknown {
  return text === '' ? undefined : parsedJSON(text);
}

function sleep(ms: number): Promise<void> {
  return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
}
