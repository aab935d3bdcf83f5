// `npm run demo`: replays the bundled fixtures on 127.0.0.1 and runs the example agent, unmodified,
// under `node --import ./register.mjs`, printing its trace as a tree. No API key, no network.
//
// Record mode: `OTEL_GENAI_RECORD=fixtures/recorded ANTHROPIC_API_KEY=… npm run demo` sends every
// request that no fixture in that folder answers to the live API with your key, and writes what
// came back there as new fixtures, credentials scrubbed.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startReplayServer } from '../dist/testing/replay-server.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const app = process.argv[2] ?? join(root, 'examples', 'weather-agent.mjs');
const recordDir = process.env.OTEL_GENAI_RECORD;
if (recordDir) mkdirSync(recordDir, { recursive: true });
const server = await startReplayServer(
  recordDir ? { fixtures: recordDir, record: { dir: recordDir } } : { fixtures: join(root, 'fixtures'), delayScale: 0.25 },
);
// An app that sets up its own NodeSDK (nodesdk-app.cjs) runs without register.mjs.
const preload = app.endsWith('nodesdk-app.cjs') ? [] : ['--import', join(root, 'register.mjs')];
const child = spawn(process.execPath, [...preload, app], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    ANTHROPIC_API_KEY: recordDir ? process.env.ANTHROPIC_API_KEY : 'demo-key-not-a-secret',
    ANTHROPIC_BASE_URL: server.url,
    OPENAI_API_KEY: recordDir ? process.env.OPENAI_API_KEY : 'demo-key-not-a-secret',
    OPENAI_BASE_URL: `${server.url}/v1`,
    GEMINI_API_KEY: recordDir ? process.env.GEMINI_API_KEY : 'demo-key-not-a-secret',
    GOOGLE_GEMINI_BASE_URL: server.url,
    OTEL_SERVICE_NAME: 'otel-genai-demo',
    // The tree is register.mjs's; an app's own NodeSDK knows the standard exporters only.
    OTEL_TRACES_EXPORTER: process.env.OTEL_TRACES_EXPORTER ?? (preload.length > 0 ? 'genai-tree' : 'console'),
    OTEL_METRICS_EXPORTER: process.env.OTEL_METRICS_EXPORTER ?? 'none',
    OTEL_LOGS_EXPORTER: process.env.OTEL_LOGS_EXPORTER ?? 'none',
  },
});
const code = await new Promise((resolve) => child.on('exit', (exitCode) => resolve(exitCode ?? 1)));
await server.close();
process.exitCode = code;
