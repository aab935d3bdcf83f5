/**
 * MCP in one process (the SDK's in-memory transport): the client and server spans, the trace
 * context carried in `params._meta`, errors, `isError`, timeouts, cancellations and a closed
 * transport, content capture, one `execute_tool` span per tool call beside the GenAI tool spans,
 * the metrics, and an app that is never broken. Cross-process runs (stdio, HTTP) are in
 * mcp-processes.test.ts.
 */
import { context, metrics, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { TextMapPropagator, Tracer, TracerProvider } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { withAgent } from '../../src/agent';
import { AnthropicInstrumentation } from '../../src/anthropic/instrumentation';
import { McpInstrumentation } from '../../src/mcp/instrumentation';
import { OpenAIInstrumentation } from '../../src/openai/instrumentation';
import { runTool, toolCallLedger } from '../../src/tools';
import type { ReplayServer } from '../../src/testing/replay-server';
import { connectInMemory, loadMcp, weatherServer, weatherText } from '../helpers/mcp';
import { PROMPTS, startFixtureServer, WEATHER_TOOLS, weatherToolRunner } from '../helpers/replay';
import { captureDiag, settle, setupTracing } from '../helpers/tracing';

class Reader extends MetricReader {
  protected async onShutdown(): Promise<void> {}
  protected async onForceFlush(): Promise<void> {}
}

const diagLines = captureDiag();
const tracing = setupTracing();
const instrumentation = new McpInstrumentation();
instrumentation.setTracerProvider(tracing.provider);
for (const each of [new AnthropicInstrumentation(), new OpenAIInstrumentation()]) each.setTracerProvider(tracing.provider);
const mcp = loadMcp();
const Anthropic = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;

let replay: ReplayServer;
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixture-shaped requests
let anthropic: any;
beforeAll(async () => {
  replay = await startFixtureServer(0);
  anthropic = new Anthropic({ apiKey: 'test-key', baseURL: replay.url, maxRetries: 0 });
});
afterAll(() => replay.close());
beforeEach(() => {
  tracing.exporter.reset();
  replay.reset();
  diagLines.length = 0;
});
// Every span ends exactly once: the SDK warns about any operation on an ended span.
afterEach(() => expect(diagLines.filter((line) => line.includes('ended Span'))).toEqual([]));

const MODEL = 'claude-sonnet-5-5';
const mcpSpans = () => tracing.spans().filter((span) => span.attributes['mcp.method.name'] !== undefined);
const named = (name: string, kind?: SpanKind) =>
  tracing.spans().filter((span) => span.name === name && (kind === undefined || span.kind === kind));
const only = (name: string, kind: SpanKind) => {
  const found = named(name, kind);
  expect(found, `${name} (${SpanKind[kind]})`).toHaveLength(1);
  return found[0];
};
const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe('client and server spans', () => {
  it('one CLIENT span per request or notification sent, one SERVER span per one handled, the server span a child of the client span', async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    await client.listTools();
    const result = await client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
    expect(result.content).toEqual([{ type: 'text', text: weatherText('Paris') }]);
    await client.close();
    await settle();

    expect(
      mcpSpans()
        .map((span) => `${span.name} ${SpanKind[span.kind]}`)
        .sort(),
    ).toEqual([
      'initialize CLIENT',
      'initialize SERVER',
      'notifications/initialized CLIENT',
      'notifications/initialized SERVER',
      'tools/call get_weather CLIENT',
      'tools/call get_weather SERVER',
      'tools/list CLIENT',
      'tools/list SERVER',
    ]);
    for (const name of ['initialize', 'notifications/initialized', 'tools/list', 'tools/call get_weather']) {
      const sent = only(name, SpanKind.CLIENT);
      const handled = only(name, SpanKind.SERVER);
      expect(parentOf(handled)).toBe(idOf(sent));
      expect(handled.spanContext().traceId).toBe(sent.spanContext().traceId);
      expect(handled.attributes['jsonrpc.request.id']).toBe(sent.attributes['jsonrpc.request.id']);
    }
    // A notification has no JSON-RPC id and no result.
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      expect(only('notifications/initialized', kind).attributes).toEqual({
        'mcp.method.name': 'notifications/initialized',
        'mcp.protocol.version': '2025-11-25',
      });
      expect(only('notifications/initialized', kind).status.code).toBe(SpanStatusCode.UNSET);
    }
    const sent = only('tools/call get_weather', SpanKind.CLIENT);
    expect(sent.attributes).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'jsonrpc.request.id': '2',
      'mcp.protocol.version': '2025-11-25',
      'otel_genai.tool.arguments_fingerprint': expect.any(String),
    });
    expect(sent.status.code).toBe(SpanStatusCode.UNSET);
    expect(only('tools/call get_weather', SpanKind.SERVER).attributes).toEqual({
      'mcp.method.name': 'tools/call',
      'gen_ai.operation.name': 'execute_tool',
      'gen_ai.tool.name': 'get_weather',
      'jsonrpc.request.id': '2',
      'mcp.protocol.version': '2025-11-25',
    });
    // The protocol version is learned from initialize, on both sides, for its own span too.
    expect(only('initialize', SpanKind.CLIENT).attributes).toMatchObject({
      'jsonrpc.request.id': '0',
      'mcp.protocol.version': '2025-11-25',
    });
    expect(only('tools/list', SpanKind.CLIENT).attributes['gen_ai.operation.name']).toBeUndefined();
  });

  it("puts the trace context in params._meta on a copy: the caller's objects are unchanged, its own _meta keys arrive too", async () => {
    let received: Record<string, unknown> | undefined;
    const client = await connectInMemory(
      mcp,
      weatherServer(mcp, (_location, extra) => (received = extra._meta)),
    );
    const meta = Object.freeze({ 'example.com/request': 'r-1' });
    const args = Object.freeze({ location: 'Paris' });
    const params = Object.freeze({ name: 'get_weather', arguments: args, _meta: meta });
    await client.callTool(params);
    expect(params).toEqual({ name: 'get_weather', arguments: { location: 'Paris' }, _meta: { 'example.com/request': 'r-1' } });
    const sent = only('tools/call get_weather', SpanKind.CLIENT);
    expect(received).toEqual({ 'example.com/request': 'r-1', traceparent: `00-${sent.spanContext().traceId}-${idOf(sent)}-01` });
    await client.close();
  });

  it('parents the server span on params._meta, not on the context the transport delivers the message in, and links that one', async () => {
    // The in-memory transport delivers in the sender's context; a request sent from outside any span
    // but carrying a traceparent of another trace: the server span joins that trace, and links the ambient span.
    const server = weatherServer(mcp);
    const client = await connectInMemory(mcp, server);
    const remote = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const w3c = new W3CTraceContextPropagator();
    const ambient = trace.getTracer('app').startSpan('ambient');
    await context.with(trace.setSpan(context.active(), ambient), () =>
      // Straight through Protocol.request with the propagator switched off, so that only the caller's traceparent travels.
      withPropagator({ inject: () => {}, extract: (ctx, carrier, getter) => w3c.extract(ctx, carrier, getter), fields: () => [] }, () =>
        client.callTool({ name: 'get_weather', arguments: { location: 'Paris' }, _meta: { traceparent: remote } }),
      ),
    );
    ambient.end();
    const handled = only('tools/call get_weather', SpanKind.SERVER);
    expect(handled.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(parentOf(handled)).toBe('b7ad6b7169203331');
    expect(handled.links.map((link) => link.context.spanId)).toEqual([idOf(only('tools/call get_weather', SpanKind.CLIENT))]);
    await client.close();
  });

  it("runs the handler with the server span active: the server's own work (a span of its own, a model call) is its child", async () => {
    const server = weatherServer(mcp, async () => {
      trace.getTracer('app').startActiveSpan('db.query', (span) => span.end());
      await anthropic.messages.create({ model: MODEL, max_tokens: 100, messages: [{ role: 'user', content: PROMPTS.text }] });
    });
    const client = await connectInMemory(mcp, server);
    await client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
    await settle();
    const handled = only('tools/call get_weather', SpanKind.SERVER);
    expect(parentOf(only('db.query', SpanKind.INTERNAL))).toBe(idOf(handled));
    expect(parentOf(only(`chat ${MODEL}`, SpanKind.CLIENT))).toBe(idOf(handled));
    await client.close();
  });

  it("a request the server sends its client (sampling) is a CLIENT span in the server and a SERVER span in the client, in the tool call's trace", async () => {
    const server = new mcp.McpServer({ name: 'summariser', version: '1.0.0' });
    server.registerTool('summarise', { description: 'Summarise', inputSchema: {} }, async () => {
      const reply = await server.server.createMessage({
        messages: [{ role: 'user', content: { type: 'text', text: 'Summarise' } }],
        maxTokens: 10,
      });
      return { content: [reply.content as { type: 'text'; text: string }] };
    });
    const [clientTransport, serverTransport] = mcp.InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const client = new mcp.Client({ name: 'agent', version: '1.0.0' }, { capabilities: { sampling: {} } });
    client.setRequestHandler(mcp.types.CreateMessageRequestSchema, async () => ({
      role: 'assistant',
      content: { type: 'text', text: 'short' },
      model: 'm',
    }));
    await client.connect(clientTransport);
    await client.callTool({ name: 'summarise', arguments: {} });
    expectChain('tools/call summarise', 'sampling/createMessage');
    await client.close();
  });

  it("a notification the server sends while handling a tool call (progress) is a CLIENT span in the server and a SERVER span in the client, in the tool call's trace", async () => {
    const server = new mcp.McpServer({ name: 'slow', version: '1.0.0' });
    server.registerTool('slow_sum', { description: 'Sums slowly', inputSchema: {} }, async (_args, extra) => {
      const progressToken = (extra as { _meta?: { progressToken?: string | number } })._meta?.progressToken;
      if (progressToken !== undefined)
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: 1, total: 2 } });
      return { content: [{ type: 'text', text: '3' }] };
    });
    const client = await connectInMemory(mcp, server);
    const progress: number[] = [];
    await client.callTool({ name: 'slow_sum', arguments: {} }, undefined, { onprogress: ({ progress: done }) => progress.push(done) });
    await settle();
    expect(progress).toEqual([1]);
    expectChain('tools/call slow_sum', 'notifications/progress');
    await client.close();
  });
});

/** One get_weather call (Paris) over a client connected for it alone, closed after. */
async function callWeatherOnce(): Promise<void> {
  const client = await connectInMemory(mcp, weatherServer(mcp));
  await client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
  await client.close();
}

/** The kinds of the spans named `name`, sorted. */
const kindsOf = (name: string) =>
  named(name)
    .map((span) => SpanKind[span.kind])
    .sort();

/**
 * That the spans of `names`, each as a CLIENT span then a SERVER span, make one chain: each span the
 * parent of the next.
 */
function expectChain(...names: string[]): void {
  const chain = names.flatMap((name) => [only(name, SpanKind.CLIENT), only(name, SpanKind.SERVER)]);
  for (let index = 1; index < chain.length; index++) expect(parentOf(chain[index])).toBe(idOf(chain[index - 1]));
}

/** Runs `fn` with `propagator` as the global propagator, the previous one put back after. */
async function withPropagator<T>(propagator: TextMapPropagator, fn: () => Promise<T>): Promise<T> {
  const previous = (propagation as unknown as { _getGlobalPropagator(): TextMapPropagator })._getGlobalPropagator();
  propagation.disable();
  propagation.setGlobalPropagator(propagator);
  try {
    return await fn();
  } finally {
    propagation.disable();
    propagation.setGlobalPropagator(previous);
  }
}

describe('errors, isError, timeouts, cancellations, a closed transport', () => {
  /** A low-level Server whose tools/call handler is `handler`. */
  async function lowLevel(handler: () => unknown) {
    const server = new mcp.Server({ name: 'low', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(mcp.types.CallToolRequestSchema, handler as never);
    return connectInMemory(mcp, server);
  }

  it("a JSON-RPC error: error.type and rpc.response.status_code are its code on both sides; the app gets the SDK's McpError", async () => {
    const client = await lowLevel(() => {
      throw new mcp.types.McpError(mcp.types.ErrorCode.InvalidParams, 'location must be a city, got "my home address"');
    });
    const error = await client.callTool({ name: 'get_weather', arguments: {} }).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(mcp.types.McpError);
    expect((error as { code: number }).code).toBe(-32602);
    await settle();
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const span = only('tools/call get_weather', kind);
      expect(span.attributes).toMatchObject({ 'error.type': '-32602', 'rpc.response.status_code': '-32602' });
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      // Content capture is off: the message, which may quote the request, is not recorded.
      expect(JSON.stringify([span.status, span.events])).not.toContain('home address');
    }
    await client.close();
  });

  it('a handler that throws another error: -32603, as the SDK answers', async () => {
    const client = await lowLevel(() => {
      throw new TypeError('boom');
    });
    await expect(client.callTool({ name: 'get_weather', arguments: {} })).rejects.toMatchObject({ code: -32603 });
    await settle();
    expect(only('tools/call get_weather', SpanKind.SERVER).attributes).toMatchObject({
      'error.type': '-32603',
      'rpc.response.status_code': '-32603',
    });
    expect(only('tools/call get_weather', SpanKind.SERVER).events.map((event) => event.attributes?.['exception.type'])).toEqual([
      'TypeError',
    ]);
    expect(only('tools/call get_weather', SpanKind.CLIENT).attributes['error.type']).toBe('-32603');
  });

  it('a tool that throws: the SDK answers isError, tool_error on both sides, the exception on the server span', async () => {
    const client = await connectInMemory(
      mcp,
      weatherServer(mcp, () => {
        throw new RangeError('sensor offline at 12 Rua Augusta');
      }),
    );
    const result = await client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
    expect(result).toEqual({ content: [{ type: 'text', text: 'sensor offline at 12 Rua Augusta' }], isError: true });
    await settle();
    for (const kind of [SpanKind.CLIENT, SpanKind.SERVER]) {
      const span = only('tools/call get_weather', kind);
      expect(span.attributes['error.type']).toBe('tool_error');
      expect(span.attributes['rpc.response.status_code']).toBeUndefined();
      expect(span.status).toEqual({ code: SpanStatusCode.ERROR, message: 'tool_error' });
    }
    const handled = only('tools/call get_weather', SpanKind.SERVER);
    expect(handled.events.map((event) => [event.name, event.attributes?.['exception.type']])).toEqual([['exception', 'RangeError']]);
    expect(JSON.stringify(handled.events)).not.toContain('Rua Augusta');
    await client.close();
  });

  it('a tool that returns isError itself', async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    const result = await client.callTool({ name: 'get_weather', arguments: { location: 'Atlantis' } });
    expect(result.isError).toBe(true);
    await settle();
    expect(
      mcpSpans()
        .filter((span) => span.attributes['error.type'] === 'tool_error')
        .map((span) => SpanKind[span.kind])
        .sort(),
    ).toEqual(['CLIENT', 'SERVER']);
    expect(only('tools/call get_weather', SpanKind.SERVER).events).toEqual([]);
    await client.close();
  });

  /** A server whose tool waits until its request is aborted; `aborted` resolves then. */
  function waitingServer() {
    let aborted!: () => void;
    const abortedPromise = new Promise<void>((resolve) => (aborted = resolve));
    const server = weatherServer(
      mcp,
      (_location, extra) => new Promise<void>((resolve) => extra.signal.addEventListener('abort', () => (resolve(), aborted()))),
    );
    return { server, aborted: abortedPromise };
  }

  it('a timeout: timeout on the client (no response came), cancelled on the server (notifications/cancelled); each span ends once', async () => {
    const { server, aborted } = waitingServer();
    const client = await connectInMemory(mcp, server);
    await expect(
      client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } }, undefined, { timeout: 30 }),
    ).rejects.toMatchObject({ code: -32001 });
    await aborted;
    await settle(50);
    expect(only('tools/call get_weather', SpanKind.CLIENT).attributes).toMatchObject({ 'error.type': 'timeout' });
    expect(only('tools/call get_weather', SpanKind.CLIENT).attributes['rpc.response.status_code']).toBeUndefined();
    expect(only('tools/call get_weather', SpanKind.SERVER).attributes).toMatchObject({ 'error.type': 'cancelled' });
    await client.close();
  });

  it("the caller's AbortSignal: cancelled on both sides", async () => {
    const { server, aborted } = waitingServer();
    const client = await connectInMemory(mcp, server);
    const controller = new AbortController();
    const call = client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } }, undefined, { signal: controller.signal });
    setTimeout(() => controller.abort(), 10);
    await expect(call).rejects.toBeDefined();
    await aborted;
    await settle(50);
    expect(only('tools/call get_weather', SpanKind.CLIENT).attributes['error.type']).toBe('cancelled');
    expect(only('tools/call get_weather', SpanKind.SERVER).attributes['error.type']).toBe('cancelled');
    await client.close();
  });

  it('the transport closes while a call is in flight: connection_closed on the client, cancelled on the server', async () => {
    const { server, aborted } = waitingServer();
    const client = await connectInMemory(mcp, server);
    const call = client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
    setTimeout(() => void client.close(), 10);
    await expect(call).rejects.toMatchObject({ code: -32000 });
    await aborted;
    await settle(50);
    expect(only('tools/call get_weather', SpanKind.CLIENT).attributes['error.type']).toBe('connection_closed');
    expect(only('tools/call get_weather', SpanKind.SERVER).attributes['error.type']).toBe('cancelled');
  });

  it('a request that fails before it is sent (not connected): the app gets the error, the span ends with it', async () => {
    const client = new mcp.Client({ name: 'agent', version: '1.0.0' });
    await expect(client.listTools()).rejects.toThrow('Not connected');
    await settle();
    expect(only('tools/list', SpanKind.CLIENT).attributes).toEqual({ 'mcp.method.name': 'tools/list', 'error.type': 'Error' });
  });
});

describe('content capture', () => {
  it('off by default: no arguments or results on either side', async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    await client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
    await settle();
    for (const span of named('tools/call get_weather')) {
      expect(span.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
      expect(span.attributes['gen_ai.tool.call.result']).toBeUndefined();
    }
    await client.close();
  });

  it('on: the arguments and the result (without _meta) on both sides, through the redact hook; an isError text as the status', async () => {
    instrumentation.setConfig({
      captureMessageContent: true,
      redact: (part) => (part.type === 'arguments' ? { ...part, content: { location: '[city]' } } : part),
    });
    try {
      const client = await connectInMemory(mcp, weatherServer(mcp));
      await client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
      await client.callTool({ name: 'get_weather', arguments: { location: 'Atlantis' } });
      await settle();
      const [ok, failed] = named('tools/call get_weather', SpanKind.CLIENT);
      for (const span of named('tools/call get_weather'))
        expect(span.attributes['gen_ai.tool.call.arguments']).toBe('{"location":"[city]"}');
      const result = JSON.stringify({ content: [{ type: 'text', text: weatherText('Paris') }] });
      expect(ok.attributes['gen_ai.tool.call.result']).toBe(result);
      expect(named('tools/call get_weather', SpanKind.SERVER)[0].attributes['gen_ai.tool.call.result']).toBe(result);
      expect(failed.attributes['gen_ai.tool.call.result']).toBeUndefined();
      expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'No weather station in Atlantis' });
      await client.close();
    } finally {
      instrumentation.setConfig({});
    }
  });
});

describe('one execute_tool span per tool call', () => {
  const toolSpans = () =>
    tracing.spans().filter((span) => span.attributes['gen_ai.operation.name'] === 'execute_tool' && span.kind !== SpanKind.SERVER);

  it('inside runTool for the same tool: the MCP attributes go on its span, which the server span is a child of', async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    await runTool({ name: 'get_weather', callId: 'toolu_1', arguments: { location: 'Paris' } }, () =>
      client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } }),
    );
    await settle();
    expect(toolSpans().map((span) => `${span.name} ${SpanKind[span.kind]}`)).toEqual(['execute_tool get_weather INTERNAL']);
    const [tool] = toolSpans();
    expect(tool.attributes).toMatchObject({
      'gen_ai.tool.call.id': 'toolu_1',
      'mcp.method.name': 'tools/call',
      'jsonrpc.request.id': '1',
      'mcp.protocol.version': '2025-11-25',
    });
    expect(named('tools/call get_weather', SpanKind.CLIENT)).toEqual([]);
    expect(parentOf(only('tools/call get_weather', SpanKind.SERVER))).toBe(idOf(tool));
    await client.close();
  });

  it('an isError result marks the joined span tool_error', async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    await runTool({ name: 'get_weather' }, () => client.callTool({ name: 'get_weather', arguments: { location: 'Atlantis' } }));
    await settle();
    const [tool] = toolSpans();
    expect(tool.attributes['error.type']).toBe('tool_error');
    expect(tool.status.code).toBe(SpanStatusCode.ERROR);
    await client.close();
  });

  /** A connected weather client, once it has asked for Paris, then London, inside one runTool span named `tool`. */
  async function parisThenLondonInside(tool: string) {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    await runTool({ name: tool }, async () => {
      await client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
      await client.callTool({ name: 'get_weather', arguments: { location: 'London' } });
    });
    await settle();
    return client;
  }

  it("inside another tool's span (its implementation calls MCP): a plain MCP client span under it, not a second execute_tool", async () => {
    const client = await parisThenLondonInside('plan_trip');
    expect(toolSpans().map((span) => span.name)).toEqual(['execute_tool plan_trip']);
    const calls = named('tools/call get_weather', SpanKind.CLIENT);
    expect(calls).toHaveLength(2);
    for (const call of calls) {
      expect(parentOf(call)).toBe(idOf(toolSpans()[0]));
      expect(call.attributes['gen_ai.operation.name']).toBeUndefined();
      expect(call.attributes['gen_ai.tool.name']).toBe('get_weather');
    }
    await client.close();
  });

  it('a second MCP call inside the same tool span nests instead of joining it twice', async () => {
    const client = await parisThenLondonInside('get_weather');
    expect(toolSpans().map((span) => span.name)).toEqual(['execute_tool get_weather']);
    expect(named('tools/call get_weather', SpanKind.CLIENT).map((span) => span.attributes['gen_ai.operation.name'])).toEqual([undefined]);
    await client.close();
  });

  it("a hand-written loop: the MCP span takes the model's tool call id, no span is inferred, the run counts one tool call", async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    const text = await withAgent({ name: 'weather' }, () =>
      weatherLoop(async (call) => mcpText(await client.callTool({ name: call.name, arguments: call.input }))),
    );
    expect(text).toBe("It's sunny in Lisbon right now, at about 19 °C.");
    await settle();
    expect(
      toolSpans().map((span) => [
        span.name,
        SpanKind[span.kind],
        span.attributes['gen_ai.tool.call.id'],
        span.attributes['otel_genai.tool.inferred'],
      ]),
    ).toEqual([['tools/call get_weather', 'CLIENT', 'toolu_01qZru8cdgXwJyMEbVaFvDsj', undefined]]);
    const [run] = named('invoke_agent weather');
    expect(run.attributes['otel_genai.agent.tool_calls']).toBe(1);
    expect(parentOf(toolSpans()[0])).toBe(idOf(run));
    expect(toolCallLedger.peek?.('toolu_01qZru8cdgXwJyMEbVaFvDsj')).toBeUndefined();
    await client.close();
  });

  /** The Anthropic weather loop of the fixtures, each tool call run by `runCall`. */
  async function weatherLoop(
    runCall: (call: { id: string; name: string; input: Record<string, unknown> }) => Promise<string>,
  ): Promise<string> {
    const messages: unknown[] = [{ role: 'user', content: PROMPTS.toolUse }];
    for (;;) {
      const reply = await anthropic.messages.create({ model: MODEL, max_tokens: 1024, tools: WEATHER_TOOLS, messages });
      messages.push({ role: 'assistant', content: reply.content });
      const calls = reply.content.filter((block: { type: string }) => block.type === 'tool_use');
      if (calls.length === 0) return reply.content[0].text as string;
      const results = [];
      for (const call of calls) results.push({ type: 'tool_result', tool_use_id: call.id, content: await runCall(call) });
      messages.push({ role: 'user', content: results });
    }
  }
  const mcpText = (result: unknown) => (result as { content: Array<{ text: string }> }).content[0].text;

  it('runTool without a callId in a hand-written loop: the joined span takes the id the model gave, no span is inferred', async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    await withAgent({ name: 'weather' }, () =>
      weatherLoop((call) =>
        runTool({ name: call.name, arguments: call.input }, async () =>
          mcpText(await client.callTool({ name: call.name, arguments: call.input })),
        ),
      ),
    );
    await settle();
    expect(toolSpans().map((span) => [span.name, span.attributes['gen_ai.tool.call.id'], span.attributes['mcp.method.name']])).toEqual([
      ['execute_tool get_weather', 'toolu_01qZru8cdgXwJyMEbVaFvDsj', 'tools/call'],
    ]);
    expect(named('invoke_agent weather')[0].attributes['otel_genai.agent.tool_calls']).toBe(1);
    await client.close();
  });

  it('a hand-written loop with no span around it: the MCP span links to the model call that asked for the tool, in its own trace', async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    await weatherLoop(async (call) => mcpText(await client.callTool({ name: call.name, arguments: call.input })));
    await settle();
    const [asking] = named(`chat ${MODEL}`, SpanKind.CLIENT);
    const tool = only('tools/call get_weather', SpanKind.CLIENT);
    expect(tool.attributes['gen_ai.tool.call.id']).toBe('toolu_01qZru8cdgXwJyMEbVaFvDsj');
    expect(tool.links.map((link) => link.context.spanId)).toEqual([idOf(asking)]);
    expect(tool.spanContext().traceId).not.toBe(asking.spanContext().traceId);
    expect(toolSpans()).toHaveLength(1);
    await client.close();
  });

  it('arguments that differ from what the model asked: no id is claimed (and the inferred span stays, as without MCP)', async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    await withAgent({ name: 'weather' }, async () => {
      const messages: unknown[] = [{ role: 'user', content: PROMPTS.toolUse }];
      const reply = await anthropic.messages.create({ model: MODEL, max_tokens: 1024, tools: WEATHER_TOOLS, messages });
      const [call] = reply.content.filter((block: { type: string }) => block.type === 'tool_use');
      await client.callTool({ name: call.name, arguments: { location: 'Paris' } });
      messages.push(
        { role: 'assistant', content: reply.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: weatherText('Lisbon, Portugal') }] },
      );
      await anthropic.messages.create({ model: MODEL, max_tokens: 1024, tools: WEATHER_TOOLS, messages });
    });
    await settle();
    expect(
      toolSpans().map((span) => [span.name, span.attributes['gen_ai.tool.call.id'], span.attributes['otel_genai.tool.inferred']]),
    ).toEqual([
      ['tools/call get_weather', undefined, undefined],
      ['execute_tool get_weather', 'toolu_01qZru8cdgXwJyMEbVaFvDsj', true],
    ]);
    await client.close();
  });

  it("an Anthropic toolRunner whose tool calls MCP: one execute_tool span, the runner's, with the MCP attributes", async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    const [definition] = WEATHER_TOOLS;
    const tool = {
      ...definition,
      run: async (input: { location: string }) =>
        ((await client.callTool({ name: definition.name, arguments: input })).content as Array<{ text: string }>)[0].text,
    };
    const final = await weatherToolRunner(anthropic, [tool]);
    expect(final.content[0].text).toBe("It's sunny in Lisbon right now, at about 19 °C.");
    await settle();
    expect(
      toolSpans().map((span) => [
        span.name,
        SpanKind[span.kind],
        span.attributes['gen_ai.tool.call.id'],
        span.attributes['mcp.method.name'],
      ]),
    ).toEqual([['execute_tool get_weather', 'INTERNAL', 'toolu_01qZru8cdgXwJyMEbVaFvDsj', 'tools/call']]);
    expect(parentOf(only('tools/call get_weather', SpanKind.SERVER))).toBe(idOf(toolSpans()[0]));
    expect(named('invoke_agent')[0].attributes['otel_genai.agent.tool_calls']).toBe(1);
    await client.close();
  });

  it("Google's mcpToTool: an MCP span per call, which joins a tool span around it", async () => {
    // The CommonJS copies of both SDKs (the types describe their ES module ones).
    const { mcpToTool } = require('@google/genai') as {
      mcpToTool(client: unknown): { callTool(calls: Array<{ name: string; args: unknown }>): Promise<unknown> };
    };
    const client = await connectInMemory(mcp, weatherServer(mcp));
    const callable = mcpToTool(client);
    const parts = await callable.callTool([{ name: 'get_weather', args: { location: 'Paris' } }]);
    expect(parts).toEqual([
      { functionResponse: { name: 'get_weather', response: { content: [{ type: 'text', text: weatherText('Paris') }] } } },
    ]);
    await runTool({ name: 'get_weather' }, () => callable.callTool([{ name: 'get_weather', args: { location: 'London' } }]));
    await settle();
    expect(toolSpans().map((span) => `${span.name} ${SpanKind[span.kind]}`)).toEqual([
      'tools/call get_weather CLIENT',
      'execute_tool get_weather INTERNAL',
    ]);
    await client.close();
  });
});

describe('metrics', () => {
  it('mcp.client/server.operation.duration per request and notification, mcp.client/server.session.duration per session', async () => {
    const reader = new Reader();
    const provider = new MeterProvider({ readers: [reader] });
    instrumentation.setMeterProvider(provider);
    try {
      const client = await connectInMemory(mcp, weatherServer(mcp));
      await client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
      await client.callTool({ name: 'no_such_tool', arguments: {} });
      await client.close();
      await settle();
      const { resourceMetrics } = await reader.collect();
      const points: Record<string, { unit: string; points: Array<Record<string, unknown>> }> = Object.fromEntries(
        resourceMetrics.scopeMetrics
          .flatMap((scope) => scope.metrics)
          .map((metric) => [
            metric.descriptor.name,
            {
              unit: metric.descriptor.unit,
              points: metric.dataPoints.map((point) => ({ ...point.attributes, count: (point.value as { count: number }).count })),
            },
          ]),
      );
      const byMethod = (name: string): Record<string, { count: unknown; attributes: Record<string, unknown> }> =>
        Object.fromEntries(
          points[name].points.map(({ count, ...attributes }) => [
            `${attributes['mcp.method.name']} ${attributes['gen_ai.tool.name'] ?? ''}`.trim(),
            { count, attributes },
          ]),
        );
      expect(Object.keys(points).sort()).toEqual([
        'mcp.client.operation.duration',
        'mcp.client.session.duration',
        'mcp.server.operation.duration',
        'mcp.server.session.duration',
      ]);
      expect(points['mcp.client.operation.duration'].unit).toBe('s');
      expect(byMethod('mcp.client.operation.duration')['tools/call get_weather'].attributes).toEqual({
        'mcp.method.name': 'tools/call',
        'gen_ai.operation.name': 'execute_tool',
        'gen_ai.tool.name': 'get_weather',
        'mcp.protocol.version': '2025-11-25',
      });
      // The client names the tool it asked for; the server names only the tools it has.
      expect(byMethod('mcp.client.operation.duration')['tools/call no_such_tool'].attributes['error.type']).toBe('tool_error');
      expect(byMethod('mcp.server.operation.duration')['tools/call _OTHER'].attributes['error.type']).toBe('tool_error');
      expect(Object.keys(byMethod('mcp.server.operation.duration')).sort()).toEqual([
        'initialize',
        'notifications/initialized',
        'tools/call _OTHER',
        'tools/call get_weather',
      ]);
      expect(byMethod('mcp.client.operation.duration')['notifications/initialized']).toEqual({
        count: 1,
        attributes: { 'mcp.method.name': 'notifications/initialized', 'mcp.protocol.version': '2025-11-25' },
      });
      for (const name of ['mcp.client.session.duration', 'mcp.server.session.duration']) {
        expect(points[name].points).toEqual([{ 'mcp.protocol.version': '2025-11-25', count: 1 }]);
      }
    } finally {
      instrumentation.setMeterProvider(metrics.getMeterProvider());
      await provider.shutdown();
    }
  });

  it('a session whose initialize failed carries its error.type', async () => {
    const reader = new Reader();
    const provider = new MeterProvider({ readers: [reader] });
    instrumentation.setMeterProvider(provider);
    try {
      const server = new mcp.Server({ name: 'broken', version: '1.0.0' }, { capabilities: {} });
      server.setRequestHandler(mcp.types.InitializeRequestSchema, () => {
        throw new mcp.types.McpError(mcp.types.ErrorCode.InvalidRequest, 'no');
      });
      await expect(connectInMemory(mcp, server)).rejects.toMatchObject({ code: -32600 });
      await settle();
      const { resourceMetrics } = await reader.collect();
      const session = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((metric) => metric.descriptor.name === 'mcp.client.session.duration');
      expect(session?.dataPoints.map((point) => point.attributes)).toEqual([{ 'error.type': '-32600' }]);
    } finally {
      instrumentation.setMeterProvider(metrics.getMeterProvider());
      await provider.shutdown();
    }
  });
});

describe('never breaks the app', () => {
  it('a tracer that throws: the calls run untraced and return what they return; diag says why', async () => {
    const lines = diagLines;
    const throwing: Tracer = {
      startSpan: () => {
        throw new Error('tracer broke');
      },
      startActiveSpan: () => {
        throw new Error('tracer broke');
      },
    } as unknown as Tracer;
    instrumentation.setTracerProvider({ getTracer: () => throwing } as TracerProvider);
    try {
      const client = await connectInMemory(mcp, weatherServer(mcp));
      const result = await client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
      expect(result.content).toEqual([{ type: 'text', text: weatherText('Paris') }]);
      await client.close();
    } finally {
      instrumentation.setTracerProvider(tracing.provider);
    }
    expect(lines.some((line) => line.includes('tracer broke'))).toBe(true);
  });

  it('a global tracer provider that throws when asked for a tracer: the calls run untraced', async () => {
    const lines = diagLines;
    instrumentation.setTracerProvider(trace.getTracerProvider());
    trace.disable();
    trace.setGlobalTracerProvider({
      getTracer: () => {
        throw new Error('provider broke');
      },
    } as TracerProvider);
    try {
      const client = await connectInMemory(mcp, weatherServer(mcp));
      const result = await client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } });
      expect(result.content).toEqual([{ type: 'text', text: weatherText('Paris') }]);
      await client.close();
    } finally {
      trace.disable();
      trace.setGlobalTracerProvider(tracing.provider);
      instrumentation.setTracerProvider(tracing.provider);
    }
    expect(lines.some((line) => line.includes('provider broke'))).toBe(true);
  });

  it('a propagator that throws: the request is sent as the caller made it', async () => {
    let received: unknown = 'not called';
    const client = await connectInMemory(
      mcp,
      weatherServer(mcp, (_location, extra) => (received = extra._meta)),
    );
    await withPropagator(
      {
        inject: () => {
          throw new Error('propagator broke');
        },
        extract: (ctx) => ctx,
        fields: () => [],
      },
      () => client.callTool({ name: 'get_weather', arguments: { location: 'Paris' } }),
    );
    expect(received).toBeUndefined();
    await client.close();
  });

  it('returns the very promise the SDK returns', async () => {
    const client = await connectInMemory(mcp, weatherServer(mcp));
    const protocolRequest = Object.getPrototypeOf(Object.getPrototypeOf(client)).request as { [key: symbol]: unknown };
    const original = protocolRequest[Symbol.for('otel-genai.mcp.wrapper-original')] as (...args: unknown[]) => Promise<unknown>;
    expect(typeof original).toBe('function');
    const returned = client.request({ method: 'ping' }, mcp.types.EmptyResultSchema);
    expect(returned).toBeInstanceOf(Promise);
    await expect(returned).resolves.toEqual({});
    await client.close();
  });

  it('disable() puts the SDK back and traces nothing; enable() traces again', async () => {
    const prototype = Object.getPrototypeOf(Object.getPrototypeOf(new mcp.Client({ name: 'a', version: '1' })));
    const wrapped = prototype.request;
    instrumentation.disable();
    try {
      expect(prototype.request).not.toBe(wrapped);
      expect(prototype.request).toBe(wrapped[Symbol.for('otel-genai.mcp.wrapper-original')]);
      await callWeatherOnce();
      expect(mcpSpans()).toEqual([]);
    } finally {
      instrumentation.enable();
    }
    await callWeatherOnce();
    await settle();
    expect(kindsOf('tools/call get_weather')).toEqual(['CLIENT', 'SERVER']);
  });
});

describe('registered twice', () => {
  it('two enabled instances trace each request once; when the one that patched is disabled, the other takes over', async () => {
    const second = new McpInstrumentation();
    second.setTracerProvider(tracing.provider);
    const callOnce = async () => {
      tracing.exporter.reset();
      await callWeatherOnce();
      await settle();
      return kindsOf('tools/call get_weather');
    };
    try {
      expect(await callOnce()).toEqual(['CLIENT', 'SERVER']);
      instrumentation.disable();
      expect(await callOnce()).toEqual(['CLIENT', 'SERVER']);
    } finally {
      second.disable();
      instrumentation.enable();
    }
    expect(await callOnce()).toEqual(['CLIENT', 'SERVER']);
  });
});

describe('ES module copies', () => {
  it("the ESM copy, patched through the definition's files as the register's import hook does, is traced too", async () => {
    const definition = instrumentation.getModuleDefinitions()[0];
    for (const file of definition.files.filter((each) => each.name.includes('/dist/esm/'))) {
      const path = file.name.slice(definition.name.length + 1).replace('dist/esm/', '');
      file.patch(await import(`@modelcontextprotocol/sdk/${path}`), '1.32.2');
    }
    const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
    const { McpServer } = await import('@modelcontextprotocol/sdk/server/mcp.js');
    const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');
    expect(Client).not.toBe(mcp.Client);
    const server = new McpServer({ name: 'esm', version: '1.0.0' });
    server.registerTool('ping_tool', { description: 'p' }, async () => ({ content: [{ type: 'text', text: 'pong' }] }));
    const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
    await server.connect(serverTransport);
    const client = new Client({ name: 'esm-agent', version: '1.0.0' });
    await client.connect(clientTransport);
    await client.callTool({ name: 'ping_tool', arguments: {} });
    await client.close();
    await settle();
    expect(kindsOf('tools/call ping_tool')).toEqual(['CLIENT', 'SERVER']);
  });
});
