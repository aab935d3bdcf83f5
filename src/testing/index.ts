/**
 * `otel-genai/testing`: test the traces of your own agents with no API key.
 *
 * - `startReplayServer()` serves recorded exchanges (a folder of fixture files) on 127.0.0.1;
 *   point the client's `baseURL` at `server.url` (Anthropic) or `${server.url}/v1` (OpenAI), or
 *   `httpOptions: { baseUrl: server.url }` (`@google/genai`).
 * - `startRecordingServer()` records the exchanges it has no fixture for from the live API, with
 *   your key, sent to the provider the request's headers name; credentials (headers, and
 *   credential-named query parameters) scrubbed from the fixtures.
 * - `collectSpans()` collects the spans in memory and gives them back as plain trees.
 */
import { mkdirSync } from 'node:fs';
import { startReplayServer } from './replay-server';
import type { ReplayServer } from './replay-server';
import type { RecordOptions } from './recorder';

export { startReplayServer };
export type { ReplayServer, ReplayServerOptions } from './replay-server';
export type { Fixture, FixtureEvent, FixtureResponse } from './fixtures';
export type { RecordOptions, RecordProvider } from './recorder';
export { collectSpans, DEFAULT_TREE_ATTRIBUTES } from './span-collector';
export type { CollectSpansOptions, ReadableSpan, SpanCollector, SpanNode, TreeOptions } from './span-collector';

export interface RecordingServerOptions {
  /**
   * Base URL for a request, given its path and the provider its headers name (`undefined` refuses
   * it). Default: api.anthropic.com for requests with Anthropic headers (`x-api-key`,
   * `anthropic-version`), generativelanguage.googleapis.com for Google Gen AI ones (`x-goog-api-key`,
   * `x-goog-api-client`), api.openai.com for `Authorization: Bearer` ones; any other is refused.
   */
  upstream?: RecordOptions['upstream'];
  /** Delay multiplier for the exchanges already recorded (default 1, recorded speed). */
  delayScale?: number;
}

/**
 * A replay server over `dir` (created if missing) that sends every request no fixture there
 * matches to the live API of the provider its headers name, passes the answer back as it streams,
 * and saves it in `dir` as a new fixture, credentials scrubbed (headers, and query parameters
 * such as `key` or `access_token`, whose value becomes `REDACTED`). A request it cannot place
 * with one provider gets a 400 answer, and nothing is sent upstream. The client must hold a real
 * API key.
 */
export function startRecordingServer(dir: string, options: RecordingServerOptions = {}): Promise<ReplayServer> {
  mkdirSync(dir, { recursive: true });
  return startReplayServer({ fixtures: dir, delayScale: options.delayScale, record: { dir, upstream: options.upstream } });
}
