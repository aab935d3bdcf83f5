/**
 * How the shared guarantee tests (test/calls/providers.test.ts) drive each registered SDK against the
 * bundled fixtures: one driver per registry entry that maps an SDK's model calls (its `specs`, src/registry.ts).
 * A provider registered without a driver here fails those tests.
 */
import { createRequire } from 'node:module';
import { fixtureRequest } from './replay';

const requireSDK = createRequire(__filename);

/* eslint-disable @typescript-eslint/no-explicit-any -- each SDK's own client, driven through fixture-shaped requests */
export interface ProviderDriver {
  /** A client of the SDK (its CommonJS copy, loaded on first use: after the instrumentation exists). */
  client(baseURL: string): any;
  /** A whole response. */
  call(client: any): Promise<unknown>;
  /** A stream of many chunks (a few dozen), which `signal` may abort. */
  stream(client: any, signal?: AbortSignal): Promise<AsyncIterable<unknown>>;
  /** A call that fails with an HTTP 429. */
  rateLimited(client: any): Promise<unknown>;
  /** A stream the network cuts after a few chunks. */
  cut(client: any): Promise<AsyncIterable<unknown>>;
  /** Text the requests above send, which must reach no span while content capture is off. */
  promptText: string[];
}

export const DRIVERS: Record<string, ProviderDriver> = {
  anthropic: {
    client: (baseURL) => new (requireSDK('@anthropic-ai/sdk').default)({ apiKey: 'test-key', baseURL, maxRetries: 0 }),
    call: (client) => client.messages.create({ ...fixtureRequest('anthropic/messages-text'), max_tokens: 100 }),
    stream: (client, signal) =>
      client.messages.create({ ...fixtureRequest('anthropic/messages-stream-long'), max_tokens: 1024 }, { signal }),
    rateLimited: (client) => client.messages.create({ ...fixtureRequest('anthropic/messages-error-429'), max_tokens: 100 }),
    cut: (client) => client.messages.create({ ...fixtureRequest('anthropic/messages-stream-cut'), max_tokens: 1024 }),
    promptText: ['What is the capital of France', 'Describe the water cycle'],
  },
  openai: {
    client: (baseURL) => new (requireSDK('openai').default)({ apiKey: 'test-key', baseURL: `${baseURL}/v1`, maxRetries: 0 }),
    call: (client) => client.chat.completions.create(fixtureRequest('openai/chat-text')),
    stream: (client, signal) => client.chat.completions.create(fixtureRequest('openai/chat-stream-long'), { signal }),
    rateLimited: (client) => client.chat.completions.create(fixtureRequest('openai/chat-error-429')),
    cut: (client) => client.chat.completions.create(fixtureRequest('openai/chat-stream-cut')),
    promptText: ['What is the capital of Japan', 'bicycle gear system'],
  },
  google: {
    client: (baseURL) => new (requireSDK('@google/genai').GoogleGenAI)({ apiKey: 'test-key', httpOptions: { baseUrl: baseURL } }),
    call: (client) =>
      client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'What is the capital of France? Answer in one word.' }),
    stream: (client, signal) =>
      client.models.generateContentStream({
        model: 'gemini-2.5-flash',
        contents: 'Describe the water cycle in detail.',
        config: { abortSignal: signal },
      }),
    rateLimited: (client) =>
      client.models.generateContent({ model: 'gemini-2.5-flash', contents: 'Say hello. (This request is rate limited.)' }),
    // Without automatic continuation, which would retry the cut hop from its last checkpoint.
    cut: (client) =>
      client.models.generateContentStream({
        model: 'gemini-2.5-flash',
        contents: 'Explain how a refrigerator works.',
        config: { automaticContinuation: false },
      }),
    promptText: ['What is the capital of France', 'Describe the water cycle'],
  },
};
/* eslint-enable @typescript-eslint/no-explicit-any */
