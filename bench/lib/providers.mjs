// The SDKs the bench measures, and how a measured process (worker.mjs) drives each one: a client
// whose HTTP is answered by canned responses (canned.mjs), the request it sends, and the call and
// stream it makes. Shared by run.mjs, instructions.mjs and profile.mjs for names, workloads and the
// spans each contender is expected to make.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { conversationParams, jsonFetch, requestParams, sseFetch, streamEvents } from './canned.mjs';
import { packageVersion } from './package-version.mjs';

/**
 * `sdk`: the package whose version a row names; `lines`: the other major lines of it that otel-genai
 * supports, each a workspace in bench/sdk-versions/ (the bench's own install holds the newest); `workloads`: those the SDK has (MCP has no streams, and the
 * conversation workload is written in the Anthropic and OpenAI shapes only); `peers`: the other
 * instrumentations of that SDK the bench installs; `api`: the HTTP API its calls reach, answered by
 * canned.mjs; `oursSpansPerCall`: the spans ours makes per call; `streamItems`: what the app reads
 * from a stream of N events, where that is not one item per event.
 */
export const PROVIDERS = {
  anthropic: {
    sdk: '@anthropic-ai/sdk',
    lines: ['anthropic-0.133'],
    api: 'anthropic',
    workloads: ['call', 'stream', 'memory', 'conversation'],
    peers: ['arize', 'traceloop'],
  },
  openai: {
    sdk: 'openai',
    lines: ['openai-4', 'openai-5', 'openai-6'],
    api: 'openai',
    workloads: ['call', 'stream', 'memory', 'conversation'],
    peers: ['otel', 'arize', 'traceloop'],
  },
  google: {
    sdk: '@google/genai',
    lines: ['google-genai-1', 'google-genai-2'],
    api: 'google',
    workloads: ['call', 'stream', 'memory'],
    peers: [],
  },
  // The Vercel AI SDK with its OpenAI provider (`@ai-sdk/openai`, which calls the Chat Completions API with `fetch`).
  aisdk: {
    sdk: 'ai',
    provider: '@ai-sdk/openai',
    api: 'openai',
    workloads: ['call', 'stream', 'memory'],
    peers: [],
    // streamText's fullStream: a text delta per event but the first (the role) and the last (the finish
    // reason), around them start, start-step, text-start, text-end, finish-step and finish.
    streamItems: (events) => events - 2 + 6,
  },
  // Client and server in one process: ours traces both sides of a tools/call, a CLIENT and a SERVER span.
  mcp: { sdk: '@modelcontextprotocol/sdk', workloads: ['call'], peers: [], oursSpansPerCall: 2 },
};

export const PROVIDER_NAMES = Object.keys(PROVIDERS);

/** The SDK and version a row is about, e.g. `openai 6.49.0`, `ai 7.0.185 (@ai-sdk/openai)`. */
export function sdkLabel(provider, version) {
  const { sdk, provider: inner } = PROVIDERS[provider];
  return `${sdk}${version === undefined ? '' : ` ${version}`}${inner === undefined ? '' : ` (${inner})`}`;
}

/** Spans a contender makes per call: none bare, one for the floor, ours' own count for the SDK. */
export function spansPerCall(provider, contender) {
  if (contender === 'bare') return 0;
  if (contender.startsWith('ours')) return PROVIDERS[provider].oursSpansPerCall ?? 1;
  return 1;
}

/** How many items the app reads from a stream of `events` events. */
export function streamItems(provider, events) {
  return PROVIDERS[provider].streamItems?.(events) ?? events;
}

/** Throws for a provider the bench does not know, or a workload it does not have. */
export function checkProviders(providers, workloads) {
  for (const provider of providers) {
    if (PROVIDERS[provider] === undefined) throw new Error(`unknown provider ${provider} (known: ${PROVIDER_NAMES.join(', ')})`);
  }
  return providers.filter((provider) => workloads.some((workload) => PROVIDERS[provider].workloads.includes(workload)));
}

/**
 * Opens the SDK of `provider` in a measured process, after every hook is in place: the SDK through
 * `require` where it ships CommonJS (the hooks all contenders share), `ai` and its provider through
 * `import()` (they are ES modules only, and ours reaches them through the `ai:telemetry` channel, not
 * a hook). Returns `{ sdkVersion, params, call(params), stream(params) }`: `call` resolves to the
 * reply, `stream` to what the app reads with `for await`, one item per event of the canned stream.
 */
export async function openProvider(provider, { sdkDir, root, workload, chunks, deltaBytes, contextBytes }) {
  const requireSDK = createRequire(join(sdkDir, 'package.json'));
  const sdkVersion = packageVersion(requireSDK, PROVIDERS[provider].sdk);
  const streaming = workload === 'stream' || workload === 'memory';
  const api = PROVIDERS[provider].api;
  const fetch =
    api === undefined ? undefined : streaming ? sseFetch(root, api, streamEvents(root, api, chunks, deltaBytes)) : jsonFetch(root, api);

  if (provider === 'anthropic' || provider === 'openai') {
    const sdkModule = requireSDK(PROVIDERS[provider].sdk);
    const Client = sdkModule.default ?? sdkModule.Anthropic ?? sdkModule.OpenAI ?? sdkModule;
    const client = new Client({ apiKey: 'bench-key', fetch });
    const resource = provider === 'anthropic' ? client.messages : client.chat.completions;
    const base = workload === 'conversation' ? conversationParams(root, provider, contextBytes) : requestParams(root, provider);
    const create = (body) => resource.create(body);
    return { sdkVersion, params: streaming ? { ...base, stream: true } : base, call: create, stream: create };
  }
  if (provider === 'google') {
    const { GoogleGenAI } = requireSDK('@google/genai');
    // 1.x takes no `fetch` option: it calls the global one. 1.x and 2.x default to the v1beta API, the fixtures' is v1.
    globalThis.fetch = fetch;
    const client = new GoogleGenAI({ apiKey: 'bench-key', httpOptions: { fetch, apiVersion: 'v1' } });
    return {
      sdkVersion,
      params: requestParams(root, 'google'),
      call: (params) => client.models.generateContent(params),
      stream: (params) => client.models.generateContentStream(params),
    };
  }
  if (provider === 'aisdk') {
    const importSDK = (name) => import(pathToFileURL(requireSDK.resolve(name)).href);
    const [ai, { createOpenAI }] = await Promise.all([importSDK('ai'), importSDK(PROVIDERS.aisdk.provider)]);
    // The fixture's request as an AI SDK app writes it: the system message is the call's instructions.
    const { model, messages } = requestParams(root, 'openai');
    const params = {
      model: createOpenAI({ apiKey: 'bench-key', fetch }).chat(model),
      instructions: messages.find((message) => message.role === 'system')?.content,
      messages: messages.filter((message) => message.role !== 'system'),
    };
    return {
      sdkVersion,
      params,
      call: (body) => ai.generateText(body),
      // What a chat UI reads: every part (text deltas, steps, finish), one per event of the provider's stream, and a few more.
      stream: async (body) => ai.streamText(body).fullStream,
    };
  }
  // MCP: one server with one tool and a client connected to it through the SDK's in-memory transport, once.
  const mcp = (path) => requireSDK(`@modelcontextprotocol/sdk/${path}`);
  const { McpServer } = mcp('server/mcp.js');
  const { Client } = mcp('client/index.js');
  const { InMemoryTransport } = mcp('inMemory.js');
  const { z } = requireSDK('zod');
  const server = new McpServer({ name: 'weather', version: '1.0.0' });
  server.registerTool(
    'get_weather',
    { description: 'Get the current weather for a city.', inputSchema: { location: z.string() } },
    async ({ location }) => ({ content: [{ type: 'text', text: JSON.stringify({ location, temperature_c: 18 }) }] }),
  );
  const [clientTransport, serverTransport] = InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new Client({ name: 'bench-agent', version: '1.0.0' });
  await client.connect(clientTransport);
  return {
    sdkVersion,
    params: { name: 'get_weather', arguments: { location: 'Paris' } },
    call: (params) => client.callTool(params),
  };
}

/** The other lines of `provider` (none: only the newest), each `{ name, dir }`. */
export function sdkLines(bench, provider) {
  return (PROVIDERS[provider].lines ?? []).map((name) => ({ name, dir: join(bench, 'sdk-versions', name) }));
}

/** Every line the bench has, by name: the `--line=NAME` of instructions.mjs and profile.mjs. */
export const LINE_NAMES = PROVIDER_NAMES.flatMap((provider) => PROVIDERS[provider].lines ?? []);

/** The provider and folder of the line named `name`; throws for a name the bench does not know. */
export function sdkLine(bench, name) {
  const provider = PROVIDER_NAMES.find((p) => PROVIDERS[p].lines?.includes(name));
  if (provider === undefined) throw new Error(`unknown SDK line ${name} (known: ${LINE_NAMES.join(', ')})`);
  return { provider, dir: join(bench, 'sdk-versions', name) };
}
