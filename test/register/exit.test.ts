/**
 * How the register's last flush meets the ways a process ends (src/register/exit.ts): bounded when
 * nothing takes the telemetry, on SIGTERM / SIGINT, on a crash, and with calls still open; the app's
 * own ending (its output, exit code, signal, its handlers) unchanged.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { replayAndReceiver } from '../helpers/replay-and-receiver';
import { REGISTER, ROOT } from '../helpers/run-app';

const APP = join(__dirname, '..', 'apps', 'ending-app.mjs');
const backends = replayAndReceiver();
/** A "collector" that accepts connections and never answers. */
let silent: Server;
const sockets: Socket[] = [];

beforeAll(async () => {
  silent = createServer((socket) => sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

interface Ending {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  ms: number;
}

/** Runs the app, with or without the register; `signal` is sent once it prints `ready`. */
function run(how: string, options: { register: boolean; env?: Record<string, string>; signal?: NodeJS.Signals }): Promise<Ending> {
  const started = Date.now();
  const child = spawn(process.execPath, [...(options.register ? ['--import', REGISTER] : []), APP, how], {
    cwd: ROOT,
    env: { ...process.env, ...backends.env(options.env) },
  });
  let stdout = '';
  let stderr = '';
  let signalled = false;
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
    if (options.signal !== undefined && !signalled && stdout.includes('ready')) {
      signalled = true;
      child.kill(options.signal);
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ stdout, stderr, code, signal, ms: Date.now() - started });
    });
  });
}

const chatSpans = () => backends.receiver.spans.filter((span) => span.scope === 'otel-genai' && span.name.startsWith('chat'));

describe('the last flush', () => {
  it('is bounded when the collector never answers: the process ends about a second after its work, and says why through diag', async () => {
    const unbounded = { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`, OTEL_LOG_LEVEL: 'warn' };
    const ended = await run('normal', { register: true, env: unbounded });
    expect(ended.code).toBe(0);
    expect(ended.stdout).toBe('Paris\n');
    expect(ended.stderr).toContain('telemetry could not be delivered within 1000 ms of exit');
    // The exporter's own timeout is 10 s: well beyond this bound.
    expect(ended.ms).toBeLessThan(6000);
    const longer = await run('normal', { register: true, env: { ...unbounded, OTEL_GENAI_EXIT_FLUSH_TIMEOUT: '2500' } });
    expect(longer.stderr).toContain('within 2500 ms');
    expect(longer.ms).toBeGreaterThanOrEqual(2500);
  });

  it('keeps the exit code the app set when it gives up', async () => {
    const env = {
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(silent.address() as AddressInfo).port}`,
      OTEL_GENAI_EXIT_FLUSH_TIMEOUT: '100',
    };
    expect((await run('exit-code', { register: false, env })).code).toBe(5);
    expect((await run('exit-code', { register: true, env })).code).toBe(5);
  });

  it('ends a stream the app created and never read, as abandoned, before it exports', async () => {
    const ended = await run('unread', { register: true });
    expect(ended.code).toBe(0);
    const spans = chatSpans();
    expect(spans).toHaveLength(2);
    expect(spans.filter((span) => span.attributes['otel_genai.abandoned'] === true)).toHaveLength(1);
  });
});

describe('signals', () => {
  it('SIGTERM with no handler of the app: the spans are exported, then the process ends by the signal', async () => {
    const bare = await run('wait', { register: false, signal: 'SIGTERM' });
    const traced = await run('wait', { register: true, signal: 'SIGTERM' });
    expect(bare.signal).toBe('SIGTERM');
    expect(traced.signal).toBe('SIGTERM');
    expect(traced.code).toBe(bare.code);
    expect(chatSpans()).toHaveLength(1);
  });

  it('SIGINT likewise', async () => {
    const traced = await run('wait', { register: true, signal: 'SIGINT' });
    expect(traced.signal).toBe('SIGINT');
    expect(chatSpans()).toHaveLength(1);
  });

  it('SIGTERM that the app handles: its handler runs and decides the exit, the spans are exported', async () => {
    const bare = await run('wait-handled', { register: false, signal: 'SIGTERM' });
    const traced = await run('wait-handled', { register: true, signal: 'SIGTERM' });
    expect(bare).toMatchObject({ code: 3, signal: null, stdout: 'Paris\nready\napp handler\n' });
    expect(traced).toMatchObject({ code: 3, signal: null, stdout: 'Paris\nready\napp handler\n' });
    expect(chatSpans()).toHaveLength(1);
  });
});

describe('a crash', () => {
  for (const how of ['throw', 'reject']) {
    it(`${how === 'throw' ? 'an uncaught exception' : 'an unhandled rejection'}: reported and exited as without us, the spans exported`, async () => {
      const bare = await run(how, { register: false });
      const traced = await run(how, { register: true });
      expect(traced.code).toBe(bare.code);
      expect(traced.code).toBe(1);
      expect(traced.stdout).toBe(bare.stdout);
      // Node heads its report with the source line it was last thrown from: for the flushed crash, the
      // line of Node's own rejection handling. The error, its stack and the rest are the same.
      const report = (stderr: string) => stderr.slice(stderr.indexOf('\n\n') + 2);
      expect(report(traced.stderr)).toBe(report(bare.stderr));
      expect(report(traced.stderr)).toMatch(/^RangeError: the app broke\n {4}at .*ending-app\.mjs:\d+/);
      expect(traced.stderr.split('\n\n')[0]).not.toContain('otel-genai');
      expect(traced.stderr.split('\n\n')[0]).not.toContain('dist/');
      expect(chatSpans()).toHaveLength(1);
    });
  }
});
