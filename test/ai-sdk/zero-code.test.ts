/**
 * The AI SDK instrumentation zero-code: an unmodified ES module app (ai 7 is ES modules only) run
 * with `node --import ./register.mjs`, and the same kind of app bundled with esbuild (ai inlined,
 * where no module hook could see it) with a NodeSDK given `createInstrumentations()`. Both against
 * the replay server, spans exported over OTLP/JSON to a receiver.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ReplayServer } from '../../src/testing/replay-server';
import { startOtlpReceiver } from '../helpers/otlp-receiver';
import type { ReceivedSpan } from '../helpers/otlp-receiver';
import { startFixtureServer } from '../helpers/replay';
import { otlpEnv, ROOT, runApp } from '../helpers/run-app';

const APPS = join(__dirname, '..', 'apps');
let server: ReplayServer;
let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;

beforeAll(async () => {
  server = await startFixtureServer();
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.spans.length = 0;
  server.reset();
});

const ours = () => receiver.spans.filter((span) => span.scope === 'otel-genai');

/** `name` of each span under `parent`, in export order. */
function childrenOf(parent: ReceivedSpan, spans: ReceivedSpan[]): string[] {
  return spans.filter((span) => span.parentSpanId === parent.spanId).map((span) => span.name);
}

describe('node --import ./register.mjs', () => {
  it('traces an unmodified ESM AI SDK app (a tool loop, a stream, embeddings), which prints the same as without it', async () => {
    const env = otlpEnv(server.url, receiver.url);
    const bare = await runApp(join(APPS, 'ai-sdk-app.mjs'), { env });
    expect(bare.stderr).toBe('');
    expect(receiver.spans).toHaveLength(0);
    const traced = await runApp(join(APPS, 'ai-sdk-app.mjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    expect(traced.stdout).toBe(bare.stdout);
    expect(JSON.parse(traced.stdout)).toMatchObject({ steps: 2, dimensions: [8, 8] });

    const spans = ours();
    const [agent] = spans.filter((span) => span.name === 'invoke_agent');
    expect(agent).toBeDefined();
    expect(childrenOf(agent, spans).sort()).toEqual([
      'chat gpt-4o-mini',
      'chat gpt-4o-mini',
      'execute_tool get_weather',
      'execute_tool get_weather',
    ]);
    const roots = spans.filter((span) => span.parentSpanId === undefined).map((span) => span.name);
    expect(roots).toEqual(['invoke_agent', 'chat gpt-4o-mini', 'embeddings text-embedding-3-small']);
    const stream = spans.find((span) => span.parentSpanId === undefined && span.name === 'chat gpt-4o-mini');
    expect(stream?.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.usage.output_tokens': 7,
      'gen_ai.provider.name': 'openai',
    });
    // @ai-sdk/openai calls fetch, not the openai package: nothing else traced these calls.
    expect(spans.filter((span) => span.kind === 3)).toHaveLength(4);
  });
});

describe('a bundled AI SDK app', () => {
  let dir: string;
  let bundle: string;
  let inputs: string[];

  beforeAll(async () => {
    // The app imports 'otel-genai', which the package's own "exports" resolve to dist/.
    if (!readFileSync(join(ROOT, 'dist', 'index.js'), 'utf8').includes('AISDKInstrumentation'))
      throw new Error('dist/ is out of date: run `npm run build` first');
    dir = mkdtempSync(join(tmpdir(), 'otel-genai-ai-sdk-bundle-'));
    bundle = join(dir, 'app.cjs');
    const result = await build({
      entryPoints: [join(APPS, 'ai-sdk-bundled-app.mjs')],
      absWorkingDir: ROOT,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node22',
      banner: { js: "const import_meta_url = require('node:url').pathToFileURL(__filename).href;" },
      define: { 'import.meta.url': 'import_meta_url' },
      outfile: bundle,
      metafile: true,
      logLevel: 'silent',
    });
    expect(result.errors).toEqual([]);
    inputs = Object.keys(result.metafile.inputs);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('node bundle.cjs: the AI SDK inlined, its channel traced all the same', async () => {
    expect(inputs.some((input) => input.includes('node_modules/ai/'))).toBe(true);
    expect(inputs.some((input) => input.includes('node_modules/@ai-sdk/openai/'))).toBe(true);
    const run = await runApp(bundle, { env: otlpEnv(server.url, receiver.url) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ steps: 2 });
    const spans = ours();
    const [agent] = spans.filter((span) => span.name === 'invoke_agent');
    expect(agent).toBeDefined();
    expect(childrenOf(agent, spans).sort()).toEqual([
      'chat gpt-4o-mini',
      'chat gpt-4o-mini',
      'execute_tool get_weather',
      'execute_tool get_weather',
    ]);
  });
});
