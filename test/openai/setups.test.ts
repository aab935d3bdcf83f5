import { createRequire } from 'node:module';
import { beforeEach, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../../src';
import { openAIProvider } from '../../src/openai/provider';
import { fixtureRequest, openAIOverReplay } from '../helpers/replay';
import { captureDiag, settle, setupTracing } from '../helpers/tracing';

const tracing = setupTracing();
const warnings = captureDiag();
const instrumentation = new OpenAIInstrumentation();
instrumentation.setTracerProvider(tracing.provider);
const OpenAI = createRequire(__filename)('openai').default as typeof import('openai').default;

const replay = openAIOverReplay(OpenAI);
beforeEach(() => {
  instrumentation.setConfig({});
  tracing.exporter.reset();
  warnings.length = 0;
});

describe('provider names of OpenAI-compatible hosts', () => {
  const cases: Array<[string | undefined, string, string]> = [
    ['AzureOpenAI', 'https://my-resource.openai.azure.com/openai', 'azure.ai.openai'],
    [undefined, 'https://my-resource.openai.azure.com/openai/v1', 'azure.ai.openai'],
    [undefined, 'https://my-project.services.ai.azure.com/models', 'azure.ai.inference'],
    [undefined, 'https://api.groq.com/openai/v1', 'groq'],
    [undefined, 'https://api.deepseek.com/v1', 'deepseek'],
    [undefined, 'https://api.mistral.ai/v1', 'mistral_ai'],
    [undefined, 'https://api.x.ai/v1', 'x_ai'],
    [undefined, 'https://api.perplexity.ai', 'perplexity'],
    [undefined, 'https://generativelanguage.googleapis.com/v1beta/openai/', 'gcp.gemini'],
    [undefined, 'https://api.openai.com/v1', 'openai'],
    [undefined, 'http://localhost:11434/v1', 'openai'],
    [undefined, 'not a url', 'openai'],
  ];
  for (const [clientClass, baseURL, provider] of cases) {
    it(`${baseURL} is ${provider}`, () => {
      expect(openAIProvider(clientClass, baseURL)).toBe(provider);
    });
  }

  it('a compatible host gets its provider name and the true server.address', async () => {
    const groq = new OpenAI({
      apiKey: 'test-key',
      baseURL: 'https://api.groq.com/openai/v1',
      maxRetries: 0,
      fetch: (() =>
        fetch(`${replay.server.url}/v1/chat/completions`, {
          method: 'POST',
          body: JSON.stringify(fixtureRequest('openai/chat-text')),
        })) as typeof fetch,
    });
    await groq.chat.completions.create(fixtureRequest('openai/chat-text'));
    await settle();
    const [span] = tracing.genAISpans();
    expect(span.attributes).toMatchObject({ 'gen_ai.provider.name': 'groq', 'server.address': 'api.groq.com', 'server.port': 443 });
  });
});

describe('requestStreamUsage', () => {
  it('leaves non-streaming requests and an explicit include_usage: false untouched', async () => {
    instrumentation.setConfig({ requestStreamUsage: true });
    await replay.client.chat.completions.create(fixtureRequest('openai/chat-text'));
    expect(replay.server.requests[0].body).toEqual(fixtureRequest('openai/chat-text'));

    const explicit = {
      ...fixtureRequest('openai/chat-stream-optin-b-without-usage'),
      stream: true as const,
      stream_options: { include_usage: false },
    };
    await replay.client.chat.completions.create(explicit).then(
      () => undefined,
      () => undefined,
    );
    expect(replay.server.requests[1].body).toMatchObject({ stream_options: { include_usage: false } });
  });
});

describe('semantic convention versions', () => {
  it('latest mode drops the gen_ai.openai.* aliases', async () => {
    instrumentation.setConfig({ semconv: 'latest' });
    await replay.client.chat.completions.create({ ...fixtureRequest('openai/chat-text'), seed: 3 });
    await settle();
    const [span] = tracing.genAISpans();
    expect(span.attributes['gen_ai.request.seed']).toBe(3);
    expect(span.attributes['openai.response.system_fingerprint']).toBe('fp_58b2a2055b');
    expect(Object.keys(span.attributes).filter((name) => name.startsWith('gen_ai.openai.') || name === 'gen_ai.system')).toEqual([]);
  });
});

describe('unknown SDK versions', () => {
  it('warn through diag and never throw', () => {
    const [definition] = instrumentation.getModuleDefinitions();
    expect(() => definition.patch?.({ OpenAI: {} }, '9.0.0')).not.toThrow();
    expect(warnings.some((line) => line.includes('openai@9.0.0 is outside the tested versions'))).toBe(true);
    expect(warnings.some((line) => line.includes('Chat.Completions.create not found'))).toBe(true);
  });
});
