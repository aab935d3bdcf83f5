// The start-up workload's environment and registers, shared by run.mjs (wall time) and
// instructions.mjs (instructions under callgrind).
import { join } from 'node:path';

/** What every start-up process gets: the OTLP trace exporter configured, nothing else exported. */
export const STARTUP_ENV = {
  OTEL_SERVICE_NAME: 'otel-genai-bench',
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
  OTEL_METRICS_EXPORTER: 'none',
  OTEL_LOGS_EXPORTER: 'none',
  // Cloud detectors would query metadata endpoints: local detectors only, for every contender.
  OTEL_NODE_RESOURCE_DETECTORS: 'env,host,os,process',
};

export const IMPORT_SDK = ['--input-type=module', '-e', "await import('@anthropic-ai/sdk')"];

/**
 * `node [--import REGISTER] -e "await import('@anthropic-ai/sdk')"` for each register, run from the
 * deps folder; the peers' registers only where the bench's own install has them.
 */
export function startupCases({ bench, ours, peers }) {
  const cases = [
    { key: 'bare', name: 'bare', contender: 'bare', argv: [...IMPORT_SDK] },
    {
      key: 'provider-only',
      name: 'provider-only',
      contender: 'floor',
      argv: ['--import', join(bench, 'registers', 'provider-only.mjs'), ...IMPORT_SDK],
    },
    {
      key: 'nodesdk-only',
      name: 'nodesdk-only',
      contender: 'floor',
      argv: ['--import', join(bench, 'registers', 'nodesdk-only.mjs'), ...IMPORT_SDK],
    },
    { key: 'ours', name: 'ours', contender: 'ours', argv: ['--import', join(ours, 'register.mjs'), ...IMPORT_SDK] },
    // import-in-the-middle's loader hook (on Node 20 on Node's hooks thread, on Node 22 in-thread) instead of patching the SDK in place.
    {
      key: 'ours-hook',
      name: 'ours, OTEL_GENAI_ESM_LOADER_HOOK=true',
      contender: 'ours',
      argv: ['--import', join(ours, 'register.mjs'), ...IMPORT_SDK],
      env: { OTEL_GENAI_ESM_LOADER_HOOK: 'true' },
    },
  ];
  if (peers) {
    for (const peer of ['otel', 'arize', 'traceloop']) {
      cases.push({
        key: peer,
        name: `${peer} (peer register)`,
        contender: peer,
        argv: ['--import', join(bench, 'registers', 'peer.mjs'), ...IMPORT_SDK],
        env: { BENCH_PEER: peer },
      });
    }
    cases.push({
      key: 'auto',
      name: 'auto-instrumentations-node',
      contender: 'auto',
      argv: ['--import', '@opentelemetry/auto-instrumentations-node/register', ...IMPORT_SDK],
    });
    // What its docs add for ESM apps: the loader hook for every module.
    cases.push({
      key: 'auto-esm',
      name: 'auto-instrumentations-node + ESM hook',
      contender: 'auto',
      argv: [
        '--experimental-loader=@opentelemetry/instrumentation/hook.mjs',
        '--import',
        '@opentelemetry/auto-instrumentations-node/register',
        ...IMPORT_SDK,
      ],
    });
  }
  return cases;
}
