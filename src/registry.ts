/**
 * The one list of what otel-genai instruments. Everything that depends on which SDKs there are is
 * built from it: `createInstrumentations()` and `instrumentedModules()` (instrumentations.ts, and so
 * the zero-code register and its ES module hooks), `instrumentClient()` (instrument-client.ts), the
 * testing kit's `collectSpans()` options and module slots (testing/span-collector.ts), the recorder's
 * routing of live requests (testing/recorder.ts), and the shared guarantee and property tests
 * (test/calls/providers.test.ts, test/fuzz/properties.test.ts). A new SDK adds its folder under `src/` and one entry here.
 * An instrumentation that is not a model SDK's (MCP's module hooks, the AI SDK's diagnostics channel)
 * has an entry too, with only what applies to it: its key, the modules it hooks, its class.
 */
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AISDKInstrumentation } from './ai-sdk/instrumentation';
import { anthropicClients } from './anthropic/client';
import { AnthropicInstrumentation, MODULE as ANTHROPIC_MODULE } from './anthropic/instrumentation';
import { messagesCreate } from './anthropic/messages';
import type { ClientSupport } from './client-tracing';
import type { ModelCallSpec } from './genai-instrumentation';
import { googleClients } from './google/client';
import { GoogleGenAIInstrumentation, MODULE as GOOGLE_MODULE } from './google/instrumentation';
import { embedContent, generateContent, generateContentStream } from './google/models';
import { ESM_FILES as MCP_ESM_FILES, McpInstrumentation, MODULE as MCP_MODULE } from './mcp/instrumentation';
import { chatCreate, chatCreateWithAddedUsage } from './openai/chat';
import { openAIClients } from './openai/client';
import { embeddingsCreate } from './openai/embeddings';
import { MODULE as OPENAI_MODULE, OpenAIInstrumentation } from './openai/instrumentation';
import { responsesCreate } from './openai/responses';

/** Where the recorder sends a live request that this provider's SDK made (see testing/recorder.ts). */
export interface RecordRoute {
  /** The provider a recorded fixture names (`meta.provider`), and a custom `upstream` is told. */
  provider: string;
  /** Request headers only this provider's SDK sends: any one places the request with it. */
  headers: readonly string[];
  /** Also places a request whose only credential is `Authorization: Bearer …` (OpenAI's). */
  bearer?: boolean;
  /** The live API a placed request is sent to by default… */
  upstream: string;
  /** …when its path is one of the public API's (`/v1/…`). */
  paths: RegExp;
}

/** One mapping of a provider's model calls, for the shared property tests (test/fuzz/properties.test.ts). */
export interface SpecEntry {
  name: string;
  /** Which grammar and fixtures feed it (test/fuzz/properties.test.ts), e.g. `anthropic`, `chat`, `google`. */
  kind: string;
  /** `gen_ai.provider.name` of the calls it maps. */
  provider: string;
  spec: ModelCallSpec<unknown, unknown>;
}

export interface RegistryEntry<Key extends string = string, Config extends object = object> {
  /** Its options' key in `createInstrumentations({ … })` and `collectSpans({ … })`, and its `modules` slot there. */
  readonly key: Key;
  readonly title: string;
  /** The packages its module hooks patch (the register's ES module hooks look at these only); none for a diagnostics channel. */
  readonly modules: readonly string[];
  /**
   * Files inside those packages that it patches and that the packages import by relative path: an
   * ES module loader hook sees only their URLs, never the package's name, so it is told them apart.
   */
  readonly moduleFiles?: RegExp;
  /** Its instrumentation class. */
  readonly instrumentation: new (config?: Config) => Instrumentation;
  /** Options every instance starts from; the caller's win. */
  readonly defaults?: Partial<Config>;
  /** `instrumentClient()` support: how its clients are recognised and traced. */
  readonly client?: ClientSupport;
  /** Enabled by the testing kit's `collectSpans()`, which takes its options and its ES module under `key`. */
  readonly testing?: boolean;
  /** The recorder's routing of this provider's live requests. */
  readonly record?: RecordRoute;
  /** Its fixtures' folder under `fixtures/`, and its mappings, for the shared tests. */
  readonly fixtures?: string;
  readonly specs?: readonly SpecEntry[];
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any entry, whatever its config
type AnyEntry = RegistryEntry<string, any>;

/** An entry, its literal types kept (its key, whether the testing kit enables it). */
function entry<const E extends AnyEntry>(value: E): E {
  return value;
}

export const REGISTRY = [
  entry({
    key: 'anthropic',
    title: '@anthropic-ai/sdk (and the Bedrock and Vertex SDKs built on it)',
    modules: [ANTHROPIC_MODULE],
    instrumentation: AnthropicInstrumentation,
    client: anthropicClients,
    testing: true,
    record: {
      provider: 'anthropic',
      headers: ['x-api-key', 'anthropic-version', 'anthropic-beta'],
      upstream: 'https://api.anthropic.com',
      paths: /^\/v1\/(?!projects\/)/,
    },
    fixtures: 'anthropic',
    specs: [{ name: 'anthropic messages', kind: 'anthropic', provider: 'anthropic', spec: messagesCreate }],
  }),
  entry({
    key: 'openai',
    title: 'openai',
    modules: [OPENAI_MODULE],
    instrumentation: OpenAIInstrumentation,
    client: openAIClients,
    testing: true,
    record: {
      provider: 'openai',
      headers: ['openai-organization', 'openai-project'],
      bearer: true,
      upstream: 'https://api.openai.com',
      paths: /^\/v1\/(?!projects\/)/,
    },
    fixtures: 'openai',
    specs: [
      { name: 'openai chat', kind: 'chat', provider: 'openai', spec: chatCreate },
      { name: 'openai chat (added usage)', kind: 'chat', provider: 'openai', spec: chatCreateWithAddedUsage },
      { name: 'openai responses', kind: 'responses', provider: 'openai', spec: responsesCreate },
      { name: 'openai embeddings', kind: 'embeddings', provider: 'openai', spec: embeddingsCreate },
    ],
  }),
  entry({
    key: 'google',
    title: '@google/genai (Gemini API and Vertex AI)',
    modules: [GOOGLE_MODULE],
    instrumentation: GoogleGenAIInstrumentation,
    client: googleClients,
    testing: true,
    // `x-goog-api-client` is sent by every @google/genai request, Vertex AI's (bearer token) too: it is never OpenAI's.
    record: {
      provider: 'google',
      headers: ['x-goog-api-key', 'x-goog-api-client'],
      upstream: 'https://generativelanguage.googleapis.com',
      paths: /^\/v1(beta|alpha)?\/(models|tunedModels)\//,
    },
    fixtures: 'google',
    specs: [
      { name: 'google generate_content', kind: 'google', provider: 'gcp.gemini', spec: generateContent },
      { name: 'google generate_content (stream)', kind: 'google', provider: 'gcp.gemini', spec: generateContentStream },
      { name: 'google embeddings', kind: 'google-embeddings', provider: 'gcp.gemini', spec: embedContent },
    ],
  }),
  entry({
    key: 'mcp',
    title: '@modelcontextprotocol/sdk (MCP clients and servers)',
    modules: [MCP_MODULE],
    moduleFiles: MCP_ESM_FILES,
    instrumentation: McpInstrumentation,
  }),
  entry({
    key: 'aiSdk',
    title: 'the Vercel AI SDK (`ai` >= 7), through its `ai:telemetry` diagnostics channel',
    modules: [],
    instrumentation: AISDKInstrumentation,
    testing: true,
  }),
] as const;

type Entry = (typeof REGISTRY)[number];
type ConfigOf<E extends AnyEntry> = NonNullable<ConstructorParameters<E['instrumentation']>[0]>;

/** Options of each instrumentation, by its registry key. */
export type RegistryConfig = { [E in Entry as E['key']]?: ConfigOf<E> };

type UnionToIntersection<U> = (U extends unknown ? (value: U) => void : never) extends (value: infer I) => void ? I : never;

/** The options of every SDK whose clients `instrumentClient()` takes, together (each client kind reads its own). */
export type ClientConfig = UnionToIntersection<ConfigOf<Extract<Entry, { client: ClientSupport }>>>;

/** The providers the recorder places live requests with (each entry's `record.provider`). */
export type RecordProvider = Entry extends { record: { provider: infer Provider } } ? Provider : never;

/** The entries the testing kit enables (model-call SDKs). */
export type TestingKey = Extract<Entry, { testing: true }>['key'];

export function registryEntries(): readonly AnyEntry[] {
  return REGISTRY;
}
