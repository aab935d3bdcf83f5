/**
 * The testing kit (`otel-genai/testing`, as built in dist/) with `@google/genai`: `collectSpans()`
 * takes the SDK's ES module under `modules.google`, and finds its CommonJS copy by itself; the
 * recorder places Gemini requests (their own headers) with the Gemini API, and never elsewhere.
 */
import type { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Kit from 'otel-genai/testing';
import type * as GenAI from '@google/genai' with { 'resolution-mode': 'import' };

const require = createRequire(__filename);
const { collectSpans, startReplayServer } = require('otel-genai/testing') as typeof Kit;
const { providerOfRequest } = require('../../dist/testing/recorder.js') as typeof import('../../src/testing/recorder');

// Loaded before any collector: collectSpans() finds this copy in the require cache (its package's
// `main` is the ES module entry; the CommonJS one is what `exports` gives `require`).
const cjs = require('@google/genai') as typeof GenAI;
const FIXTURES = join(__dirname, '..', '..', 'fixtures', 'google');
let server: Kit.ReplayServer;

beforeAll(async () => {
  server = await startReplayServer({ fixtures: FIXTURES, delayScale: 0 });
});
afterAll(() => server.close());

describe('collectSpans() and @google/genai', () => {
  it('the ES module copy, passed as modules.google, and the CommonJS copy required before, found: both traced', async () => {
    const esm = await import('@google/genai');
    const spans = collectSpans({ modules: { google: esm } });
    try {
      const viaImport = new esm.GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: server.url } });
      const viaRequire = new cjs.GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: server.url } });
      expect(viaRequire).not.toBeInstanceOf(esm.GoogleGenAI);
      await viaImport.models.generateContent({ model: 'gemini-2.5-flash', contents: 'What is the capital of France? Answer in one word.' });
      await viaRequire.models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'What is the capital of France? Answer in one word.',
      });
      await spans.settle();
      // The same call through each copy: one span each, alike.
      const parisCall = {
        name: 'generate_content gemini-2.5-flash',
        attributes: {
          'gen_ai.provider.name': 'gcp.gemini',
          'gen_ai.response.finish_reasons': ['STOP'],
          'gen_ai.usage.input_tokens': 11,
          'gen_ai.usage.output_tokens': 25,
        },
        children: [],
      };
      expect(spans.tree()).toEqual([parisCall, parisCall]);
    } finally {
      await spans.shutdown();
    }
  });

  it('google: false leaves the SDK untraced', async () => {
    const spans = collectSpans({ google: false });
    try {
      const ai = new (require('@google/genai').GoogleGenAI)({ apiKey: 'test-key', httpOptions: { baseUrl: server.url } });
      await ai.models.generateContent({ model: 'gemini-2.5-flash', contents: 'What is the capital of France? Answer in one word.' });
      await spans.settle();
      expect(spans.genAISpans()).toEqual([]);
    } finally {
      await spans.shutdown();
    }
  });
});

describe('the recorder places Gemini requests by their own headers', () => {
  const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

  it('x-goog-api-key (the Gemini API) and x-goog-api-client (every @google/genai request) name Google', () => {
    expect(providerOfRequest(request({ 'x-goog-api-key': 'FAKE', 'x-goog-api-client': 'google-genai-sdk/3.6.1' })).provider).toBe('google');
    // Vertex AI: a bearer token, which alone would be OpenAI's: the SDK's own header keeps it Google's.
    expect(providerOfRequest(request({ authorization: 'Bearer ya29.FAKE', 'x-goog-api-client': 'google-genai-sdk/3.6.1' })).provider).toBe(
      'google',
    );
    expect(providerOfRequest(request({ authorization: 'Bearer sk-FAKE' })).provider).toBe('openai');
    expect(providerOfRequest(request({ 'x-api-key': 'FAKE' })).provider).toBe('anthropic');
  });

  it("refuses a request with Google's and another provider's headers", () => {
    const placed = providerOfRequest(request({ 'x-goog-api-key': 'FAKE', 'anthropic-version': '2023-06-01' }));
    expect(placed.provider).toBeUndefined();
    expect(placed.reason).toMatch(/several providers/);
  });
});
