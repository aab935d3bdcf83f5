/**
 * `@google/genai` apps, unmodified, under `node --import ./register.mjs`: ESM (both ways ES modules
 * are instrumented) and CommonJS, exporting OTLP to a receiver, against the bundled fixtures.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayAndReceiver } from '../helpers/replay-and-receiver';
import { prepatchEnv, runApp } from '../helpers/run-app';

const APPS = join(__dirname, '..', 'apps');
const backends = replayAndReceiver();

const { inferenceSpans } = backends;

/** The ESM app's spans, whichever way its ES modules were instrumented. */
function expectESMAppTrace(): void {
  const spans = inferenceSpans();
  const calls = spans.filter((span) => span.name === 'generate_content gemini-2.5-flash');
  // A call, a stream, a failure, and the two turns of the function-calling run.
  expect(calls).toHaveLength(5);
  expect(calls[0].attributes).toMatchObject({
    'gen_ai.provider.name': 'gcp.gemini',
    'gen_ai.response.id': 'kH5UafqBO8e2vdIPq9mK2QE',
    'gen_ai.usage.input_tokens': 11,
    'gen_ai.usage.output_tokens': 25,
    'server.address': '127.0.0.1',
  });
  expect(calls[1].attributes).toMatchObject({
    'gen_ai.request.stream': true,
    'gen_ai.usage.output_tokens': 12,
    'gen_ai.response.finish_reasons': ['STOP'],
  });
  expect(calls[2].attributes).toMatchObject({ 'error.type': 'ApiError' });
  expect(calls[2].statusCode).toBe(2);
  const [agent] = spans.filter((span) => span.name === 'invoke_agent');
  const [tool] = spans.filter((span) => span.name === 'execute_tool get_weather');
  expect(agent.attributes).toMatchObject({ 'otel_genai.agent.model_calls': 2, 'otel_genai.agent.tool_calls': 1 });
  expect([calls[3].parentSpanId, calls[4].parentSpanId, tool.parentSpanId]).toEqual([agent.spanId, agent.spanId, agent.spanId]);
  expect(spans).toHaveLength(7);
}

describe('node --import ./register.mjs, @google/genai', () => {
  it('an unmodified ESM app (ES modules patched as imported): the same output, every call traced', async () => {
    const env = backends.env();
    const bare = await runApp(join(APPS, 'google-app.mjs'), { env });
    expect(bare.code, bare.stderr).toBe(0);
    expect(backends.receiver.spans).toHaveLength(0);
    const traced = await runApp(join(APPS, 'google-app.mjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    expect(JSON.parse(traced.stdout)).toEqual(JSON.parse(bare.stdout));
    expect(JSON.parse(traced.stdout)).toMatchObject({
      answer: 'Paris',
      failure: 'ApiError 429',
      weather: "It's sunny in Lisbon right now, at about 19 °C.",
    });
    expectESMAppTrace();
  });

  it('the same ESM app with the installed SDK patched up front (Node 22.15–22.22.2, OTEL_GENAI_ESM_LOADER_HOOK=false)', async () => {
    const traced = await runApp(join(APPS, 'google-app.mjs'), {
      env: backends.env(prepatchEnv()),
      register: true,
    });
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    expectESMAppTrace();
  });

  it('an unmodified CommonJS app: a chat, a streamed chat message and embeddings', async () => {
    const env = backends.env();
    const bare = await runApp(join(APPS, 'google-app.cjs'), { env });
    const traced = await runApp(join(APPS, 'google-app.cjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(traced.stdout).toBe(bare.stdout);
    expect(JSON.parse(traced.stdout)).toMatchObject({ first: 'Paris', dimensions: [4, 4] });
    expect(inferenceSpans().map((span) => span.name)).toEqual([
      'generate_content gemini-2.5-flash',
      'generate_content gemini-2.5-flash',
      'embeddings gemini-embedding-001',
    ]);
    expect(inferenceSpans()[1].attributes['gen_ai.request.stream']).toBe(true);
  });

  it('the Gemini demo agent prints its trace as a tree', async () => {
    const run = await runApp(join(__dirname, '..', '..', 'examples', 'run-demo.mjs'), {
      script: [join(__dirname, '..', '..', 'examples', 'gemini-agent.mjs')],
      env: { OTEL_TRACES_EXPORTER: 'genai-tree' },
    });
    expect(run.code, run.stderr).toBe(0);
    const tree = run.stdout.replace(/ +\d+ ms/g, '');
    expect(tree).toContain('invoke_agent  in 373     out 143    STOP  (trace total)');
    expect(tree).toMatch(/├─ execute_tool get_weather\n/);
    expect(tree).toContain('├─ execute_tool convert_currency  ✗ tool_error');
  });
});
