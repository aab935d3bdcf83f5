/**
 * Recorded HTTP exchanges: the format, loading, and matching a live request against them.
 * A fixture is one JSON file; see fixtures/README.md for the format.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isDeepStrictEqual } from 'node:util';

export interface FixtureEvent {
  /** Milliseconds since the previous event (or since the headers, for the first). */
  delay_ms?: number;
  event?: string;
  /** An object is sent as compact JSON; a string is sent verbatim. */
  data: unknown;
}

export interface FixtureResponse {
  /** Milliseconds before the status and headers are sent (a slow server). */
  delay_ms?: number;
  status: number;
  headers?: Record<string, string>;
  /** A JSON body. */
  body?: unknown;
  /** A server-sent-event stream, in order. */
  events?: FixtureEvent[];
  /** Destroy the connection after the last event, as a cut network would. */
  cut?: boolean;
}

export interface Fixture {
  meta: {
    synthetic: boolean;
    provider?: string;
    description?: string;
    source?: string;
    created?: string;
    recorded_at?: string;
    sdk?: string;
  };
  request: {
    method: string;
    path: string;
    /** Body fields that identify the exchange: the request must contain each (see `contains`). */
    match?: Record<string, unknown>;
  };
  response?: FixtureResponse;
  /** Served in turn on repeated matching requests, the last one repeating (retries). */
  responses?: FixtureResponse[];
}

export interface LoadedFixture {
  name: string;
  fixture: Fixture;
}

export function loadFixtures(dirs: readonly string[]): LoadedFixture[] {
  const loaded: LoadedFixture[] = [];
  for (const dir of dirs) {
    for (const file of jsonFiles(dir)) {
      const fixture = JSON.parse(readFileSync(file, 'utf8')) as Fixture;
      if (!fixture.request || !(fixture.response || fixture.responses)) {
        throw new Error(`${file}: a fixture needs "request" and "response" or "responses"`);
      }
      loaded.push({ name: relative(dir, file).replace(/\.json$/, ''), fixture });
    }
  }
  return loaded;
}

function jsonFiles(dir: string): string[] {
  const files: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) files.push(...jsonFiles(path));
    else if (entry.endsWith('.json')) files.push(path);
  }
  return files;
}

export interface IncomingExchange {
  method: string;
  /** Without the query string. */
  path: string;
  body: unknown;
}

/** Why a fixture does not match a request, one line each; empty when it matches. */
export function differences(fixture: Fixture, request: IncomingExchange): string[] {
  const found: string[] = [];
  if (fixture.request.method.toUpperCase() !== request.method.toUpperCase()) {
    found.push(`method: fixture ${fixture.request.method}, request ${request.method}`);
  }
  // The query is not compared: SDK versions differ in it (`?beta=true`) for the same exchange.
  const path = fixture.request.path.split('?')[0];
  if (path !== request.path) found.push(`path: fixture ${path}, request ${request.path}`);
  const body = (typeof request.body === 'object' && request.body !== null ? request.body : {}) as Record<string, unknown>;
  for (const [key, expected] of Object.entries(fixture.request.match ?? {})) {
    if (!contains(body[key], expected)) {
      found.push(`body.${key}: fixture ${brief(expected)}, request ${brief(body[key])}`);
    }
  }
  return found;
}

/**
 * Whether `actual` holds everything `expected` names: equal primitives, arrays of the same length
 * whose items contain the expected items, objects that have every expected key (and maybe more:
 * SDK versions add fields such as `refusal: null` to the messages they send back).
 */
export function contains(actual: unknown, expected: unknown): boolean {
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((item, index) => contains(actual[index], item));
  }
  if (typeof expected === 'object' && expected !== null) {
    if (typeof actual !== 'object' || actual === null || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([key, value]) => contains((actual as Record<string, unknown>)[key], value));
  }
  return isDeepStrictEqual(actual, expected);
}

function brief(value: unknown): string {
  const text = value === undefined ? 'absent' : JSON.stringify(value);
  return text.length > 160 ? `${text.slice(0, 157)}...` : text;
}
