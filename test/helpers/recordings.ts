/** Reading the third-party recordings in `../shared/recordings/`, in place (never copied here). */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Fixture } from '../../src/testing/fixtures';
import { startReplayServer } from '../../src/testing/replay-server';
import type { ReplayServer } from '../../src/testing/replay-server';
import { afterAll, beforeAll, beforeEach } from 'vitest';

export const RECORDINGS = join(__dirname, '..', '..', '..', 'shared', 'recordings');
/** The recordings test is optional: it skips when the folder is absent. */
export const recordingsAvailable = existsSync(RECORDINGS);

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- recorded JSON, read field by field
export type Json = Record<string, any>;

export interface SSEEvent {
  event: string | undefined;
  /** The exact text after `data:`, so that the replayed bytes are the recorded ones. */
  data: string;
}

/** SSE text as its events: `event:` and `data:` lines, one optional space after the colon dropped. */
export function parseSSE(text: string): SSEEvent[] {
  return text
    .split(/\r?\n\r?\n/)
    .filter((block) => block.trim() !== '')
    .map((block) => {
      let event: string | undefined;
      const data: string[] = [];
      for (const line of block.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice('event:'.length).replace(/^ /, '');
        else if (line.startsWith('data:')) data.push(line.slice('data:'.length).replace(/^ /, ''));
      }
      return { event, data: data.join('\n') };
    });
}

/** How the replay server writes an event whose data is a string. */
export function serializeSSE(events: SSEEvent[]): string {
  return events.map(({ event, data }) => `${event === undefined ? '' : `event: ${event}\n`}data: ${data}\n\n`).join('');
}

/** A recorded exchange as the replay server is to answer it: the request it matches, the response. */
export type RecordedExchange = { name: string } & Pick<Fixture, 'request' | 'response'>;

/**
 * Serves fixtures built from recordings at test time, from a temp folder (the recordings are never
 * copied into the repository); `close()` stops the server and removes the folder.
 */
export async function serveRecorded(
  fixtures: Array<{ name: string; fixture: Fixture }>,
): Promise<{ server: ReplayServer; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'otel-genai-recordings-'));
  for (const { name, fixture } of fixtures) writeFileSync(join(dir, `${name}.json`), `${JSON.stringify(fixture, null, 2)}\n`);
  const server = await startReplayServer({ fixtures: dir, delayScale: 0 });
  return {
    server,
    async close() {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `provider`'s recorded exchanges served as fixtures (`serveRecorded`) for the describe block it is
 * called in, with a client of the server made by `makeClient` from its URL: served from before its
 * tests to after them, the server's served sequences and requests reset before each test.
 */
export function servedRecordings<Client>(
  provider: string,
  exchanges: RecordedExchange[],
  makeClient: (url: string) => Client,
): { server: ReplayServer; client: Client } {
  const served = {} as { server: ReplayServer; client: Client };
  let recorded: Awaited<ReturnType<typeof serveRecorded>> | undefined;
  beforeAll(async () => {
    recorded = await serveRecorded(
      exchanges.map(({ name, ...exchange }) => ({
        name,
        fixture: {
          meta: {
            synthetic: false,
            provider,
            description: `Built at test time from ../shared/recordings (${name}).`,
            source: 'Third-party recordings, see ../shared/recordings/README.md.',
          },
          ...exchange,
        },
      })),
    );
    served.server = recorded.server;
    served.client = makeClient(recorded.server.url);
  });
  afterAll(() => recorded?.close());
  beforeEach(() => served.server.reset());
  return served;
}
