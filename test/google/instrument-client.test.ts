/**
 * `instrumentClient()` on `@google/genai` clients (no module hook in this process: a bundled app's
 * case), and content capture in the conventions' shapes.
 */
import { createRequire } from 'node:module';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type * as GenAI from '@google/genai' with { 'resolution-mode': 'import' };
import { instrumentClient } from '../../src';
import { generateContentContent } from '../../src/google/content';
import type { ReplayServer } from '../../src/testing/replay-server';
import { startFixtureServer } from '../helpers/replay';
import { collect } from '../helpers/scenario';
import { captureDiag, settle, setupTracing } from '../helpers/tracing';

const tracing = setupTracing();
const genai = createRequire(__filename)('@google/genai') as typeof GenAI;
const MODEL = 'gemini-2.5-flash';
let server: ReplayServer;

beforeAll(async () => {
  server = await startFixtureServer(0.02);
});
afterAll(() => server.close());
beforeEach(() => {
  tracing.exporter.reset();
  server.reset();
});

const client = () => new genai.GoogleGenAI({ apiKey: 'test-key', httpOptions: { baseUrl: server.url } });

describe('instrumentClient(GoogleGenAI)', () => {
  it('traces that client only: calls, streams, chats and embeddings, one span per request', async () => {
    const traced = instrumentClient(client());
    const untraced = client();
    await untraced.models.generateContent({ model: MODEL, contents: 'What is the capital of France? Answer in one word.' });
    expect(
      (await traced.models.generateContent({ model: MODEL, contents: 'What is the capital of France? Answer in one word.' })).text,
    ).toBe('Paris');
    await collect(await traced.models.generateContentStream({ model: MODEL, contents: 'Tell me a short story about a lighthouse.' }));
    await traced.chats.create({ model: MODEL }).sendMessage({ message: 'What is the capital of France? Answer in one word.' });
    await traced.models.embedContent({ model: 'gemini-embedding-001', contents: ['The quick brown fox', 'jumps over the lazy dog'] });
    await settle();
    expect(tracing.inferenceSpans().map((span) => [span.name, span.attributes['gen_ai.request.stream'] ?? false])).toEqual([
      [`generate_content ${MODEL}`, false],
      [`generate_content ${MODEL}`, true],
      [`generate_content ${MODEL}`, false],
      ['embeddings gemini-embedding-001', false],
    ]);
    // Nothing on the prototype: the SDK's class is as it was.
    expect(Object.getOwnPropertyDescriptor(genai.Models.prototype, 'generateContent')).toBeUndefined();
  });

  it('an automatic function calling run of an instrumented client: invoke_agent, its calls and its tool', async () => {
    const ai = instrumentClient(client());
    const tool = {
      tool: async () => ({ functionDeclarations: [{ name: 'get_weather', description: 'Get the current weather for a city.' }] }),
      callTool: async (calls: Array<{ name: string }>) =>
        calls.map((call) => ({ functionResponse: { name: call.name, response: { temperature_c: 19 } } })),
    };
    const response = await ai.models.generateContent({
      model: MODEL,
      contents: 'What is the weather like in Lisbon right now?',
      config: { tools: [tool as never] },
    });
    expect(response.text).toBe("It's sunny in Lisbon right now, at about 19 °C.");
    await settle();
    expect(tracing.genAISpanNames()).toEqual(
      ['execute_tool get_weather', `generate_content ${MODEL}`, `generate_content ${MODEL}`, 'invoke_agent'].sort(),
    );
  });

  it("each client's own options: content captured on one, not on the other", async () => {
    const capturing = instrumentClient(client(), { captureMessageContent: true });
    const quiet = instrumentClient(client());
    await capturing.models.generateContent({
      model: MODEL,
      contents: 'What is the capital of France? Answer in one word.',
      config: { systemInstruction: 'Answer tersely.' },
    });
    await quiet.models.generateContent({ model: MODEL, contents: 'What is the capital of France? Answer in one word.' });
    await settle();
    const [captured, plain] = tracing.inferenceSpans();
    expect(JSON.parse(captured.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'What is the capital of France? Answer in one word.' }] },
    ]);
    expect(JSON.parse(captured.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Paris' }] },
    ]);
    expect(JSON.parse(captured.attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'Answer tersely.' }]);
    expect(plain.attributes['gen_ai.input.messages']).toBeUndefined();
  });

  it('a streamed reply is captured from its chunks', async () => {
    const ai = instrumentClient(client(), { captureMessageContent: true });
    await collect(await ai.models.generateContentStream({ model: MODEL, contents: 'Tell me a short story about a lighthouse.' }));
    await settle();
    const output = JSON.parse(tracing.inferenceSpans()[0].attributes['gen_ai.output.messages'] as string);
    expect(output).toEqual([
      {
        role: 'assistant',
        parts: [
          {
            type: 'text',
            content:
              'Keeper Ada lit the lamp each night, though no ship had passed in years. One stormy evening, a small boat followed her light home.',
          },
        ],
      },
    ]);
  });

  it('an object that is no SDK client is returned untouched, with a warning naming the SDKs', () => {
    const lines = captureDiag();
    const stranger = { models: {} };
    expect(instrumentClient(stranger)).toBe(stranger);
    expect(lines.some((line) => line.includes('does not recognise this client') && line.includes('a Google Gen AI SDK client'))).toBe(true);
  });
});

describe('content in the conventions shapes', () => {
  it('parts: text, thoughts, inline data (a blob), file data (a uri), function calls and responses, code execution', () => {
    const input = generateContentContent.input({
      contents: [
        {
          role: 'user',
          parts: [
            { text: 'Describe this.' },
            { inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } },
            { fileData: { fileUri: 'gs://bucket/report.pdf', mimeType: 'application/pdf' } },
          ],
        },
        {
          role: 'model',
          parts: [
            { text: 'Let me think.', thought: true },
            { functionCall: { id: 'fc_1', name: 'get_weather', args: { location: 'Lisbon' } } },
          ],
        },
        { role: 'user', parts: [{ functionResponse: { id: 'fc_1', name: 'get_weather', response: { temperature_c: 19 } } }] },
        {
          role: 'model',
          parts: [
            { executableCode: { language: 'PYTHON', code: 'print(1)' } },
            { codeExecutionResult: { outcome: 'OUTCOME_OK', output: '1' } },
          ],
        },
      ],
      config: {
        tools: [
          { functionDeclarations: [{ name: 'get_weather', description: 'Weather.', parametersJsonSchema: { type: 'object' } }] },
          { googleSearch: {} },
        ],
      },
    });
    expect([...input.messages]).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'Describe this.' },
          { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' },
          { type: 'uri', modality: 'document', mime_type: 'application/pdf', uri: 'gs://bucket/report.pdf' },
        ],
      },
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'Let me think.' },
          { type: 'tool_call', id: 'fc_1', name: 'get_weather', arguments: { location: 'Lisbon' } },
        ],
      },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'fc_1', response: { temperature_c: 19 } }] },
      {
        role: 'assistant',
        parts: [
          { type: 'server_tool_call', name: 'code_execution', arguments: { language: 'PYTHON', code: 'print(1)' } },
          { type: 'server_tool_call_response', response: { outcome: 'OUTCOME_OK', output: '1' } },
        ],
      },
    ]);
    expect(input.toolDefinitions).toEqual([
      { type: 'function', name: 'get_weather', description: 'Weather.', parameters: { type: 'object' } },
      { type: 'googleSearch' },
    ]);
    // A string, or loose parts, are one user turn, as the SDK sends them.
    expect([...generateContentContent.input({ contents: ['a', { text: 'b' }] }).messages]).toEqual([
      {
        role: 'user',
        parts: [
          { type: 'text', content: 'a' },
          { type: 'text', content: 'b' },
        ],
      },
    ]);
  });

  it('an inline payload is recorded as its size, unless captureBinaryContent', async () => {
    const ai = instrumentClient(client(), { captureMessageContent: true });
    // No fixture answers this: the 404 still ends a span with its input recorded.
    await ai.models
      .generateContent({
        model: MODEL,
        contents: [{ role: 'user', parts: [{ text: 'What is this?' }, { inlineData: { mimeType: 'image/png', data: 'A'.repeat(400) } }] }],
      })
      .catch(() => undefined);
    await settle();
    const input = JSON.parse(tracing.inferenceSpans()[0].attributes['gen_ai.input.messages'] as string);
    expect(input[0].parts[1]).toEqual({ type: 'blob', modality: 'image', mime_type: 'image/png', size: 300 });
  });
});
