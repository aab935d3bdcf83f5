// One bench process: one workload × one contender × one SDK version, given as JSON in argv[2].
// Prints one line `BENCH_RESULT {json}` on stdout. Run by bench/run.mjs, pinned to one CPU. The
// SDKs (anthropic, openai, google, aisdk, mcp) and how each is driven: providers.mjs.
//
// Contenders (all but `bare` share one tracer provider: sdk-trace's TracerProvider, an AsyncLocalStorage
// context manager, a BatchSpanProcessor over an exporter that only counts and calls back):
//   bare       the SDK alone: no provider, no context manager, nothing
//   floor      one plain span per call, made active around the call (what any instrumentation pays);
//              on MCP around the client's tools/call, where ours makes two (the client's and the server's)
//   ours       otel-genai (createInstrumentations()), defaults: content capture off, no meter provider
//   ours-metrics  the same with a global MeterProvider (sdk-metrics, a reader that never collects), so
//              that the GenAI metrics are recorded: not in run.mjs's default set (--contenders=…)
//   ours-cost  ours with cost on (OTEL_GENAI_COST=true: each call priced from @pydantic/genai-prices), no
//              meter provider: what pricing adds per call; not in run.mjs's default set either
//   ours-content  ours with content capture on (OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT=true:
//              prompts and replies on the span, 32 KB cap), for the conversation workload
//   native     @anthropic-ai/sdk >= 0.134's own tracing (it traces when a provider is registered)
//   otel       @opentelemetry/instrumentation-openai (openai only)
//   arize      @arizeai/openinference-instrumentation-openai / -anthropic, defaults
//   traceloop  @traceloop/instrumentation-openai / -anthropic, defaults
// The Anthropic SDK's own tracing is off (ANTHROPIC_OPEN_TELEMETRY=false) for every contender but
// `native` and `ours`: `ours` runs with it on, as an app would, and replaces it per client.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PEER_NAMES, peerInstrumentation } from './peers.mjs';
import { openProvider, streamItems } from './providers.mjs';

const spec = JSON.parse(process.argv[2]);
const { workload, provider, contender, root } = spec;
const requireDeps = createRequire(join(spec.depsDir, 'package.json'));
const now = process.hrtime.bigint;

const result = { spec: { workload, provider, contender, sdk: spec.sdk }, ok: false, diag: [] };

function emit() {
  process.stdout.write(`BENCH_RESULT ${JSON.stringify(result)}\n`);
}

try {
  await main();
  result.ok = true;
} catch (error) {
  result.error = String(error?.stack ?? error)
    .split('\n')
    .slice(0, 4)
    .join(' | ');
}
emit();
// Nothing may keep the process: a contender's timers must not skew the next one.
process.exit(0);

async function main() {
  const ours = contender === 'ours' || contender === 'ours-metrics' || contender === 'ours-content' || contender === 'ours-cost';
  if (contender === 'ours-content') process.env.OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT = 'true';
  if (contender === 'ours-cost') process.env.OTEL_GENAI_COST = 'true';
  if (contender !== 'native' && !ours) process.env.ANTHROPIC_OPEN_TELEMETRY = 'false';
  const api = requireDeps('@opentelemetry/api');
  api.diag.setLogger(
    {
      error: (...args) => result.diag.length < 5 && result.diag.push(`error: ${args.map(String).join(' ')}`.slice(0, 300)),
      warn: (...args) => result.diag.length < 5 && result.diag.push(`warn: ${args.map(String).join(' ')}`.slice(0, 300)),
      info() {},
      debug() {},
      verbose() {},
    },
    api.DiagLogLevel.WARN,
  );

  let exported = 0;
  let attributeChars = 0;
  let tracerProvider;
  if (contender !== 'bare') {
    const { BatchSpanProcessor, TracerProvider } = requireDeps('@opentelemetry/sdk-trace');
    const { AsyncLocalStorageContextManager } = requireDeps('@opentelemetry/context-async-hooks');
    const exporter = {
      export(spans, done) {
        exported += spans.length;
        // What a conversation's spans carry (prompts and replies, where recorded): the lengths of their string attributes.
        if (workload === 'conversation') {
          for (const span of spans)
            for (const value of Object.values(span.attributes)) if (typeof value === 'string') attributeChars += value.length;
        }
        done({ code: 0 });
      },
      shutdown: async () => {},
      forceFlush: async () => {},
    };
    tracerProvider = new TracerProvider({ spanProcessors: [new BatchSpanProcessor({ exporter })] });
    // What NodeSDK 3 registers: the 3.x provider has no register() of its own.
    api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    api.trace.setGlobalTracerProvider(tracerProvider);
  }

  if (contender === 'ours-metrics') {
    const { MeterProvider, MetricReader } = requireDeps('@opentelemetry/sdk-metrics');
    class IdleReader extends MetricReader {
      async onShutdown() {}
      async onForceFlush() {}
    }
    api.metrics.setGlobalMeterProvider(new MeterProvider({ readers: [new IdleReader()] }));
  }

  const instrumentations = [];
  if (ours) {
    const { createInstrumentations } = createRequire(join(spec.ours, 'package.json'))(join(spec.ours, 'dist', 'index.js'));
    instrumentations.push(...createInstrumentations());
  } else if (PEER_NAMES.includes(contender)) {
    instrumentations.push(peerInstrumentation(requireDeps, contender, provider));
  }
  if (instrumentations.length > 0) {
    // As an app would: the global meter and logger providers (no-op here) and ours as tracer provider.
    requireDeps('@opentelemetry/instrumentation').registerInstrumentations({ instrumentations, tracerProvider });
  }

  // The SDK is loaded after every hook is in place (see providers.mjs).
  // `conversation`: per call, as `call`, with an agent's request of spec.contextBytes of context.
  const perCall = workload === 'call' || workload === 'conversation';
  const sdk = await openProvider(provider, {
    sdkDir: spec.sdkDir,
    root,
    workload,
    chunks: workload === 'memory' ? spec.memChunks : spec.chunks,
    deltaBytes: workload === 'memory' ? spec.memDeltaBytes : undefined,
    contextBytes: spec.contextBytes,
  });
  result.sdkVersion = sdk.sdkVersion;
  const params = sdk.params;
  const create = perCall ? sdk.call : sdk.stream;
  if (create === undefined) throw new Error(`${provider} has no ${workload} workload`);
  // Spans made while the SDK was set up (MCP's initialize, both sides) are not the calls'.
  if (tracerProvider !== undefined) await tracerProvider.forceFlush();
  const setupSpans = exported;

  let run = create;
  if (contender === 'floor') {
    const tracer = api.trace.getTracer('bench-floor');
    run = async (body) => {
      const span = tracer.startSpan('chat', { kind: api.SpanKind.CLIENT });
      try {
        return await api.context.with(api.trace.setSpan(api.context.active(), span), create, undefined, body);
      } finally {
        span.end();
      }
    };
    if (!perCall) {
      // For streams the span ends when the stream does.
      run = async (body) => {
        const span = tracer.startSpan('chat', { kind: api.SpanKind.CLIENT });
        const stream = await api.context.with(api.trace.setSpan(api.context.active(), span), create, undefined, body);
        return { stream, end: () => span.end() };
      };
    }
  } else if (!perCall) {
    // `await`, as apps do: some instrumentations hand back a stream that is not a promise.
    run = async (body) => ({ stream: await create(body), end() {} });
  }

  let calls = 0;
  if (perCall) {
    const measure = async (n) => {
      const cpu0 = process.cpuUsage();
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const reply = await run(params);
        if (reply === undefined) throw new Error('no reply');
      }
      const wall = Number(now() - t0) / 1000 / n;
      const cpu = process.cpuUsage(cpu0);
      calls += n;
      return { wall, cpu: (cpu.user + cpu.system) / n };
    };
    await measure(spec.warmup);
    result.perCallUs = [];
    result.perCallCpuUs = [];
    for (let b = 0; b < spec.batches; b++) {
      const m = await measure(spec.batchSize);
      result.perCallUs.push(m.wall);
      result.perCallCpuUs.push(m.cpu);
    }
  } else if (workload === 'stream') {
    const body = params;
    const expectedItems = streamItems(provider, spec.chunks);
    const measure = async (n) => {
      let chunkNs = 0n;
      let chunkGaps = 0;
      let chunkCpu = 0;
      const t0 = now();
      for (let i = 0; i < n; i++) {
        const { stream, end } = await run(body);
        let seen = 0;
        let first = 0n;
        let cpu0;
        for await (const chunk of stream) {
          if (seen++ === 0) {
            cpu0 = process.cpuUsage();
            first = now();
          }
          if (chunk === undefined) throw new Error('empty chunk');
        }
        chunkNs += now() - first;
        const cpu = process.cpuUsage(cpu0);
        chunkCpu += cpu.user + cpu.system;
        chunkGaps += seen - 1;
        end();
        if (seen !== expectedItems) throw new Error(`stream delivered ${seen} chunks, expected ${expectedItems}`);
      }
      calls += n;
      return { perChunk: Number(chunkNs) / 1000 / chunkGaps, perChunkCpu: chunkCpu / chunkGaps, perStream: Number(now() - t0) / 1000 / n };
    };
    await measure(spec.warmup);
    result.perChunkUs = [];
    result.perChunkCpuUs = [];
    result.perStreamUs = [];
    for (let b = 0; b < spec.batches; b++) {
      const m = await measure(spec.batchSize);
      result.perChunkUs.push(m.perChunk);
      result.perChunkCpuUs.push(m.perChunkCpu);
      result.perStreamUs.push(m.perStream);
    }
  } else if (workload === 'memory') {
    if (typeof globalThis.gc !== 'function') throw new Error('the memory workload needs --expose-gc');
    const body = params;
    // Warm up on whole streams, so that what the SDK and V8 allocate once is in the baseline.
    for (let i = 0; i < 3; i++) {
      const { stream, end } = await run(body);
      for await (const _ of stream);
      end();
      calls++;
    }
    const checkpoints = new Map(spec.memCheckpointsMB.map((mb) => [Math.round((mb * 1e6) / spec.memDeltaBytes), mb]));
    globalThis.gc();
    const base = process.memoryUsage().heapUsed;
    result.memory = { baseBytes: base, deltaBytes: spec.memDeltaBytes, points: [] };
    const { stream, end } = await run(body);
    let seen = 0;
    for await (const _ of stream) {
      seen++;
      const mb = checkpoints.get(seen);
      if (mb !== undefined) {
        globalThis.gc();
        result.memory.points.push({ mb, heapAboveBaseKB: (process.memoryUsage().heapUsed - base) / 1024 });
      }
    }
    end();
    calls++;
    globalThis.gc();
    result.memory.afterEndKB = (process.memoryUsage().heapUsed - base) / 1024;
    result.memory.chunks = seen;
  }

  result.calls = calls;
  if (tracerProvider !== undefined) await tracerProvider.forceFlush();
  result.spans = exported - setupSpans;
  if (workload === 'conversation') result.attributeCharsPerSpan = exported === 0 ? 0 : attributeChars / exported;
}
