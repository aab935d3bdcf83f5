// register.mjs without the OpenTelemetry Node SDK (issue 7): the providers and exporters the
// environment asks for and nothing more, the lazy OTLP exporter, and the ES module side: on Node 20
// without a loader hook (the installed SDKs patched in place), on Node 22 the SDKs patched as they
// are imported, and import-in-the-middle's loader hook on request.
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayAndReceiver } from '../helpers/replay-and-receiver';
import { NODE_22, prepatchEnv, ROOT, runApp } from '../helpers/run-app';

const APPS = join(__dirname, '..', 'apps');
const OPENAI_4 = join(ROOT, 'compat', 'openai-4', 'node_modules', 'openai');
const backends = replayAndReceiver();
const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

interface OtelState {
  tracerProvider: string;
  meterProvider: string;
  loggerProvider: string;
  propagationFields: string[];
  loadedAtStart: string[];
  loadedAfterSpan?: string[];
  loadedAtExit: string[];
  anthropicPatched?: boolean;
}

/** Runs test/apps/otel-state.mjs under the register with the usual test environment plus `env`. */
async function otelState(env: Record<string, string | undefined>, args: string[] = []): Promise<OtelState> {
  const run = await runApp(join(APPS, 'otel-state.mjs'), {
    env: backends.env(env),
    register: true,
    script: args,
  });
  expect(run.code, run.stderr).toBe(0);
  const line = run.stdout
    .split('\n')
    .filter((text) => text.startsWith('{"tracerProvider"'))
    .at(-1);
  return JSON.parse(line ?? 'null') as OtelState;
}

const OTLP_TRACE_EXPORTERS = ['exporter-trace-otlp-proto', 'exporter-trace-otlp-http', 'exporter-trace-otlp-grpc'];

/** A folder of files (and symlinks to folders), removed after the tests. */
function folder(files: Record<string, string>, links: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'otel-genai-register-'));
  tempDirs.push(dir);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  }
  for (const [path, target] of Object.entries(links)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    symlinkSync(target.startsWith('/') ? target : join(dir, target), join(dir, path), 'dir');
  }
  return dir;
}

describe('providers: what the environment asks for, and nothing more', () => {
  it('traces only (metrics and logs none): no meter or logger provider, their SDKs never loaded', async () => {
    const state = await otelState({});
    expect(state).toMatchObject({
      tracerProvider: 'TracerProvider',
      meterProvider: 'NoopMeterProvider',
      loggerProvider: 'NoopLoggerProvider',
    });
    expect(state.loadedAtStart).toEqual(['sdk-trace']);
    expect(state.loadedAtExit).toEqual(['sdk-trace']);
  });

  it('metrics and logs unset: both providers over OTLP, as the Node SDK does', async () => {
    const state = await otelState({ OTEL_METRICS_EXPORTER: undefined, OTEL_LOGS_EXPORTER: undefined });
    expect(state).toMatchObject({ meterProvider: 'MeterProvider', loggerProvider: 'LoggerProvider' });
    expect(state.loadedAtStart).toEqual(expect.arrayContaining(['sdk-metrics', 'sdk-logs', 'exporter-metrics-otlp-http']));
    // The logs exporter waits for a first record, as the traces one for a first span.
    expect(state.loadedAtExit).not.toContain('exporter-logs-otlp-http');
  });

  it('console metrics and logs: the providers with console exporters, no OTLP exporter', async () => {
    const state = await otelState({ OTEL_METRICS_EXPORTER: 'console', OTEL_LOGS_EXPORTER: 'console' });
    expect(state).toMatchObject({ meterProvider: 'MeterProvider', loggerProvider: 'LoggerProvider' });
    expect(state.loadedAtExit.filter((name) => name.startsWith('exporter-'))).toEqual([]);
  });

  it('OTEL_TRACES_EXPORTER=none: no tracer provider, but context and propagation are set up', async () => {
    const state = await otelState({ OTEL_TRACES_EXPORTER: 'none' });
    expect(state.tracerProvider).toBe('NoopTracerProvider');
    expect(state.propagationFields).toEqual(['traceparent', 'tracestate', 'baggage']);
    expect(state.loadedAtExit.filter((name) => name.startsWith('exporter-'))).toEqual([]);
  });

  it('OTEL_SDK_DISABLED=true: no provider, no propagator, the SDK left unpatched, no span', async () => {
    const state = await otelState({ OTEL_SDK_DISABLED: 'true', OTEL_METRICS_EXPORTER: undefined, OTEL_LOGS_EXPORTER: undefined }, ['sdk']);
    expect(state).toMatchObject({
      tracerProvider: 'NoopTracerProvider',
      meterProvider: 'NoopMeterProvider',
      loggerProvider: 'NoopLoggerProvider',
      propagationFields: [],
      anthropicPatched: false,
    });
    const enabled = await otelState({}, ['sdk']);
    expect(enabled.anthropicPatched).toBe(true);

    const env = backends.env({ OTEL_SDK_DISABLED: 'true' });
    const bare = await runApp(join(APPS, 'anthropic-app.mjs'), { env });
    const run = await runApp(join(APPS, 'anthropic-app.mjs'), { env, register: true });
    expect(run.stderr).toBe('');
    expect(run.stdout).toBe(bare.stdout);
    expect(backends.receiver.spans).toHaveLength(0);
  });

  it('OTEL_PROPAGATORS: the default, b3 (loaded only then) and none', async () => {
    expect((await otelState({})).propagationFields).toEqual(['traceparent', 'tracestate', 'baggage']);
    const b3 = await otelState({ OTEL_PROPAGATORS: 'b3' });
    expect(b3.propagationFields).toEqual(['b3']);
    expect(b3.loadedAtStart).toContain('propagator-b3');
    expect((await otelState({ OTEL_PROPAGATORS: 'none' })).propagationFields).toEqual([]);
  });

  it('OTEL_TRACES_SAMPLER is honoured (read by the trace SDK itself)', async () => {
    const run = await runApp(join(APPS, 'anthropic-app.cjs'), {
      env: backends.env({ OTEL_TRACES_SAMPLER: 'always_off' }),
      register: true,
    });
    expect(run.code).toBe(0);
    expect(backends.receiver.spans).toHaveLength(0);
  });
});

describe('the OTLP trace exporter is loaded on the first export', () => {
  it('not before, and spans are exported after', async () => {
    const state = await otelState({}, ['span']);
    expect(state.loadedAtStart.filter((name) => OTLP_TRACE_EXPORTERS.includes(name))).toEqual([]);
    // OTEL_EXPORTER_OTLP_PROTOCOL=http/json in the test environment.
    expect(state.loadedAfterSpan).toContain('exporter-trace-otlp-http');
    expect(backends.receiver.spans.map((span) => [span.scope, span.name])).toEqual([['otel-state-app', 'app span']]);
  });

  it('never, in a process that makes no span (the exit flush does not load it)', async () => {
    const state = await otelState({});
    expect(state.loadedAtExit.filter((name) => OTLP_TRACE_EXPORTERS.includes(name))).toEqual([]);
  });

  it('of the protocol OTEL_EXPORTER_OTLP_TRACES_PROTOCOL names, over OTEL_EXPORTER_OTLP_PROTOCOL', async () => {
    const state = await otelState({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc', OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json' }, ['span']);
    expect(state.loadedAfterSpan?.filter((name) => OTLP_TRACE_EXPORTERS.includes(name))).toEqual(['exporter-trace-otlp-http']);
    expect(backends.receiver.spans).toHaveLength(1);
  });

  it('zipkin too', async () => {
    const state = await otelState(
      { OTEL_TRACES_EXPORTER: 'zipkin', OTEL_EXPORTER_ZIPKIN_ENDPOINT: `${backends.receiver.url}/api/v2/spans` },
      ['span'],
    );
    expect(state.loadedAtStart).not.toContain('exporter-zipkin');
    expect(state.loadedAfterSpan).toContain('exporter-zipkin');
  });
});

describe('the resource', () => {
  it('OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES, and the default detectors (service, process, host)', async () => {
    await runApp(join(APPS, 'anthropic-app.cjs'), {
      env: {
        ...backends.env(),
        OTEL_SERVICE_NAME: 'resource-test',
        OTEL_RESOURCE_ATTRIBUTES: 'team=genai,deployment.environment.name=test',
      },
      register: true,
    });
    const [span] = backends.receiver.spans;
    expect(span.resource).toMatchObject({
      'service.name': 'resource-test',
      team: 'genai',
      'deployment.environment.name': 'test',
      'telemetry.sdk.language': 'nodejs',
    });
    expect(span.resource['process.pid']).toEqual(expect.any(Number));
    expect(span.resource['host.name']).toEqual(expect.any(String));
  });

  it('OTEL_NODE_RESOURCE_DETECTORS=service: only what the environment says; the 2.x name env is warned about, as NodeSDK 3 does', async () => {
    await runApp(join(APPS, 'anthropic-app.cjs'), {
      env: backends.env({ OTEL_NODE_RESOURCE_DETECTORS: 'service' }),
      register: true,
    });
    const [span] = backends.receiver.spans;
    expect(span.resource['service.name']).toBe('zero-code-test');
    expect(span.resource['service.instance.id']).toEqual(expect.any(String));
    expect(span.resource['process.pid']).toBeUndefined();
    expect(span.resource['host.name']).toBeUndefined();

    backends.receiver.spans.length = 0;
    const env = await runApp(join(APPS, 'anthropic-app.cjs'), {
      env: backends.env({ OTEL_NODE_RESOURCE_DETECTORS: 'env', OTEL_LOG_LEVEL: 'warn' }),
      register: true,
    });
    expect(env.stderr + env.stdout).toContain('"env" resource detector name is no longer supported');
    expect(backends.receiver.spans[0].resource['service.name']).toMatch(/^unknown_service/);
  });
});

describe('an app that ends with process.exit(), which skips the beforeExit flush', () => {
  const run = (args: string[]) => runApp(join(APPS, 'exit-app.mjs'), { env: backends.env(), register: true, script: args });

  it("loses its spans unless it flushes through the register's shutdown() first", async () => {
    const lost = await run(['no-flush']);
    expect(lost.code, lost.stderr).toBe(0);
    expect(backends.receiver.spans).toHaveLength(0);
    const flushed = await run([]);
    expect(flushed.code, flushed.stderr).toBe(0);
    expect(backends.receiver.spans.map((span) => span.name)).toEqual(['chat claude-sonnet-5-5']);
  });
});

describe('OTEL_TRACES_EXPORTER with genai-tree', () => {
  const TREE_LINE = /^chat claude-sonnet-5-5 +\d+ ms +in 21 +out 4 +end_turn$/m;
  const run = (exporters: string) =>
    runApp(join(APPS, 'anthropic-app.cjs'), {
      env: backends.env({ OTEL_TRACES_EXPORTER: exporters }),
      register: true,
    });

  it('alone: the tree, nothing exported', async () => {
    const traced = await run('genai-tree');
    expect(traced.stderr).toBe('');
    expect(traced.stdout).toMatch(TREE_LINE);
    expect(traced.stdout).not.toContain("name: 'chat claude-sonnet-5-5'");
    expect(backends.receiver.spans).toHaveLength(0);
  });

  it('beside console: both', async () => {
    const traced = await run('console,genai-tree');
    expect(traced.stdout).toMatch(TREE_LINE);
    expect(traced.stdout).toContain("name: 'chat claude-sonnet-5-5'");
    expect(backends.receiver.spans).toHaveLength(0);
  });

  it('beside none: the tree only', async () => {
    const traced = await run('none,genai-tree');
    expect(traced.stdout).toMatch(TREE_LINE);
    expect(traced.stdout).not.toContain("name: 'chat claude-sonnet-5-5'");
    expect(backends.receiver.spans).toHaveLength(0);
  });
});

it('warns when a CommonJS copy of the SDK was loaded before the register (OTEL_LOG_LEVEL=warn)', async () => {
  const env = backends.env({ OTEL_LOG_LEVEL: 'warn' });
  const first = await runApp(join(APPS, 'anthropic-app.cjs'), { env, register: true, args: ['--require', '@anthropic-ai/sdk'] });
  expect(first.stderr).toContain('@anthropic-ai/sdk was loaded before otel-genai');
  const after = await runApp(join(APPS, 'anthropic-app.cjs'), { env, register: true });
  expect(after.stderr).not.toContain('was loaded before otel-genai');
});

// A fake `openai` whose ES module entry counts its evaluations, installed in a folder of apps as a
// symlink (as pnpm installs packages): which copy an app gets, and whether the register loaded it.
/** An app whose openai (4, symlinked) is nested in the package it imports it through, where the app's folder does not resolve it. */
function nestedCopyApp(): string {
  return folder(
    {
      'node_modules/chat-lib/package.json': JSON.stringify({ name: 'chat-lib', version: '1.0.0', type: 'module', exports: './index.js' }),
      'node_modules/chat-lib/index.js': "export { default as OpenAI } from 'openai';\n",
      'app.mjs': [
        "import { OpenAI } from 'chat-lib';",
        'const client = new OpenAI({ maxRetries: 0 });',
        "const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'system', content: 'You are a helpful assistant. Keep answers short.' }, { role: 'user', content: 'What is the capital of Japan? Reply in one short sentence.' }] });",
        'console.log(completion.choices[0].message.content);',
      ].join('\n'),
    },
    { 'node_modules/chat-lib/node_modules/openai': OPENAI_4 },
  );
}

const FAKE_OPENAI = {
  'store/openai/package.json': JSON.stringify({
    name: 'openai',
    version: '6.0.0',
    exports: { '.': { require: './index.js', default: './index.mjs' } },
  }),
  'store/openai/index.mjs': 'globalThis.esmEvaluations = (globalThis.esmEvaluations ?? 0) + 1;\nexport default class OpenAI {}\n',
  'store/openai/index.js': 'globalThis.cjsEvaluations = (globalThis.cjsEvaluations ?? 0) + 1;\nmodule.exports = class OpenAI {};\n',
};
const ESM_APP = [
  'const before = globalThis.esmEvaluations ?? 0;',
  "await import('openai');",
  'console.log(JSON.stringify({ before, after: globalThis.esmEvaluations ?? 0, cjs: globalThis.cjsEvaluations ?? 0 }));',
].join('\n');
const CJS_APP = [
  "require('openai');",
  'process.on("exit", () => console.log(JSON.stringify({ before: 0, after: globalThis.esmEvaluations ?? 0, cjs: globalThis.cjsEvaluations ?? 0 })));',
].join('\n');

describe('ES modules on Node 20 (on a newer Node, with OTEL_GENAI_ESM_LOADER_HOOK=false): the installed SDKs patched in place, no loader hook', () => {
  let apps: string;
  beforeAll(() => {
    apps = folder(
      {
        ...FAKE_OPENAI,
        'app.mjs': `${ESM_APP}\nexport {};\n`,
        'app.cjs': CJS_APP,
        'module/package.json': '{ "type": "module" }',
        'module/app.js': ESM_APP,
        'typeless/package.json': '{ "name": "typeless" }',
        'typeless/esm.js': `#!/usr/bin/env node\n${ESM_APP}\n`,
        'typeless/cjs.js': CJS_APP,
        'commonjs/package.json': '{ "type": "commonjs" }',
        'commonjs/app.js': CJS_APP,
      },
      { 'node_modules/openai': 'store/openai' },
    );
  });
  const run = (app: string | undefined, options: { env?: Record<string, string>; args?: string[]; cwd?: string; node?: string } = {}) =>
    runApp(app === undefined ? undefined : join(apps, app), {
      register: true,
      ...options,
      env: { ...(options.node === undefined ? prepatchEnv() : {}), ...options.env },
    }).then((result) => {
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout.trim()) as { before: number; after: number; cjs: number };
    });

  it('an ESM app: its copy (resolved from its folder, symlinks followed) is loaded once, before the app runs', async () => {
    // Run from the repo root, whose own openai the register must not take instead.
    expect(await run('app.mjs')).toEqual({ before: 1, after: 1, cjs: 0 });
    expect(await run('module/app.js')).toEqual({ before: 1, after: 1, cjs: 0 });
    // A .js file with no "type" and module syntax: Node runs it as ESM, and so does the register.
    expect(await run('typeless/esm.js')).toEqual({ before: 1, after: 1, cjs: 0 });
    // Without the register nothing loads it early: the count says who did.
    const bare = await runApp(join(apps, 'app.mjs'));
    expect(JSON.parse(bare.stdout)).toEqual({ before: 0, after: 1, cjs: 0 });
  });

  it('a CommonJS app: the ES module copy is never loaded', async () => {
    expect(await run('app.cjs')).toEqual({ before: 0, after: 0, cjs: 1 });
    expect(await run('commonjs/app.js')).toEqual({ before: 0, after: 0, cjs: 1 });
    expect(await run('typeless/cjs.js')).toEqual({ before: 0, after: 0, cjs: 1 });
  });

  it('code given with -e: ESM unless --input-type=commonjs, resolved from the working directory', async () => {
    expect(await run(undefined, { cwd: apps, args: ['--input-type=module', '-e', ESM_APP] })).toEqual({ before: 1, after: 1, cjs: 0 });
    expect(await run(undefined, { cwd: apps, args: ['--input-type=commonjs', '-e', CJS_APP] })).toEqual({ before: 0, after: 0, cjs: 1 });
  });

  it("diag names the SDK and its version when a method is missing (the built package's wording)", async () => {
    // The fake openai has no resources: the instrumentation says which SDK copy lacks what.
    const warned = await runApp(join(apps, 'app.mjs'), { register: true, env: { OTEL_LOG_LEVEL: 'warn' } });
    expect(warned.code, warned.stderr).toBe(0);
    expect(warned.stderr).toContain('openai@6.0.0 Chat.Completions.create not found: this SDK version is not instrumented there');
    expect(warned.stderr).not.toContain('undefined@');
  });

  it('OTEL_GENAI_ESM_LOADER_HOOK=true: the loader hook instead, nothing loaded early', async () => {
    expect(await run('app.mjs', { env: { OTEL_GENAI_ESM_LOADER_HOOK: 'true' } })).toEqual({ before: 0, after: 1, cjs: 0 });
  });

  it('traces an ESM app whose SDK is its own copy (openai 4, symlinked), not the one beside the register', async () => {
    const app = folder({ 'app.mjs': readFileSync(join(APPS, 'openai-app.mjs'), 'utf8') }, { 'node_modules/openai': OPENAI_4 });
    const env = backends.env();
    const bare = await runApp(join(app, 'app.mjs'), { env });
    const traced = await runApp(join(app, 'app.mjs'), { env, register: true });
    expect(traced.stderr).toBe('');
    expect(traced.stdout).toBe(bare.stdout);
    expect(backends.inferenceSpans().map((span) => span.name)).toEqual([
      'chat gpt-4o-mini',
      'chat gpt-4o-mini',
      'embeddings text-embedding-3-small',
    ]);
  });

  it('a copy the app folder does not resolve (nested in a dependency) needs OTEL_GENAI_ESM_LOADER_HOOK=true', async () => {
    const app = nestedCopyApp();
    const env = backends.env();
    const prepatched = await runApp(join(app, 'app.mjs'), { env: { ...env, ...prepatchEnv() }, register: true });
    expect(prepatched.stdout).toContain('Tokyo');
    expect(backends.inferenceSpans()).toHaveLength(0);

    const hooked = await runApp(join(app, 'app.mjs'), { env: { ...env, OTEL_GENAI_ESM_LOADER_HOOK: 'true' }, register: true });
    expect(hooked.stdout).toBe(prepatched.stdout);
    expect(backends.inferenceSpans().map((span) => span.name)).toEqual(['chat gpt-4o-mini']);
  });

  describe('under Node 22 (synchronous hooks)', () => {
    it('by default the SDK is patched as the app imports it, nothing loaded early; OTEL_GENAI_ESM_LOADER_HOOK=false patches up front', async () => {
      expect(await run('app.mjs', { node: NODE_22 })).toEqual({ before: 0, after: 1, cjs: 0 });
      // Its copy is a symlink to a folder outside node_modules: the package is found from the file.
      const debug = await runApp(join(apps, 'app.mjs'), { register: true, node: NODE_22, env: { OTEL_LOG_LEVEL: 'debug' } });
      expect(debug.stdout).toContain('otel-genai: ES modules through the instrumented SDKs patched in place as they are imported');
      expect(debug.stdout).toContain(
        `otel-genai: instrumented openai@6.0.0 as it was imported: file://${realpathSync(join(apps, 'store', 'openai', 'index.mjs'))}`,
      );
      expect(await run('app.cjs', { node: NODE_22 })).toEqual({ before: 0, after: 0, cjs: 1 });
      // A CommonJS app that reaches the ES module copy through import(), which the Node 20 pre-patch does not see.
      const dynamic = join(apps, 'dynamic-import.cjs');
      writeFileSync(dynamic, "import('openai').then(() => console.log('imported'));\n");
      const imported = await runApp(dynamic, { register: true, node: NODE_22, env: { OTEL_LOG_LEVEL: 'debug' } });
      expect(imported.stdout).toContain('imported');
      expect(imported.stdout).toContain(
        `otel-genai: instrumented openai@6.0.0 as it was imported: file://${realpathSync(join(apps, 'store', 'openai', 'index.mjs'))}`,
      );
      expect(await run('app.mjs', { node: NODE_22, env: { OTEL_GENAI_ESM_LOADER_HOOK: 'false' } })).toEqual({
        before: 1,
        after: 1,
        cjs: 0,
      });
      expect(await run('app.cjs', { node: NODE_22, env: { OTEL_GENAI_ESM_LOADER_HOOK: 'false' } })).toEqual({
        before: 0,
        after: 0,
        cjs: 1,
      });
    });

    it('when Node refuses the hook, says so and patches the installed SDKs up front instead', async () => {
      const refuse = join(apps, 'refuse-hooks.cjs');
      writeFileSync(refuse, "require('node:module').registerHooks = () => { throw new Error('hooks refused'); };\n");
      const refused = await runApp(join(apps, 'app.mjs'), {
        register: true,
        node: NODE_22,
        args: ['--require', refuse],
        env: { OTEL_LOG_LEVEL: 'error' },
      });
      expect(refused.code, refused.stderr).toBe(0);
      expect(refused.stderr).toContain(
        'otel-genai: could not register the import-patch hook; patching the installed SDKs up front instead',
      );
      expect(refused.stderr).toContain('hooks refused');
      expect(JSON.parse(refused.stdout.trim().split('\n').at(-1) ?? 'null')).toEqual({ before: 1, after: 1, cjs: 0 });
    });

    it('traces a copy the app folder does not resolve (nested in a dependency), which the Node 20 pre-patch misses', async () => {
      const app = nestedCopyApp();
      const traced = await runApp(join(app, 'app.mjs'), { env: backends.env(), register: true, node: NODE_22 });
      expect(traced.stderr).toBe('');
      expect(traced.stdout).toContain('Tokyo');
      expect(backends.inferenceSpans().map((span) => span.name)).toEqual(['chat gpt-4o-mini']);
    });

    it('OTEL_GENAI_ESM_LOADER_HOOK=false traces an ESM app', async () => {
      const run22 = await runApp(join(APPS, 'anthropic-app.mjs'), {
        env: backends.env({ OTEL_GENAI_ESM_LOADER_HOOK: 'false' }),
        register: true,
        node: NODE_22,
      });
      expect(run22.stderr).toBe('');
      expect(backends.inferenceSpans()).toHaveLength(3);
    });
  });
});
