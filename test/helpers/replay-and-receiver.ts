/**
 * What an app run as a child process is pointed at: the replay server over the bundled fixtures (its
 * providers' API) and an OTLP/JSON receiver (its collector).
 */
import { afterAll, beforeAll, beforeEach } from 'vitest';
import type { ReplayServer } from '../../src/testing/replay-server';
import { startOtlpReceiver } from './otlp-receiver';
import type { OtlpReceiver } from './otlp-receiver';
import { startFixtureServer } from './replay';
import { otlpEnv } from './run-app';

/**
 * The replay server and the receiver for the whole test file: started before its tests, closed after
 * them, and both emptied before each test. `delayScale` as startFixtureServer's.
 */
export function replayAndReceiver(delayScale?: number) {
  const servers = {
    server: undefined as unknown as ReplayServer,
    receiver: undefined as unknown as OtlpReceiver,
    /** The environment that points an app at both (otlpEnv), with `extra` over it. */
    env: (extra: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
      ...otlpEnv(servers.server.url, servers.receiver.url),
      ...extra,
    }),
    /** The received spans that otel-genai made. */
    inferenceSpans: () => servers.receiver.spans.filter((span) => span.scope === 'otel-genai'),
  };
  beforeAll(async () => {
    servers.server = await startFixtureServer(delayScale);
    servers.receiver = await startOtlpReceiver();
  });
  afterAll(() => Promise.all([servers.server.close(), servers.receiver.close()]));
  beforeEach(() => {
    servers.receiver.reset();
    servers.server.reset();
  });
  return servers;
}
