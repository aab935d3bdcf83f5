/**
 * Acceptance: the package as users install it. `npm run build`, `npm pack`, then fresh apps in a
 * temp folder that install the tarball and the newest OpenTelemetry JS / SDK packages from the npm
 * registry (one npm cache, each app installed once and shared by the tests that use it), and run on
 * Node 22 against the replay server (from dist/) and an OTLP/HTTP JSON receiver, both on 127.0.0.1.
 *
 * Run: tools/with-node 22 npx vitest run --config test/pack/vitest.config.mts
 * (not part of the main vitest run: the file is not a *.test.ts).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type * as Testing from '../../src/testing';
import type { ReplayServer } from '../../src/testing/replay-server';
import { FIXTURES } from '../helpers/replay';
import { NODE_22, otlpEnv, ROOT, runApp } from '../helpers/run-app';
import type { AppRun } from '../helpers/run-app';
import { freshApp, installed, installedCopies, npm } from './fresh-app';
import type { FreshApp } from './fresh-app';
import { startOtlpReceiver } from './otlp-receiver';
import type { OtlpReceiver, ReceivedSpan } from './otlp-receiver';

const APPS = join(__dirname, 'apps');
const SNIPPETS = join(__dirname, 'snippets');
const NEWEST_SDK = ['@opentelemetry/sdk-node@latest', '@opentelemetry/api@latest'];
/** The answers of the fixtures the apps' calls match. */
const ANSWERS = { anthropic: 'Paris', openai: 'The capital of Japan is Tokyo.' };

let work: string;
let tarball: string;
let packedFiles: string[];
let server: ReplayServer;
let receiver: OtlpReceiver;
let apps: Record<'alone' | 'tarballThenSdk' | 'sdkThenTarball' | 'main' | 'api191' | 'api1100' | 'auto', Promise<FreshApp>>;

beforeAll(async () => {
  work = realpathSync(mkdtempSync(join(tmpdir(), 'otel-genai-pack-')));
  // A node_modules folder above the apps would be resolved from them: they would not be fresh.
  for (let dir = dirname(work); ; dir = dirname(dir)) {
    expect(existsSync(join(dir, 'node_modules')), `${dir}/node_modules is visible from the apps`).toBe(false);
    if (dir === dirname(dir)) break;
  }

  const build = await npm(ROOT, ['run', 'build']);
  expect(build.code, build.output).toBe(0);
  // --ignore-scripts: `prepare` (the build, done above, and the tools' Node installs) is not packing.
  const pack = await npm(ROOT, ['pack', '--ignore-scripts', '--json', '--pack-destination', work]);
  expect(pack.code, pack.output).toBe(0);
  const [packed] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, packed.filename);
  packedFiles = packed.files.map((file) => file.path).sort();

  const { startReplayServer } = createRequire(__filename)(join(ROOT, 'dist', 'testing', 'index.js')) as typeof Testing;
  server = await startReplayServer({ fixtures: FIXTURES, delayScale: 0 });
  receiver = await startOtlpReceiver();

  // Every app starts installing now (two npm processes at a time, in this order); each test awaits
  // the ones it uses, and reports their failure itself.
  const copy = (names: string[], from = APPS) => Object.fromEntries(names.map((name) => [name, join(from, name)]));
  apps = {
    alone: freshApp(work, 'alone', [[tarball]]),
    tarballThenSdk: freshApp(work, 'tarball-then-sdk', [[tarball], NEWEST_SDK]),
    sdkThenTarball: freshApp(work, 'sdk-then-tarball', [NEWEST_SDK, [tarball]]),
    main: freshApp(
      work,
      'app',
      [
        [
          tarball,
          ...NEWEST_SDK,
          '@opentelemetry/api-logs@latest',
          '@opentelemetry/sdk-trace@latest',
          '@opentelemetry/context-async-hooks@latest',
          '@opentelemetry/instrumentation@latest',
          'openai@latest',
          '@anthropic-ai/sdk@latest',
        ],
      ],
      {
        ...copy(['chat-app.cjs', 'control-tracing.cjs', 'failing-call.cjs', 'logs-app.mjs']),
        ...copy(['tracing.cjs', 'tree-tracing.cjs', 'manual-tracing.cjs', 'agent.mjs', 'bundled.mjs'], SNIPPETS),
        'test/capital.test.mjs': join(SNIPPETS, 'capital.test.mjs'),
        'test/fixtures/messages-text.json': join(FIXTURES, 'anthropic', 'messages-text.json'),
      },
    ),
    api191: freshApp(work, 'app-api-1.9.1', [['@opentelemetry/api@1.9.1', '@anthropic-ai/sdk@latest']], copy(['app-span.mjs'])),
    api1100: freshApp(work, 'app-api-1.10.0', [['@opentelemetry/api@1.10.0', '@anthropic-ai/sdk@latest']], copy(['app-span.mjs'])),
    auto: freshApp(work, 'app-auto', [[tarball, ...NEWEST_SDK, '@opentelemetry/auto-instrumentations-node@latest', 'openai@6']], {
      ...copy(['auto-tracing.cjs', 'openai-chat.cjs']),
      ...copy(['auto-instrumentations.cjs'], SNIPPETS),
    }),
  };
  for (const app of Object.values(apps)) app.catch(() => undefined);
});

afterAll(async () => {
  // Let installs still running finish before their folders go.
  await Promise.allSettled(Object.values(apps ?? {}));
  await server?.close();
  await receiver?.close();
  if (work !== undefined && process.env.PACK_TEST_KEEP !== '1') rmSync(work, { recursive: true, force: true });
});

beforeEach(() => receiver.reset());

/**
 * Runs `node …args script` in the app's folder on Node 22, pointed at the replay server and the
 * receiver (OTLP/HTTP JSON traces; metrics and logs off unless `env` says otherwise).
 */
function run(app: FreshApp, script: string, args: string[], env: Record<string, string | undefined> = {}): Promise<AppRun> {
  receiver.reset();
  return runApp(join(app.dir, script), {
    node: NODE_22,
    cwd: app.dir,
    args,
    env: { ...otlpEnv(server.url, receiver.url), OTEL_SERVICE_NAME: undefined, ...env },
  });
}

const chatSpans = (): ReceivedSpan[] => receiver.spans.filter((span) => span.name.startsWith('chat '));
const describeSpans = (spans: ReceivedSpan[]) => spans.map(({ name, scope, parentSpanId }) => ({ name, scope, parentSpanId }));

describe('1. the tarball, installed clean', () => {
  it('holds the compiled code, the register entry and the README, and nothing else', () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'README.md',
        'register.mjs',
        'dist/index.js',
        'dist/index.d.ts',
        'dist/register/start.js',
        'dist/testing/index.js',
      ]),
    );
    expect(packedFiles.filter((path) => !/^(dist\/.+|register\.mjs|package\.json|README\.md|LICENSE)$/.test(path))).toEqual([]);
    // tsc never deletes: a compiled file whose source is gone would ship. And every source is built.
    const compiled = packedFiles.filter((path) => path.endsWith('.js')).map((path) => path.replace(/^dist\/(.*)\.js$/, 'src/$1.ts'));
    expect(compiled.filter((source) => !existsSync(join(ROOT, source)))).toEqual([]);
    const sources = (dir: string): string[] =>
      readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory()
          ? sources(`${dir}/${entry.name}`)
          : entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')
            ? [`${dir}/${entry.name}`]
            : [],
      );
    expect(sources('src').filter((source) => !compiled.includes(source))).toEqual([]);
  });

  it.each([
    ['alone', 'npm install <tarball>', 1],
    ['tarballThenSdk', 'npm install <tarball>, then @opentelemetry/sdk-node@latest @opentelemetry/api@latest', 2],
    ['sdkThenTarball', 'npm install @opentelemetry/sdk-node@latest @opentelemetry/api@latest, then <tarball>', 2],
    [
      'main',
      'the tarball with sdk-node, api, api-logs, sdk-trace, context-async-hooks, instrumentation, openai and @anthropic-ai/sdk (all @latest)',
      1,
    ],
  ] as const)(
    '%s: %s: no peer conflict, a valid tree, one @opentelemetry/sdk-trace and one @opentelemetry/api',
    async (key, _title, steps) => {
      const app = await apps[key];
      expect(app.installs.map((install) => install.command)).toHaveLength(steps);
      for (const install of app.installs) {
        expect(install.code, install.output).toBe(0);
        expect(install.output).not.toMatch(/ERESOLVE/);
        expect(install.output).not.toMatch(/overriding peer dependency/i);
      }
      const ls = await npm(app.dir, ['ls', '--all']);
      expect(ls.code, ls.output).toBe(0);
      expect(installedCopies(app.dir, 'otel-genai')).toEqual(['node_modules/otel-genai']);
      expect(installedCopies(app.dir, '@opentelemetry/sdk-trace')).toHaveLength(1);
      expect(installedCopies(app.dir, '@opentelemetry/api')).toHaveLength(1);
    },
  );

  it('alone: the entry points load, from CommonJS and from ES modules, with only what the package brings', async () => {
    const app = installed(await apps.alone, 1);
    const cjs = await runApp(undefined, {
      node: NODE_22,
      cwd: app.dir,
      args: [
        '-e',
        `const main = require('otel-genai'); const testing = require('otel-genai/testing');
         const spans = testing.collectSpans();
         spans.shutdown().then(() => console.log(JSON.stringify({ main: Object.keys(main).sort(), testing: Object.keys(testing).sort() })));`,
      ],
    });
    expect(cjs.stderr).toBe('');
    expect(JSON.parse(cjs.stdout)).toMatchObject({
      main: expect.arrayContaining([
        'AnthropicInstrumentation',
        'OpenAIInstrumentation',
        'GenAITreeExporter',
        'withAgent',
        'runTool',
        'instrumentClient',
      ]),
      testing: expect.arrayContaining(['collectSpans', 'startReplayServer', 'startRecordingServer']),
    });
    const esm = await runApp(undefined, {
      node: NODE_22,
      cwd: app.dir,
      args: [
        '--input-type=module',
        '-e',
        `import { AnthropicInstrumentation, GenAITreeExporter, OpenAIInstrumentation, withAgent } from 'otel-genai';
         import { collectSpans, startReplayServer } from 'otel-genai/testing';
         import pkg from 'otel-genai/package.json' with { type: 'json' };
         console.log([AnthropicInstrumentation, GenAITreeExporter, OpenAIInstrumentation, withAgent, collectSpans, startReplayServer].map((f) => typeof f).join(' '), pkg.version);`,
      ],
    });
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe(`${'function '.repeat(6)}${JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version}`);
  });
});

describe('2. NodeSDK 3 preloaded with --require (snippets/tracing.cjs)', () => {
  it("one chat span per call, scope otel-genai, service my-agent; no span of the Anthropic SDK's own tracing", async () => {
    const app = installed(await apps.main, 1);
    // The control: NodeSDK alone, where the Anthropic SDK traces itself, so that the last check can fail.
    const control = await run(app, 'chat-app.cjs', ['--require', './control-tracing.cjs']);
    expect(control.code, control.stderr).toBe(0);
    expect(receiver.spans.filter((span) => span.scope.startsWith('com.anthropic')).map((span) => span.name)).toEqual([
      'anthropic.messages.create',
    ]);

    const traced = await run(app, 'chat-app.cjs', ['--require', './tracing.cjs']);
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    expect(JSON.parse(traced.stdout)).toEqual(ANSWERS);
    expect(chatSpans().map((span) => [span.name, span.scope, span.attributes['gen_ai.response.id']])).toEqual([
      ['chat claude-sonnet-5-5', 'otel-genai', 'msg_01EDxgC9HgnvgQyQRUejyWUH'],
      ['chat gpt-4o-mini', 'otel-genai', 'chatcmpl-EKKmXZWWm5HPa6EeFUJFOrNXA6Whw'],
    ]);
    expect(chatSpans().map((span) => span.resource['service.name'])).toEqual(['my-agent', 'my-agent']);
    expect(receiver.spans.filter((span) => span.scope.startsWith('com.anthropic'))).toEqual([]);
  });
});

describe.each(['1.9.1', '1.10.0'])('3. otel-genai installed in its own folder, the app with its own @opentelemetry/api %s', (version) => {
  it("node --import <otel-genai folder>/node_modules/otel-genai/register.mjs app.mjs: the app's span is exported, our chat span its child", async () => {
    const x = installed(await apps.alone, 1);
    const y = installed(await (version === '1.9.1' ? apps.api191 : apps.api1100), 1);
    expect(installedCopies(y.dir, 'otel-genai')).toEqual([]);
    expect(installedCopies(y.dir, '@opentelemetry/api')).toEqual(['node_modules/@opentelemetry/api']);

    const traced = await run(y, 'app-span.mjs', ['--import', join(x.dir, 'node_modules', 'otel-genai', 'register.mjs')]);
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    const app = JSON.parse(traced.stdout) as { api: string; text: string; traceId: string; spanId: string };
    // The app ran with its own copy of the API, not otel-genai's.
    expect(app).toMatchObject({ api: version, text: 'Paris' });
    const appSpans = receiver.spans.filter((span) => span.name === 'handle-request');
    expect(appSpans).toHaveLength(1);
    expect(appSpans[0]).toMatchObject({ scope: 'app', traceId: app.traceId, spanId: app.spanId, parentSpanId: undefined });
    expect(chatSpans()).toHaveLength(1);
    expect(chatSpans()[0]).toMatchObject({
      name: 'chat claude-sonnet-5-5',
      scope: 'otel-genai',
      traceId: app.traceId,
      parentSpanId: app.spanId,
    });
  });
});

describe('4. logs', () => {
  it("under register (OTEL_LOGS_EXPORTER=otlp): a record emitted through @opentelemetry/api 1.10's logs and one through @opentelemetry/api-logs are both exported", async () => {
    const app = installed(await apps.main, 1);
    const traced = await run(app, 'logs-app.mjs', ['--import', 'otel-genai/register'], { OTEL_LOGS_EXPORTER: 'otlp' });
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    expect(traced.stdout).toBe('emitted\n');
    const records = receiver.logs.map(({ scope, body, severityText }) => ({ scope, body, severityText }));
    expect(records.sort((a, b) => a.scope.localeCompare(b.scope))).toEqual([
      { scope: 'app-api', body: 'through @opentelemetry/api', severityText: 'INFO' },
      { scope: 'app-api-logs', body: 'through @opentelemetry/api-logs', severityText: 'INFO' },
    ]);
  });

  it("NodeSDK 3 with OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs: a failed call is one exported gen_ai.client.inference.exception record, in its span's context", async () => {
    const app = installed(await apps.main, 1);
    const env = { OTEL_LOGS_EXPORTER: 'otlp', OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN: 'logs' };
    // The control: without the opt-in, no record (the span event is the default).
    const control = await run(app, 'failing-call.cjs', ['--require', './tracing.cjs'], {
      ...env,
      OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN: undefined,
    });
    expect(control.code, control.stderr).toBe(0);
    expect(chatSpans()).toHaveLength(1);
    expect(receiver.logs.filter((record) => record.eventName === 'gen_ai.client.inference.exception')).toEqual([]);

    const traced = await run(app, 'failing-call.cjs', ['--require', './tracing.cjs'], env);
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    expect(JSON.parse(traced.stdout)).toEqual({ failure: 'BadRequestError 400' });
    const spans = chatSpans();
    expect(spans).toHaveLength(1);
    expect(spans[0]).toMatchObject({
      scope: 'otel-genai',
      statusCode: 2,
      attributes: expect.objectContaining({ 'error.type': 'BadRequestError' }),
    });
    const records = receiver.logs.filter((record) => record.eventName === 'gen_ai.client.inference.exception');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      scope: 'otel-genai',
      traceId: spans[0].traceId,
      spanId: spans[0].spanId,
      // Content capture is off: the provider's own message (which may quote the request) stays out.
      attributes: expect.objectContaining({ 'exception.type': 'BadRequestError', 'exception.message': 'HTTP 400 invalid_request_error' }),
    });
  });
});

describe('5. the README and docs/ snippets (test/pack/snippets/), each run in the fresh app', () => {
  it('agent.mjs: a hand-written loop under register, withAgent and runTool: one invoke_agent span parenting both chat spans and the explicit execute_tool span', async () => {
    const app = installed(await apps.main, 1);
    const traced = await run(app, 'agent.mjs', ['--import', 'otel-genai/register']);
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    expect(traced.stdout).toBe("It's sunny in Lisbon right now, at about 19 °C.\n");
    const agents = receiver.spans.filter((span) => span.name === 'invoke_agent weather');
    expect(agents).toHaveLength(1);
    expect(agents[0]).toMatchObject({ scope: 'otel-genai', parentSpanId: undefined });
    expect(agents[0].attributes).toMatchObject({ 'otel_genai.agent.model_calls': 2, 'otel_genai.agent.tool_calls': 1 });
    const children = receiver.spans.filter((span) => span.parentSpanId === agents[0].spanId);
    expect(
      children
        .map((span) => [span.name, span.attributes['gen_ai.tool.call.id'] ?? null, span.attributes['otel_genai.tool.inferred'] ?? null])
        .sort(),
    ).toEqual([
      ['chat claude-sonnet-5-5', null, null],
      ['chat claude-sonnet-5-5', null, null],
      ['execute_tool get_weather', 'toolu_01qZru8cdgXwJyMEbVaFvDsj', null],
    ]);
    expect(receiver.spans).toHaveLength(4);
  });

  it("bundled.mjs: instrumentClient under NodeSDK with no instrumentation of ours (control-tracing.cjs, where the Anthropic SDK traces itself): one chat span, ours, and none of the SDK's", async () => {
    const app = installed(await apps.main, 1);
    const traced = await run(app, 'bundled.mjs', ['--require', './control-tracing.cjs']);
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    expect(traced.stdout).toBe('Paris\n');
    expect(receiver.spans.map((span) => [span.name, span.scope])).toEqual([['chat claude-sonnet-5-5', 'otel-genai']]);
  });

  it('tree-tracing.cjs: NodeSDK 3 with SimpleSpanProcessor({ exporter: new GenAITreeExporter() }) prints one tree line per call', async () => {
    const app = installed(await apps.main, 1);
    const traced = await run(app, 'chat-app.cjs', ['--require', './tree-tracing.cjs']);
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    // The tree lines and the app's line, in any order: the 3.x processor exports once the
    // resource's asynchronous attributes (the host id) have settled.
    const lines = traced.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines.find((line) => line.startsWith('{')) ?? 'null')).toEqual(ANSWERS);
    const tree = lines.filter((line) => !line.startsWith('{')).sort();
    expect(tree).toHaveLength(2);
    expect(tree[0]).toMatch(/^chat claude-sonnet-5-5 +\d+ ms +in 21 +out 4 +end_turn$/);
    expect(tree[1]).toMatch(/^chat gpt-4o-mini +\d+ ms +in 31 +out 8 +stop$/);
  });

  it('manual-tracing.cjs: registerInstrumentations with a hand-built 3.x TracerProvider prints our two spans and no other', async () => {
    const app = installed(await apps.main, 1);
    const traced = await run(app, 'chat-app.cjs', ['--require', './manual-tracing.cjs']);
    expect(traced.stderr).toBe('');
    expect(traced.code).toBe(0);
    // ConsoleSpanExporter prints each span as an object.
    expect(traced.stdout.match(/instrumentationScope: \{ name: '[^']*'/g)).toEqual([
      "instrumentationScope: { name: 'otel-genai'",
      "instrumentationScope: { name: 'otel-genai'",
    ]);
    expect(traced.stdout.match(/^ {2}name: '.*',$/gm)?.sort()).toEqual([
      "  name: 'chat claude-sonnet-5-5',",
      "  name: 'chat gpt-4o-mini',",
    ]);
    expect(traced.stdout).toContain("'gen_ai.response.id': 'msg_01EDxgC9HgnvgQyQRUejyWUH'");
    expect(JSON.parse(traced.stdout.split('\n').find((line) => line.startsWith('{"anthropic"')) ?? 'null')).toEqual(ANSWERS);
  });

  it("capital.test.mjs: the testing kit (collectSpans) in the app's own node:test test passes, run as `node --test`", async () => {
    const app = installed(await apps.main, 1);
    const tested = await runApp(undefined, { node: NODE_22, cwd: app.dir, args: ['--test', '--test-reporter=tap'] });
    expect(tested.code, tested.stdout + tested.stderr).toBe(0);
    expect(tested.stdout).toMatch(/^ok 1 - one chat span inside the agent run$/m);
    expect(tested.stdout).toMatch(/^# tests 1$/m);
    expect(tested.stdout).toMatch(/^# pass 1$/m);
    expect(tested.stdout).toMatch(/^# fail 0$/m);
  });
});

describe('6. beside getNodeAutoInstrumentations() (@opentelemetry/auto-instrumentations-node@latest) with openai 6', () => {
  it('the control: the contrib @opentelemetry/instrumentation-openai in it traces openai 6 on its own', async () => {
    const app = installed(await apps.auto, 1);
    const traced = await run(app, 'openai-chat.cjs', ['--require', './auto-tracing.cjs'], { AUTO_ORDER: 'contrib-only' });
    expect(traced.code, traced.stderr).toBe(0);
    expect(describeSpans(chatSpans())).toEqual([
      { name: 'chat gpt-4o-mini', scope: '@opentelemetry/instrumentation-openai', parentSpanId: undefined },
      { name: 'chat gpt-4o-mini', scope: '@opentelemetry/instrumentation-openai', parentSpanId: undefined },
    ]);
  });

  it.each(['ours-first', 'contrib-first'])(
    "%s: ours wins (one chat span per call, scope otel-genai; none of the contrib's), with one diag warning naming the fix",
    async (order) => {
      const app = installed(await apps.auto, 1);
      const traced = await run(app, 'openai-chat.cjs', ['--require', './auto-tracing.cjs'], { AUTO_ORDER: order, OTEL_LOG_LEVEL: 'warn' });
      expect(traced.code, traced.stderr).toBe(0);
      expect(JSON.parse(traced.stdout.split('\n').find((line) => line.startsWith('{"text"')) ?? 'null')).toEqual({
        text: ANSWERS.openai,
        streamed: 'Keep a regular bedtime every night.',
      });
      expect(describeSpans(chatSpans())).toEqual([
        { name: 'chat gpt-4o-mini', scope: 'otel-genai', parentSpanId: undefined },
        { name: 'chat gpt-4o-mini', scope: 'otel-genai', parentSpanId: undefined },
      ]);
      expect(receiver.spans.filter((span) => span.scope === '@opentelemetry/instrumentation-openai')).toEqual([]);
      const warnings = `${traced.stdout}\n${traced.stderr}`.split('\n').filter((line) => line.includes('instrumentation-openai'));
      expect(warnings, 'one diag.warn that names @opentelemetry/instrumentation-openai').toHaveLength(1);
    },
  );

  it("the README's set-up (the contrib's turned off): ours only, and no warning", async () => {
    const app = installed(await apps.auto, 1);
    const traced = await run(app, 'openai-chat.cjs', ['--require', './auto-instrumentations.cjs'], { OTEL_LOG_LEVEL: 'warn' });
    expect(traced.code, traced.stderr).toBe(0);
    expect(describeSpans(chatSpans())).toEqual([
      { name: 'chat gpt-4o-mini', scope: 'otel-genai', parentSpanId: undefined },
      { name: 'chat gpt-4o-mini', scope: 'otel-genai', parentSpanId: undefined },
    ]);
    expect(`${traced.stdout}\n${traced.stderr}`).not.toContain('instrumentation-openai');
  });
});
