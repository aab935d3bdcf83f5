/**
 * The register's last flush, bounded in time, on every way a process ends that leaves time for it:
 * - the event loop empties (`beforeExit`): the flush runs; if the exporters are still busy after
 *   `OTEL_GENAI_EXIT_FLUSH_TIMEOUT` ms (default 1000) — nothing listens on the endpoint, the
 *   collector hangs or answers 503, and the exporters would retry for their own 10 s timeouts —
 *   we say so once through `diag` and end the process with the exit code it had;
 * - SIGTERM and SIGINT (how containers and terminals stop an app): when the app has no listener of
 *   its own for the signal, the flush runs and the signal is raised again, so that the process ends
 *   by it as it would have; when the app has one, the flush runs beside it and the app decides;
 * - an uncaught exception or unhandled rejection that would end the process (no other listener):
 *   the flush runs, then the error goes back to Node, which reports it and sets the exit code as it
 *   would have (see reportAsUncaught for the one line that differs). The app's other timers may run
 *   during the flush.
 * `process.exit()` is synchronous and leaves no time: such an app calls `shutdown()` first.
 */
import { diag } from '@opentelemetry/api';
import { getNumberFromEnv } from '@opentelemetry/core';

export const EXIT_FLUSH_TIMEOUT_ENV = 'OTEL_GENAI_EXIT_FLUSH_TIMEOUT';
const DEFAULT_EXIT_FLUSH_TIMEOUT_MS = 1000;
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export function exitFlushTimeoutMs(): number {
  const configured = getNumberFromEnv(EXIT_FLUSH_TIMEOUT_ENV);
  if (configured === undefined) return DEFAULT_EXIT_FLUSH_TIMEOUT_MS;
  if (configured >= 0) return configured;
  diag.warn(`otel-genai: ${EXIT_FLUSH_TIMEOUT_ENV}=${configured} is negative; using ${DEFAULT_EXIT_FLUSH_TIMEOUT_MS}`);
  return DEFAULT_EXIT_FLUSH_TIMEOUT_MS;
}

/** Installs the handlers; `shutdown` flushes and shuts every provider down. */
export function flushOnExit(shutdown: () => Promise<void>): void {
  const timeoutMs = exitFlushTimeoutMs();
  let flushing: Promise<boolean> | undefined;
  /** Whether everything was delivered in time; runs the flush once, however many ways the process ends. */
  const flush = (): Promise<boolean> => (flushing ??= boundedFlush(shutdown, timeoutMs));

  process.once('beforeExit', () => {
    void flush().then((delivered) => {
      // The exporters' retries and sockets would keep the process alive for their own timeouts.
      if (!delivered) process.exit();
    });
  });

  for (const signal of SIGNALS) {
    const onSignal = () => {
      const appHandlesIt = process.listenerCount(signal) > 1;
      void flush().then(() => {
        if (appHandlesIt) return;
        process.removeListener(signal, onSignal);
        process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }

  const onCrash = (error: unknown, origin: NodeJS.UncaughtExceptionOrigin) => {
    // Another listener means the app handles its errors: the process goes on, and so do we.
    if (process.listenerCount('uncaughtException') > 1) return;
    process.removeListener('uncaughtException', onCrash);
    void flush().then(() => reportAsUncaught(error, origin));
  };
  process.on('uncaughtException', onCrash);
}

/**
 * Hands the error back to Node's own reporting, which prints it and exits with code 1. Thrown again,
 * an exception would be printed under a source line of ours (Node shows where it was last thrown);
 * as an unhandled rejection Node prints its stack alone (without the app's source line above it),
 * which is what it does for a rejection in the first place. That way is taken only where a rejection
 * surely ends the process: no `unhandledRejection` listener of the app's, no lenient
 * `--unhandled-rejections` mode.
 */
function reportAsUncaught(error: unknown, origin: NodeJS.UncaughtExceptionOrigin): void {
  if (origin === 'unhandledRejection' || (process.listenerCount('unhandledRejection') === 0 && rejectionsAreFatal())) {
    void Promise.reject(error);
    return;
  }
  process.nextTick(() => {
    throw error;
  });
}

function rejectionsAreFatal(): boolean {
  const flags = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  const mode = flags.find((flag) => flag.startsWith('--unhandled-rejections='))?.split('=')[1];
  return mode === undefined || mode === 'throw' || mode === 'strict';
}

async function boundedFlush(shutdown: () => Promise<void>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), timeoutMs);
    timer.unref();
  });
  try {
    const outcome = await Promise.race([shutdown().then(() => 'done' as const), timedOut]);
    if (outcome === 'done') return true;
    diag.warn(
      `otel-genai: telemetry could not be delivered within ${timeoutMs} ms of exit (${EXIT_FLUSH_TIMEOUT_ENV}); the rest is dropped`,
    );
    return false;
  } catch (problem) {
    diag.warn('otel-genai: telemetry could not be delivered at exit', problem);
    return true;
  } finally {
    clearTimeout(timer);
  }
}
