import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { replayAndReceiver } from '../helpers/replay-and-receiver';
import { NODE_22, prepatchEnv, ROOT, runApp } from '../helpers/run-app';

const APPS = join(__dirname, '..', 'apps');
const backends = replayAndReceiver();

const { inferenceSpans } = backends;

describe('node --import ./register.mjs', () => {
  it('traces an unmodified ESM app, which prints the same as without it', async () => {
    const env = backends.env();
    const bare = await runApp(join(APPS, 'anthropic-app.mjs'), { env });
    expect(bare.code).toBe(0);
    expect(backends.receiver.spans).toHaveLength(0);

    const traced = await runApp(join(APPS, 'anthropic-app.mjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    expect(JSON.parse(traced.stdout)).toEqual(JSON.parse(bare.stdout));
    expect(JSON.parse(traced.stdout)).toMatchObject({ text: 'Paris', events: 13, failure: 'RateLimitError 429' });

    const spans = inferenceSpans();
    expect(spans.map((span) => span.name)).toEqual(['chat claude-sonnet-5-5', 'chat claude-sonnet-5-5', 'chat claude-sonnet-5-5']);
    expect(spans[0].resource['service.name']).toBe('zero-code-test');
    expect(spans[0].attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.response.id': 'msg_01EDxgC9HgnvgQyQRUejyWUH',
      'gen_ai.usage.input_tokens': 21,
      'gen_ai.usage.output_tokens': 4,
    });
    expect(spans[1].attributes).toMatchObject({ 'gen_ai.request.stream': true, 'gen_ai.usage.output_tokens': 64 });
    expect(spans[2].attributes).toMatchObject({ 'error.type': 'RateLimitError' });
    expect(spans[2].statusCode).toBe(2);
    // The SDK's own tracing is replaced by ours: one inference span per call.
    expect(backends.receiver.spans.filter((span) => span.scope.startsWith('com.anthropic.sdk'))).toHaveLength(0);
  });

  // list-wrapped.mjs registers a catch-all hook that sees every module a loader hook wrapped.
  const listWrapped = (env: Record<string, string>, node?: string) =>
    runApp(join(APPS, 'anthropic-app.mjs'), {
      env: backends.env(env),
      register: true,
      args: ['--import', join(APPS, 'list-wrapped.mjs')],
      node,
    }).then((run) => {
      expect(run.code, run.stderr).toBe(0);
      // The app's own JSON line (diag's debug lines go to stdout too).
      const line = run.stdout.split('\n').find((text) => text.startsWith('{"text"'));
      expect(JSON.parse(line ?? 'null').localModuleURL).toMatch(/local-module\.mjs$/);
      return { ...run, wrapped: JSON.parse(/WRAPPED (.*)/.exec(run.stderr)?.[1] ?? 'null') as string[] };
    });

  it('Node 20 (a newer Node with OTEL_GENAI_ESM_LOADER_HOOK=false): no loader hook at all (nothing is wrapped); the SDK installed for the ESM app is patched in place', async () => {
    const traced = await listWrapped({ OTEL_LOG_LEVEL: 'debug', ...prepatchEnv() });
    expect(traced.wrapped).toEqual([]);
    expect(traced.stdout).toContain('otel-genai: ES modules through the installed SDKs patched in place');
    expect(traced.stdout).toMatch(
      /otel-genai: instrumented @anthropic-ai\/sdk@1\.\d+\.\d+ in place: \S+\/node_modules\/@anthropic-ai\/sdk\/index\.mjs/,
    );
    expect(inferenceSpans()).toHaveLength(3);
  });

  it('OTEL_GENAI_ESM_LOADER_HOOK=true: the loader hook (on its thread) wraps only the instrumented SDK, never unrelated ESM modules', async () => {
    const traced = await listWrapped({ OTEL_GENAI_ESM_LOADER_HOOK: 'true' });
    expect(traced.wrapped).toContain('@anthropic-ai/sdk');
    expect(traced.wrapped.filter((name) => !name.startsWith('@anthropic-ai/sdk'))).toEqual([]);
    expect(inferenceSpans()).toHaveLength(3);
  });

  it('traces an unmodified CommonJS app', async () => {
    const env = backends.env();
    const bare = await runApp(join(APPS, 'anthropic-app.cjs'), { env });
    const traced = await runApp(join(APPS, 'anthropic-app.cjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(traced.stdout).toBe(bare.stdout);
    const spans = inferenceSpans();
    expect(spans).toHaveLength(2);
    expect(spans[1].attributes).toMatchObject({ 'gen_ai.response.finish_reasons': ['end_turn'], 'gen_ai.usage.output_tokens': 64 });
  });

  it('patches both copies when an app loads the SDK through import and require', async () => {
    const traced = await runApp(join(APPS, 'dual-load.mjs'), { env: backends.env(), register: true });
    expect(traced.stderr).toBe('');
    expect(JSON.parse(traced.stdout).distinctClasses).toBe(true);
    expect(inferenceSpans()).toHaveLength(2);
  });

  it('prints spans with OTEL_TRACES_EXPORTER=console and stays quiet with none', async () => {
    const base = backends.env();
    const consoleRun = await runApp(join(APPS, 'anthropic-app.cjs'), { env: { ...base, OTEL_TRACES_EXPORTER: 'console' }, register: true });
    expect(consoleRun.stdout).toContain("name: 'chat claude-sonnet-5-5'");
    expect(consoleRun.stdout).toContain("'gen_ai.usage.output_tokens': 64");
    const noneRun = await runApp(join(APPS, 'anthropic-app.cjs'), { env: { ...base, OTEL_TRACES_EXPORTER: 'none' }, register: true });
    expect(noneRun.code).toBe(0);
    expect(noneRun.stdout).not.toContain('chat claude');
    expect(backends.receiver.spans).toHaveLength(0);
  });

  it('OTEL_TRACES_EXPORTER=otlp,genai-tree prints the tree and still exports OTLP', async () => {
    const traced = await runApp(join(APPS, 'anthropic-app.cjs'), {
      env: backends.env({ OTEL_TRACES_EXPORTER: 'otlp,genai-tree' }),
      register: true,
    });
    expect(traced.stderr).toBe('');
    expect(traced.stdout).toMatch(/^chat claude-sonnet-5-5 +\d+ ms +in 21 +out 4 +end_turn$/m);
    expect(inferenceSpans()).toHaveLength(2);
  });

  it('uses the one copy of import-in-the-middle that @opentelemetry/instrumentation uses', () => {
    const fromRoot = createRequire(join(ROOT, 'register.mjs'));
    const fromInstrumentation = createRequire(fromRoot.resolve('@opentelemetry/instrumentation'));
    expect(fromInstrumentation.resolve('import-in-the-middle')).toBe(fromRoot.resolve('import-in-the-middle'));
  });
});

describe('OpenAI apps', () => {
  it('traces an unmodified ESM OpenAI app: chat, a stream and embeddings', async () => {
    const env = backends.env();
    const bare = await runApp(join(APPS, 'openai-app.mjs'), { env });
    const traced = await runApp(join(APPS, 'openai-app.mjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(traced.stdout).toBe(bare.stdout);
    expect(JSON.parse(traced.stdout).dimensions).toEqual([8, 8]);
    const spans = inferenceSpans();
    expect(spans.map((span) => span.name)).toEqual(['chat gpt-4o-mini', 'chat gpt-4o-mini', 'embeddings text-embedding-3-small']);
    expect(spans.every((span) => span.attributes['gen_ai.provider.name'] === 'openai')).toBe(true);
    expect(spans[1].attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(spans[2].attributes['gen_ai.usage.input_tokens']).toBe(10);
  });

  it('traces an unmodified CommonJS OpenAI app', async () => {
    const env = backends.env();
    const bare = await runApp(join(APPS, 'openai-app.cjs'), { env });
    const traced = await runApp(join(APPS, 'openai-app.cjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(traced.stdout).toBe(bare.stdout);
    const [span] = inferenceSpans();
    expect(span.attributes).toMatchObject({ 'openai.api.type': 'responses', 'gen_ai.usage.output_tokens': 160 });
  });
});

describe('under Node 22 (the synchronous loader hooks)', () => {
  const run22 = (env: Record<string, string>) =>
    runApp(join(APPS, 'anthropic-app.mjs'), {
      env: backends.env(env),
      register: true,
      args: ['--import', join(APPS, 'list-wrapped.mjs'), '--import', join(APPS, 'list-changed.mjs')],
      node: NODE_22,
    }).then((run) => {
      expect(run.code, run.stderr).toBe(0);
      return {
        wrapped: JSON.parse(/WRAPPED (.*)/.exec(run.stderr)?.[1] ?? 'null') as string[],
        changed: JSON.parse(/CHANGED (.*)/.exec(run.stderr)?.[1] ?? 'null') as string[],
      };
    });

  it("by default the SDK's entry and resources file are patched as imported: no other module is changed, nothing wrapped", async () => {
    const { wrapped, changed } = await run22({});
    expect(wrapped).toEqual([]);
    expect(changed.map((url) => url.replace(/^.*\/node_modules\//, ''))).toEqual([
      '@anthropic-ai/sdk/index.mjs',
      '@anthropic-ai/sdk/resources/index.mjs',
    ]);
    expect(inferenceSpans()).toHaveLength(3);
  });

  it("OTEL_GENAI_ESM_LOADER_HOOK=true: import-in-the-middle's in-thread hook instead, which wraps only the instrumented SDK", async () => {
    const { wrapped, changed } = await run22({ OTEL_GENAI_ESM_LOADER_HOOK: 'true' });
    expect(changed).toEqual([]);
    expect(wrapped).toContain('@anthropic-ai/sdk');
    expect(wrapped.filter((name) => !name.startsWith('@anthropic-ai/sdk'))).toEqual([]);
    expect(inferenceSpans()).toHaveLength(3);
  });

  it('patches both copies when an app loads the SDK through import and require', async () => {
    const traced = await runApp(join(APPS, 'dual-load.mjs'), { env: backends.env(), register: true, node: NODE_22 });
    expect(traced.stderr).toBe('');
    expect(JSON.parse(traced.stdout).distinctClasses).toBe(true);
    expect(inferenceSpans()).toHaveLength(2);
  });

  it('traces the Anthropic ESM app and an openai 7 app', async () => {
    const env = backends.env();
    const anthropic = await runApp(join(APPS, 'anthropic-app.mjs'), { env, register: true, node: NODE_22 });
    expect(anthropic.stderr).toBe('');
    expect(inferenceSpans()).toHaveLength(3);

    backends.receiver.spans.length = 0;
    const app = join(APPS, 'responses-app.mjs');
    const bare = await runApp(app, { env, node: NODE_22 });
    const traced = await runApp(app, { env, register: true, node: NODE_22 });
    expect(traced.stderr).toBe('');
    expect(traced.stdout).toBe(bare.stdout);
    const spans = inferenceSpans();
    expect(spans.map((span) => span.attributes['gen_ai.response.id'])).toEqual([
      'resp_6b0162b4d859819083ec8eb1b7a2a34e4f9aeb4744f051c5',
      'resp_6b0164d4a7ef81909095b720a808f114047e9901bad519ec',
    ]);
  });
});

describe('metrics and content events through register.mjs', () => {
  it('exports the GenAI metrics and, with content capture to events, the details event', async () => {
    const env = {
      ...backends.env(),
      OTEL_METRICS_EXPORTER: 'otlp',
      OTEL_LOGS_EXPORTER: 'otlp',
      OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT: 'EVENT_ONLY',
    };
    const traced = await runApp(join(APPS, 'anthropic-app.cjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(backends.receiver.metrics.get('gen_ai.client.inference.operation.input_tokens')).toBe(21 + 17);
    expect(backends.receiver.metrics.get('gen_ai.client.inference.operation.output_tokens')).toBe(4 + 64);
    expect(backends.receiver.metrics.get('gen_ai.client.inference.duration')).toBeGreaterThan(0);
    expect(backends.receiver.metrics.has('gen_ai.client.inference.time_to_first_chunk')).toBe(true);
    expect(backends.receiver.metrics.has('gen_ai.client.token.usage')).toBe(false);
    expect(backends.receiver.events).toEqual(['gen_ai.client.inference.operation.details', 'gen_ai.client.inference.operation.details']);
    // Events only: the spans carry no content.
    expect(inferenceSpans().every((span) => span.attributes['gen_ai.input.messages'] === undefined)).toBe(true);
  });
});

describe('exceptions as logs through register.mjs', () => {
  it('OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs: the rate-limited call is a gen_ai.client.inference.exception record', async () => {
    const env = backends.env({ OTEL_LOGS_EXPORTER: 'otlp', OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN: 'logs' });
    // The ESM app's third call is rate limited.
    const traced = await runApp(join(APPS, 'anthropic-app.mjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(backends.receiver.events).toEqual(['gen_ai.client.inference.exception']);
    expect(inferenceSpans().map((span) => span.attributes['error.type'])).toContain('RateLimitError');
  });
});

describe('NodeSDK', () => {
  it('NodeSDK in the app and register.mjs both: one span per call, no error for the app', async () => {
    const env = backends.env();
    const bare = await runApp(join(APPS, 'anthropic-app.cjs'), { env });
    const traced = await runApp(join(APPS, 'anthropic-app.cjs'), {
      env,
      register: true,
      args: ['--require', join(ROOT, 'examples', 'nodesdk-tracing.cjs')],
    });
    expect(traced.code).toBe(0);
    expect(traced.stdout).toBe(bare.stdout);
    expect(inferenceSpans().map((span) => span.attributes['gen_ai.response.id'])).toEqual([
      'msg_01EDxgC9HgnvgQyQRUejyWUH',
      'msg_01tjSKqi4Pb1HtKYGcXDgPSK',
    ]);
  });

  it('the README setup traces a CommonJS app preloaded with --require', async () => {
    const traced = await runApp(join(APPS, 'anthropic-app.cjs'), {
      env: backends.env(),
      args: ['--require', join(ROOT, 'examples', 'nodesdk-tracing.cjs')],
    });
    expect(traced.stderr).toBe('');
    expect(JSON.parse(traced.stdout)).toMatchObject({ text: 'Paris' });
    const spans = inferenceSpans();
    expect(spans.map((span) => span.attributes['gen_ai.response.id'])).toEqual([
      'msg_01EDxgC9HgnvgQyQRUejyWUH',
      'msg_01tjSKqi4Pb1HtKYGcXDgPSK',
    ]);
  });
});

describe('the examples, each run the way the demo is', () => {
  const example = (name: string) =>
    runApp(join(ROOT, 'examples', 'run-demo.mjs'), { env: { OTEL_TRACES_EXPORTER: undefined }, script: [join(ROOT, 'examples', name)] });

  it('a minimal Anthropic app', async () => {
    const run = await example('minimal-anthropic.mjs');
    expect(run.code).toBe(0);
    // The tree is printed once the resource's asynchronous attributes (the host id) are read: before
    // or after the app's own line.
    expect(run.stdout.split('\n').filter(Boolean).sort()).toEqual([
      'Paris',
      expect.stringMatching(/^chat claude-sonnet-5-5 +\d+ ms +in 21 +out 4 +end_turn$/),
    ]);
  });

  it('a minimal OpenAI app', async () => {
    const run = await example('minimal-openai.mjs');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('The capital of Japan is Tokyo.');
    expect(run.stdout).toMatch(/^chat gpt-4o-mini +\d+ ms +in 31 +out 8 +stop$/m);
    expect(run.stdout).toMatch(/chat gpt-4o-mini +\d+ ms +stop/);
  });

  it('an app with its own NodeSDK setup', async () => {
    const run = await example('nodesdk-app.cjs');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Paris');
    expect(run.stdout).toContain("name: 'chat claude-sonnet-5-5'");
  });
});

describe('npm run demo', () => {
  it('runs the example agent against the fixtures and prints its trace as a tree', async () => {
    const demo = await runApp(join(ROOT, 'examples', 'run-demo.mjs'), { env: { OTEL_TRACES_EXPORTER: undefined } });
    expect(demo.stderr).toBe('');
    expect(demo.code).toBe(0);
    // Durations vary from run to run: everything else is exact.
    const text = demo.stdout.replace(/ +\d+(\.\d+)? (ms|s)(?= |$)/gm, ' <duration>');
    expect(text).toBe(
      [
        "I'll check the weather in Lisbon and convert your dollars.",
        "Lisbon will be sunny tomorrow, around 19 °C. I couldn't convert your 200 US dollars: the exchange-rate service is unavailable right now, so check the rate before you travel.",
        'invoke_agent <duration>  in 1617    out 159    end_turn  (trace total)',
        '├─ chat claude-sonnet-5-5 <duration>  in 712     out 118    tool_use',
        '├─ execute_tool get_weather <duration>',
        '├─ execute_tool convert_currency <duration>  ✗ Error',
        '└─ chat claude-sonnet-5-5 <duration>  in 905     out 41     end_turn',
        '',
      ].join('\n'),
    );
  });
});
