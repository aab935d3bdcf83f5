/**
 * An error that rejects a model call keeps the app's async stack frames (`at async <caller>`): V8
 * follows a promise chain into the app's `await` only through promises with a single reaction, so
 * observing the call must add no reaction beside the SDK's (issue 18, item 13). Run as apps, with
 * and without `register`, as error trackers would see them.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReplayServer } from '../../src/testing/replay-server';
import { startFixtureServer } from '../helpers/replay';
import { otlpEnv, runApp } from '../helpers/run-app';

const APP = join(__dirname, '..', 'apps', 'async-stack-app.mjs');
let server: ReplayServer;
beforeAll(async () => {
  server = await startFixtureServer(0);
});
afterAll(() => server.close());

async function frames(args: string[], register: boolean): Promise<string[]> {
  const env = { ...otlpEnv(server.url, 'http://127.0.0.1:9'), OTEL_TRACES_EXPORTER: 'none' };
  const run = await runApp(APP, { register, env, script: args });
  expect(run.stderr).toBe('');
  return JSON.parse(run.stdout) as string[];
}

describe("errors keep the app's async frames", () => {
  for (const provider of ['anthropic', 'openai']) {
    for (const failure of ['http', 'refused']) {
      it(`${provider}, ${failure === 'http' ? 'an HTTP error' : 'a refused connection'}: the same frames traced as untraced`, async () => {
        const bare = await frames([provider, failure], false);
        expect(bare).toEqual(expect.arrayContaining(['at async appHandler', 'at async appRoute']));
        expect(await frames([provider, failure], true)).toEqual(bare);
      });
    }
  }
});
