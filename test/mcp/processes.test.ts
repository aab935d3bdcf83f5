/**
 * MCP across processes, zero-code on both sides: agents whose tools live on an MCP server in
 * another process, both started with `node --import ./register.mjs`, each exporting OTLP/JSON to
 * one receiver; the spans of both processes make one trace. Over stdio (the server a child process
 * of the agent, ES modules on both sides, with both ES module strategies of the register) and
 * streamable HTTP on 127.0.0.1 (CommonJS on both sides).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ReceivedSpan } from '../helpers/otlp-receiver';
import { replayAndReceiver } from '../helpers/replay-and-receiver';
import { prepatchEnv, REGISTER, ROOT, runApp } from '../helpers/run-app';

const APPS = join(__dirname, '..', 'apps');
const backends = replayAndReceiver(0);

/** The API's SpanKind values (OTLP's, less one). */
const INTERNAL = 0;
const SERVER = 1;
const CLIENT = 2;

interface Node {
  name: string;
  kind: number;
  service: unknown;
  attributes: Record<string, unknown>;
  children: Node[];
}

/** The received spans of one trace as a tree (children in the order the receiver got them, then by name). */
function treeOf(traceId: string, keep: readonly string[]): Node[] {
  const spans = backends.receiver.spans.filter((span) => span.traceId === traceId);
  const node = (span: ReceivedSpan): Node => ({
    name: span.name,
    kind: span.kind - 1,
    service: span.resource['service.name'],
    attributes: Object.fromEntries(keep.filter((key) => span.attributes[key] !== undefined).map((key) => [key, span.attributes[key]])),
    children: spans
      .filter((child) => child.parentSpanId === span.spanId)
      .map(node)
      .sort((a, b) => a.name.localeCompare(b.name)),
  });
  return spans.filter((span) => span.parentSpanId === undefined || !spans.some((other) => other.spanId === span.parentSpanId)).map(node);
}

const only = (predicate: (span: ReceivedSpan) => boolean) => {
  const found = backends.receiver.spans.filter(predicate);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('stdio: an Anthropic tool runner agent and its MCP server as a child process', () => {
  for (const [strategy, esmEnv] of [
    ['ES modules patched as they are imported (Node with synchronous module hooks)', {}],
    ['ES modules patched up front (Node 22.15–22.22.2, OTEL_GENAI_ESM_LOADER_HOOK=false)', prepatchEnv()],
    ["import-in-the-middle's loader hook (OTEL_GENAI_ESM_LOADER_HOOK=true)", { OTEL_GENAI_ESM_LOADER_HOOK: 'true' }],
  ] as const) {
    it(`one trace from invoke_agent through execute_tool into the server's own work: ${strategy}`, async () => {
      const env = {
        ...backends.env(),
        ...esmEnv,
        OTEL_SERVICE_NAME: 'weather-agent',
        OTEL_METRICS_EXPORTER: 'otlp',
        MCP_SERVER_ARGS: JSON.stringify(['--import', REGISTER, join(APPS, 'mcp-weather-server.mjs')]),
        MCP_SERVER_ENV: JSON.stringify({ OTEL_SERVICE_NAME: 'weather-mcp', MCP_SERVER_ASKS_MODEL: '1' }),
      };
      const run = await runApp(join(APPS, 'mcp-agent-stdio.mjs'), { env, register: true });
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toEqual({ text: "It's sunny in Lisbon right now, at about 19 °C." });

      const agent = only((span) => span.name === 'invoke_agent');
      const keep = ['gen_ai.tool.call.id', 'mcp.method.name', 'network.transport', 'mcp.protocol.version', 'error.type'];
      expect(treeOf(agent.traceId, keep)).toEqual([
        {
          name: 'invoke_agent',
          kind: INTERNAL,
          service: 'weather-agent',
          attributes: {},
          children: [
            { name: 'chat claude-sonnet-5-5', kind: CLIENT, service: 'weather-agent', attributes: {}, children: [] },
            { name: 'chat claude-sonnet-5-5', kind: CLIENT, service: 'weather-agent', attributes: {}, children: [] },
            {
              // The runner's execute_tool span is the tool call: the MCP attributes join it, no second span.
              name: 'execute_tool get_weather',
              kind: INTERNAL,
              service: 'weather-agent',
              attributes: {
                'gen_ai.tool.call.id': 'toolu_01qZru8cdgXwJyMEbVaFvDsj',
                'mcp.method.name': 'tools/call',
                'network.transport': 'pipe',
                'mcp.protocol.version': '2025-11-25',
              },
              children: [
                {
                  name: 'tools/call get_weather',
                  kind: SERVER,
                  service: 'weather-mcp',
                  attributes: { 'mcp.method.name': 'tools/call', 'network.transport': 'pipe', 'mcp.protocol.version': '2025-11-25' },
                  // The server's own work: its model call, made while its handler ran.
                  children: [{ name: 'chat claude-sonnet-5-5', kind: CLIENT, service: 'weather-mcp', attributes: {}, children: [] }],
                },
              ],
            },
          ],
        },
      ]);
      // initialize and tools/list, before the run: each its own trace, across the two processes too.
      for (const method of ['initialize', 'tools/list']) {
        const sent = only((span) => span.name === method && span.kind - 1 === CLIENT);
        const handled = only((span) => span.name === method && span.kind - 1 === SERVER);
        expect([handled.traceId, handled.parentSpanId]).toEqual([sent.traceId, sent.spanId]);
        expect(handled.resource['service.name']).toBe('weather-mcp');
      }
      expect(backends.receiver.spans.filter((span) => span.attributes['otel_genai.tool.inferred'] === true)).toEqual([]);
      // Both processes' MCP metrics, sessions included (the server's ends with its stdin).
      expect([...backends.receiver.metrics.keys()].filter((name) => name.startsWith('mcp.')).sort()).toEqual([
        'mcp.client.operation.duration',
        'mcp.client.session.duration',
        'mcp.server.operation.duration',
        'mcp.server.session.duration',
      ]);
    });
  }
});

describe('streamable HTTP: a hand-written OpenAI loop and an MCP server on 127.0.0.1, CommonJS on both sides', () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGTERM');
  });

  /** Starts the HTTP server app under the register; resolves with its URL. */
  function startServer(env: Record<string, string>): Promise<string> {
    server = spawn(process.execPath, ['--import', REGISTER, join(APPS, 'mcp-weather-http.cjs')], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    return new Promise((resolve, reject) => {
      server!.stdout!.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8').trim()));
      server!.once('exit', (code) => reject(new Error(`the MCP server exited with ${code}`)));
    });
  }

  function stopServer(): Promise<void> {
    return new Promise((resolve) => {
      server!.once('exit', () => resolve());
      server!.kill('SIGTERM');
    });
  }

  it('one trace: the MCP client spans are the execute_tool spans, with the model call ids; no inferred span; the sessions match', async () => {
    const env = backends.env();
    const url = await startServer({ ...env, OTEL_SERVICE_NAME: 'weather-mcp' });
    const run = await runApp(join(APPS, 'mcp-agent-http.cjs'), {
      env: { ...env, OTEL_SERVICE_NAME: 'weather-agent', MCP_URL: url },
      register: true,
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ text: "It's 18 °C in both Paris and London right now." });
    // The server exports what it has when it ends (SIGTERM: the register flushes, then the signal ends it).
    await stopServer();

    const agent = only((span) => span.name === 'invoke_agent weather-agent');
    const keep = ['gen_ai.operation.name', 'gen_ai.tool.call.id', 'network.transport', 'network.protocol.name', 'server.address'];
    const call = (id: string) => ({
      name: 'tools/call get_weather',
      kind: CLIENT,
      service: 'weather-agent',
      attributes: {
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.call.id': id,
        'network.transport': 'tcp',
        'network.protocol.name': 'http',
        'server.address': '127.0.0.1',
      },
      children: [
        {
          name: 'tools/call get_weather',
          kind: SERVER,
          service: 'weather-mcp',
          attributes: { 'gen_ai.operation.name': 'execute_tool', 'network.transport': 'tcp', 'network.protocol.name': 'http' },
          children: [],
        },
      ],
    });
    const [tree] = treeOf(agent.traceId, keep);
    expect(tree.children.map((child) => child.name)).toEqual([
      'chat gpt-4o-mini',
      'chat gpt-4o-mini',
      'tools/call get_weather',
      'tools/call get_weather',
    ]);
    const calls = tree.children.filter((child) => child.name === 'tools/call get_weather');
    expect(
      calls.sort((a, b) => String(a.attributes['gen_ai.tool.call.id']).localeCompare(String(b.attributes['gen_ai.tool.call.id']))),
    ).toEqual([call('call_2syLe4iVWPM1EuaRQS9PYAa6'), call('call_towiSyY2E2cNJtAdJGZDwU25')]);
    expect(agent.attributes['otel_genai.agent.tool_calls']).toBe(2);
    expect(backends.receiver.spans.filter((span) => span.attributes['otel_genai.tool.inferred'] === true)).toEqual([]);
    // One session id, the transport's, on every request after initialize, on both sides.
    const sessionIds = new Set(
      backends.receiver.spans.filter((span) => span.name.startsWith('tools/')).map((span) => span.attributes['mcp.session.id']),
    );
    expect(sessionIds.size).toBe(1);
    expect([...sessionIds][0]).toMatch(/^[0-9a-f-]{36}$/);
    const sent = backends.receiver.spans.find((span) => span.name === 'tools/call get_weather' && span.kind - 1 === CLIENT);
    expect(sent?.attributes['server.port']).toBe(Number(new URL(url).port));
  });
});
