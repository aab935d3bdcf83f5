/**
 * Which logger provider our log records reach: OpenTelemetry JS 3 apps (NodeSDK 3) register theirs
 * through `@opentelemetry/api` 1.10's `logs`, apps set up by hand often through
 * `@opentelemetry/api-logs`, whose global is another one. Records go to the API's provider, else
 * to api-logs', never to both; an instrumentation handed a provider of its own keeps to it.
 */
import { logs } from '@opentelemetry/api';
import { logs as apiLogs } from '@opentelemetry/api-logs';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, runTool } from '../../src';
import { registerGlobalLoggerProvider } from '../../src/logs';
import { anthropicOverReplay, PROMPTS } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

setupTracing();
const instrumentation = new AnthropicInstrumentation();
const replay = anthropicOverReplay(0);

function inMemoryProvider() {
  const exporter = new InMemoryLogRecordExporter();
  return { exporter, provider: new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] }) };
}

const names = (exporter: InMemoryLogRecordExporter) => exporter.getFinishedLogRecords().map((record) => record.eventName);

/** A tool failure and a model call failure, each recorded as a log record (OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN=logs). */
async function twoFailures(): Promise<void> {
  await runTool({ name: 'convert_currency' }, () => Promise.reject(new TypeError('rate service down'))).catch(() => undefined);
  await replay.client.messages
    .create({ model: 'claude-sonnet-5-5', max_tokens: 10, messages: [{ role: 'user', content: PROMPTS.error429 }] })
    .catch(() => undefined);
  await settle();
}

const BOTH = ['gen_ai.execute_tool.exception', 'gen_ai.client.inference.exception'];

beforeEach(() => {
  process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN = 'logs';
  replay.server.reset();
});
afterEach(() => {
  delete process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN;
  logs.disable();
  apiLogs.disable();
});
afterAll(() => instrumentation.disable());

describe('log records', () => {
  it('reach a provider registered through @opentelemetry/api (as NodeSDK 3 does), handed over by registerInstrumentations', async () => {
    const app = inMemoryProvider();
    logs.setGlobalLoggerProvider(app.provider);
    registerInstrumentations({ instrumentations: [instrumentation] });
    await twoFailures();
    expect(names(app.exporter)).toEqual(BOTH);
  });

  it('reach a provider registered through @opentelemetry/api-logs', async () => {
    const app = inMemoryProvider();
    apiLogs.setGlobalLoggerProvider(app.provider as unknown as Parameters<typeof apiLogs.setGlobalLoggerProvider>[0]);
    registerInstrumentations({ instrumentations: [instrumentation] });
    await twoFailures();
    expect(names(app.exporter)).toEqual(BOTH);
  });

  it('go to the API provider only when both APIs have one', async () => {
    const viaAPI = inMemoryProvider();
    const viaAPILogs = inMemoryProvider();
    logs.setGlobalLoggerProvider(viaAPI.provider);
    apiLogs.setGlobalLoggerProvider(viaAPILogs.provider as unknown as Parameters<typeof apiLogs.setGlobalLoggerProvider>[0]);
    registerInstrumentations({ instrumentations: [instrumentation] });
    await twoFailures();
    expect(names(viaAPI.exporter)).toEqual(BOTH);
    expect(names(viaAPILogs.exporter)).toEqual([]);
  });

  it('follow the global provider as the app replaces it', async () => {
    registerInstrumentations({ instrumentations: [instrumentation] });
    const first = inMemoryProvider();
    apiLogs.setGlobalLoggerProvider(first.provider as unknown as Parameters<typeof apiLogs.setGlobalLoggerProvider>[0]);
    await twoFailures();
    apiLogs.disable();
    const second = inMemoryProvider();
    logs.setGlobalLoggerProvider(second.provider);
    await twoFailures();
    expect(names(first.exporter)).toEqual(BOTH);
    expect(names(second.exporter)).toEqual(BOTH);
  });

  it("keep to a provider the instrumentation was given; the global one still gets the tool's", async () => {
    const global = inMemoryProvider();
    const own = inMemoryProvider();
    logs.setGlobalLoggerProvider(global.provider);
    instrumentation.setLoggerProvider(own.provider);
    await twoFailures();
    // Tool spans are not any instrumentation's: they go to the global providers.
    expect(names(global.exporter)).toEqual(['gen_ai.execute_tool.exception']);
    expect(names(own.exporter)).toEqual(['gen_ai.client.inference.exception']);
  });

  it("register's registration sets both APIs' globals, so the app's records through either are exported", () => {
    const app = inMemoryProvider();
    expect(registerGlobalLoggerProvider(app.provider)).toBe(true);
    logs.getLogger('app').emit({ body: 'through @opentelemetry/api' });
    apiLogs.getLogger('app').emit({ body: 'through @opentelemetry/api-logs' });
    expect(app.exporter.getFinishedLogRecords().map((record) => record.body)).toEqual([
      'through @opentelemetry/api',
      'through @opentelemetry/api-logs',
    ]);
  });
});
