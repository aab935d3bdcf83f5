/**
 * `otel-genai/testing`: test the traces of your own agents with no API key.
 *
 * - `startReplayServer()` serves recorded exchanges (a folder of fixture files) on 127.0.0.1;
 *   point the client's `baseURL` at `server.url` (Anthropic) or `${server.url}/v1` (OpenAI).
 * - `startRecordingServer()` records the exchanges it has no fixture for from the live API, with
 *   your key, credentials scrubbed.
 * - `collectSpans()` collects the spans in memory and gives them back as plain trees.
 */
import { mkdirSync } from 'node:fs';
import { startReplayServer } from './replay-server';
import type { ReplayServer } from './replay-server';
import type { RecordOptions } from './recorder';

export { startReplayServer };
export type { ReplayServer, ReplayServerOptions } from './replay-server';
export type { Fixture, FixtureEvent, FixtureResponse } from './fixtures';
export type { RecordOptions } from './recorder';
export { collectSpans, DEFAULT_TREE_ATTRIBUTES } from './span-collector';
export type { CollectSpansOptions, ReadableSpan, SpanCollector, SpanNode, TreeOptions } from './span-collector';

export interface RecordingServerOptions {
  /** Base URL of the provider for a request path (default: api.anthropic.com for `/v1/messages…`, else api.openai.com). */
  upstream?: RecordOptions['upstream'];
  /** Delay multiplier for the exchanges already recorded (default 1, recorded speed). */
  delayScale?: number;
}

/**
 * A replay server over `dir` (created if missing) that sends every request no fixture there
 * matches to the live API, passes the answer back as it streams, and saves it in `dir` as a new
 * fixture, credentials scrubbed. The client must hold a real API key.
 */
export function startRecordingServer(dir: string, options: RecordingServerOptions = {}): Promise<ReplayServer> {
  mkdirSync(dir, { recursive: true });
  return startReplayServer({ fixtures: dir, delayScale: options.delayScale, record: { dir, upstream: options.upstream } });
}
