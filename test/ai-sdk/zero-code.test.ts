/**
 * The AI SDK instrumentation zero-code: an unmodified ES module app (ai 7 is ES modules only) run
 * with `node --import ./register.mjs`, and the same kind of app bundled with esbuild (ai inlined,
 * where no module hook could see it) with a NodeSDK given `createInstrumentations()`. Both against
 * the replay server, spans exported over OTLP/JSON to a receiver.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bundledApp } from '../helpers/bundled-app';
import type { ReceivedSpan } from '../helpers/otlp-receiver';
import { replayAndReceiver } from '../helpers/replay-and-receiver';
import { runApp } from '../helpers/run-app';

const APPS = join(__dirname, '..', 'apps');
const backends = replayAndReceiver();

const { inferenceSpans } = backends;

/** The app's tool loop: one invoke_agent span over its two model calls and two tool calls. */
function expectToolLoopRun(spans: ReceivedSpan[]): void {
  const [agent] = spans.filter((span) => span.name === 'invoke_agent');
  expect(agent).toBeDefined();
  const children = spans.filter((span) => span.parentSpanId === agent.spanId).map((span) => span.name);
  expect(children.sort()).toEqual(['chat gpt-4o-mini', 'chat gpt-4o-mini', 'execute_tool get_weather', 'execute_tool get_weather']);
}

describe('node --import ./register.mjs', () => {
  it('traces an unmodified ESM AI SDK app (a tool loop, a stream, embeddings), which prints the same as without it', async () => {
    const env = backends.env();
    const bare = await runApp(join(APPS, 'ai-sdk-app.mjs'), { env });
    expect(bare.stderr).toBe('');
    expect(backends.receiver.spans).toHaveLength(0);
    const traced = await runApp(join(APPS, 'ai-sdk-app.mjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    expect(traced.stdout).toBe(bare.stdout);
    expect(JSON.parse(traced.stdout)).toMatchObject({ steps: 2, dimensions: [8, 8] });

    const spans = inferenceSpans();
    expectToolLoopRun(spans);
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
  const bundled = bundledApp(join(APPS, 'ai-sdk-bundled-app.mjs'), 'AISDKInstrumentation');

  it('node bundle.cjs: the AI SDK inlined, its channel traced all the same', async () => {
    expect(bundled.inputs.some((input) => input.includes('node_modules/ai/'))).toBe(true);
    expect(bundled.inputs.some((input) => input.includes('node_modules/@ai-sdk/openai/'))).toBe(true);
    const run = await runApp(bundled.file, { env: backends.env() });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ steps: 2 });
    const spans = inferenceSpans();
    expectToolLoopRun(spans);
  });
});
