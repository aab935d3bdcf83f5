/** Reading the third-party recordings in `../shared/recordings/`, in place (never copied here). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

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
