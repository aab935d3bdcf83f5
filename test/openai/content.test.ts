import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import type { ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { ResponseCreateParamsStreaming } from 'openai/resources/responses/responses';
import { beforeEach, describe, expect, it } from 'vitest';
import { OpenAIInstrumentation } from '../../src';
import { TRUNCATION_MARKER } from '../../src/content';
import type { Part } from '../../src/content';
import { chatContent } from '../../src/openai/chat-content';
import { responsesContent } from '../../src/openai/responses-content';
import { fixtureRequest, openAIOverReplay } from '../helpers/replay';
import { settle, setupTracingAndLogs } from '../helpers/tracing';

const instrumentation = new OpenAIInstrumentation();
const { tracing, logs: logExporter } = setupTracingAndLogs(instrumentation);

const replay = openAIOverReplay();
beforeEach(() => {
  instrumentation.setConfig({ captureMessageContent: true });
  tracing.exporter.reset();
  logExporter.reset();
});

const INPUT = 'gen_ai.input.messages';
const OUTPUT = 'gen_ai.output.messages';
const TOOLS = 'gen_ai.tool.definitions';
const SYSTEM = 'gen_ai.system_instructions';
const CONTENT_KEYS = [INPUT, OUTPUT, TOOLS, SYSTEM];

/** The one inference span of the last call(s), after its end has settled. */
async function inferenceSpans(): Promise<ReadableSpan[]> {
  await settle();
  return tracing.inferenceSpans();
}

async function onlySpan(): Promise<ReadableSpan> {
  const spans = await inferenceSpans();
  expect(spans).toHaveLength(1);
  return spans[0];
}

/** A content attribute, JSON-decoded; undefined when absent. */
function json(span: ReadableSpan, key: string): unknown {
  const value = span.attributes[key];
  if (value === undefined) return undefined;
  expect(typeof value).toBe('string');
  return JSON.parse(value as string);
}

/** A fixture's request with `stream: true`, typed so that the SDK returns its stream. */
function streaming<Params>(fixture: string): Params {
  return { ...fixtureRequest(fixture), stream: true } as Params;
}

const text = (content: string): Part => ({ type: 'text', content });

const CHAT_WEATHER_TOOL = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string', description: 'City name, e.g. Paris' } },
    required: ['location'],
  },
};

const CHAT_TEXT_INPUT = [
  { role: 'system', parts: [text('You are a helpful assistant. Keep answers short.')] },
  { role: 'user', parts: [text('What is the capital of Japan? Reply in one short sentence.')] },
];

describe('Chat Completions content on the span', () => {
  it('chat-text: system and user messages in, the reply out; no system instructions', async () => {
    await replay.client.chat.completions.create(fixtureRequest('openai/chat-text'));
    const span = await onlySpan();
    expect(json(span, INPUT)).toEqual(CHAT_TEXT_INPUT);
    expect(json(span, OUTPUT)).toEqual([{ role: 'assistant', parts: [text('The capital of Japan is Tokyo.')] }]);
    expect(span.attributes[SYSTEM]).toBeUndefined();
    expect(span.attributes[TOOLS]).toBeUndefined();
  });

  it('chat-tool-calls: tool definitions, and tool_call parts with parsed arguments', async () => {
    const reply = await replay.client.chat.completions.create(fixtureRequest('openai/chat-tool-calls'));
    expect(reply.choices[0].message.tool_calls).toHaveLength(2);
    const span = await onlySpan();
    expect(json(span, INPUT)).toEqual([{ role: 'user', parts: [text("What's the weather like in Paris and London right now?")] }]);
    expect(json(span, TOOLS)).toEqual([CHAT_WEATHER_TOOL]);
    expect(json(span, OUTPUT)).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'call_towiSyY2E2cNJtAdJGZDwU25', name: 'get_weather', arguments: { location: 'Paris' } },
          { type: 'tool_call', id: 'call_2syLe4iVWPM1EuaRQS9PYAa6', name: 'get_weather', arguments: { location: 'London' } },
        ],
      },
    ]);
  });

  it('chat-tool-results: the second turn carries the assistant tool calls and the tool messages', async () => {
    const first = fixtureRequest('openai/chat-tool-calls');
    const reply = await replay.client.chat.completions.create(first);
    const calls = reply.choices[0].message.tool_calls as Array<{ id: string; function: { arguments: string } }>;
    const final = await replay.client.chat.completions.create({
      model: first.model,
      messages: [
        ...first.messages,
        reply.choices[0].message,
        ...calls.map((call) => ({
          role: 'tool' as const,
          tool_call_id: call.id,
          content: JSON.stringify({ ...JSON.parse(call.function.arguments), temperature_c: 18 }),
        })),
      ],
    });
    expect(final.choices[0].message.content).toBe("It's 18 °C in both Paris and London right now.");
    const spans = await inferenceSpans();
    expect(spans).toHaveLength(2);
    const second = spans[1];
    expect(json(second, INPUT)).toEqual([
      { role: 'user', parts: [text("What's the weather like in Paris and London right now?")] },
      {
        role: 'assistant',
        parts: [
          { type: 'tool_call', id: 'call_towiSyY2E2cNJtAdJGZDwU25', name: 'get_weather', arguments: { location: 'Paris' } },
          { type: 'tool_call', id: 'call_2syLe4iVWPM1EuaRQS9PYAa6', name: 'get_weather', arguments: { location: 'London' } },
        ],
      },
      {
        role: 'tool',
        parts: [{ type: 'tool_call_response', id: 'call_towiSyY2E2cNJtAdJGZDwU25', response: '{"location":"Paris","temperature_c":18}' }],
      },
      {
        role: 'tool',
        parts: [{ type: 'tool_call_response', id: 'call_2syLe4iVWPM1EuaRQS9PYAa6', response: '{"location":"London","temperature_c":18}' }],
      },
    ]);
    expect(json(second, OUTPUT)).toEqual([{ role: 'assistant', parts: [text("It's 18 °C in both Paris and London right now.")] }]);
    expect(second.attributes[TOOLS]).toBeUndefined();
  });

  it('chat-n2: one output message per choice, in choice order', async () => {
    await replay.client.chat.completions.create({ ...fixtureRequest('openai/chat-n2'), max_completion_tokens: 20 });
    const span = await onlySpan();
    expect(json(span, INPUT)).toEqual([{ role: 'user', parts: [text('Suggest a name for a black cat.')] }]);
    expect(json(span, OUTPUT)).toEqual([
      { role: 'assistant', parts: [text('How about "Shadow"? It suits a sleek black cat.')] },
      { role: 'assistant', parts: [text('Here are a few ideas: Midnight, Onyx, Salem, Panther, Ebony, Raven, Jet and')] },
    ]);
  });

  it('chat-stream: the output is the concatenated deltas', async () => {
    const stream = await replay.client.chat.completions.create(streaming<ChatCompletionCreateParamsStreaming>('openai/chat-stream'));
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta?.content ?? '';
    expect(streamed).toBe('Keep a regular bedtime every night.');
    const span = await onlySpan();
    expect(json(span, INPUT)).toEqual([{ role: 'user', parts: [text('Give me a one-line tip for better sleep.')] }]);
    expect(json(span, OUTPUT)).toEqual([{ role: 'assistant', parts: [text(streamed)] }]);
  });

  it('chat-stream-tool-calls: streamed tool call arguments are reassembled and parsed', async () => {
    const stream = await replay.client.chat.completions.create(
      streaming<ChatCompletionCreateParamsStreaming>('openai/chat-stream-tool-calls'),
    );
    for await (const chunk of stream) void chunk;
    const span = await onlySpan();
    expect(json(span, TOOLS)).toEqual([CHAT_WEATHER_TOOL]);
    expect(json(span, OUTPUT)).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'call_FrlAf7sN4LO6S7MF2wqfSqNJ', name: 'get_weather', arguments: { location: 'Berlin' } }],
      },
    ]);
  });
});

describe('Chat Completions mapping (unit)', () => {
  it('reads multi-part messages: text, image URLs and data URLs, audio, files, refusals, names, roles', () => {
    const input = chatContent.input({
      messages: [
        { role: 'developer', content: [{ type: 'text', text: 'Be brief.' }] },
        {
          role: 'user',
          name: 'ana',
          content: [
            { type: 'text', text: 'What is in these?' },
            { type: 'image_url', image_url: { url: 'https://example.com/cat.png', detail: 'low' } },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
            { type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } },
            { type: 'file', file: { file_id: 'file-abc' } },
            { type: 'file', file: { filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' } },
            { type: 'image_url', image_url: { url: 'data:text/plain,hi%20there' } },
            { type: 'something_new', payload: 1 },
            { type: 'text' },
            null,
            'stray',
          ],
        },
        { role: 'assistant', content: [{ type: 'refusal', refusal: 'I cannot.' }] },
        {
          role: 'assistant',
          content: 'Let me check.',
          tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: 'not json' } }],
        },
        {
          role: 'tool',
          tool_call_id: 'c1',
          content: [
            { type: 'text', text: 'part one, ' },
            { type: 'text', text: 'part two' },
          ],
        },
        { role: 'system', content: 'Old-style system.' },
        { content: 'no role' },
        42,
      ],
      tools: [{ type: 'function', function: { name: 'f' } }, { type: 'custom', custom: { name: 'g' } }, { nope: true }],
    });
    expect({ ...input, messages: [...input.messages] }).toEqual({
      messages: [
        { role: 'system', parts: [text('Be brief.')] },
        {
          role: 'user',
          name: 'ana',
          parts: [
            text('What is in these?'),
            { type: 'uri', modality: 'image', uri: 'https://example.com/cat.png' },
            { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' },
            { type: 'blob', modality: 'audio', mime_type: 'audio/wav', content: 'UklGRg==' },
            { type: 'file', modality: 'document', file_id: 'file-abc' },
            { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBERi0=' },
            { type: 'blob', modality: 'image', mime_type: 'text/plain', content: Buffer.from('hi there').toString('base64') },
            { type: 'something_new' },
          ],
        },
        { role: 'assistant', parts: [text('I cannot.')] },
        { role: 'assistant', parts: [text('Let me check.'), { type: 'tool_call', id: 'c1', name: 'f', arguments: 'not json' }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'c1', response: 'part one, part two' }] },
        { role: 'system', parts: [text('Old-style system.')] },
      ],
      toolDefinitions: [{ type: 'function', name: 'f' }, { type: 'custom' }],
    });
    expect(input.systemInstructions).toBeUndefined();
  });

  it('never throws on odd shapes', () => {
    for (const params of [{}, { messages: 'x' }, { messages: [null, 1, { role: 3 }, { role: 'user', content: 7 }] }, { tools: 'x' }]) {
      expect(() => chatContent.input(params as Record<string, unknown>)).not.toThrow();
    }
    for (const body of [
      undefined,
      null,
      'x',
      { choices: 'x' },
      { choices: [null, { message: 5 }, { message: { content: 5, tool_calls: [null, { function: 1 }] } }] },
    ]) {
      expect(() => chatContent.output(body)).not.toThrow();
    }
    expect(chatContent.output({ choices: [{ message: { content: '', refusal: 'No.' } }] })).toEqual([
      { role: 'assistant', parts: [text('No.')] },
    ]);
    const stream = chatContent.streamOutput();
    for (const chunk of [
      undefined,
      null,
      'x',
      { choices: 'x' },
      { choices: [null, { index: 'x', delta: 5 }, { index: 1, delta: { tool_calls: [null, { index: 0 }] } }] },
    ]) {
      expect(() => stream.onChunk(chunk)).not.toThrow();
    }
    // Choice 1 (by its index, or by its position when the index is unreadable), with a nameless call.
    expect(stream.messages()).toEqual([{ role: 'assistant', parts: [{ type: 'tool_call', arguments: '' }] }]);
  });

  it('streams several choices, each by its index', () => {
    const stream = chatContent.streamOutput();
    const chunks = [
      { choices: [{ index: 1, delta: { role: 'assistant', content: 'B' } }] },
      { choices: [{ index: 0, delta: { role: 'assistant', content: 'A' } }] },
      {
        choices: [
          { index: 1, delta: { content: '2' } },
          { index: 0, delta: { content: '1' } },
        ],
      },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 1, id: 'c2', function: { name: 'g', arguments: '{}' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '{"a"' } }] } }] },
      { choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: ':1}' } }] } }] },
      { choices: [], usage: { prompt_tokens: 1 } },
    ];
    for (const chunk of chunks) stream.onChunk(chunk);
    expect(stream.messages()).toEqual([
      {
        role: 'assistant',
        parts: [
          text('A1'),
          { type: 'tool_call', id: 'c1', name: 'f', arguments: { a: 1 } },
          { type: 'tool_call', id: 'c2', name: 'g', arguments: {} },
        ],
      },
      { role: 'assistant', parts: [text('B2')] },
    ]);
  });
});

const RESPONSES_WEATHER_TOOL = {
  type: 'function',
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  parameters: {
    type: 'object',
    properties: { location: { type: 'string', description: 'City name, e.g. Tokyo' } },
    required: ['location'],
    additionalProperties: false,
  },
};

describe('Responses content on the span', () => {
  it('responses-text: a string input, instructions as system instructions, the output text', async () => {
    await replay.client.responses.create({ ...fixtureRequest('openai/responses-text'), instructions: 'Answer like a physicist.' });
    const span = await onlySpan();
    expect(json(span, INPUT)).toEqual([{ role: 'user', parts: [text('In one sentence, why is the sky blue?')] }]);
    expect(json(span, SYSTEM)).toEqual([text('Answer like a physicist.')]);
    expect(json(span, OUTPUT)).toEqual([
      {
        role: 'assistant',
        parts: [
          text(
            'The sky looks blue because the air scatters short blue wavelengths of sunlight far more than longer red ones, so blue light reaches your eyes from every direction.',
          ),
        ],
      },
    ]);
    expect(span.attributes[TOOLS]).toBeUndefined();
  });

  it('responses-function-call: the tool definitions and a tool_call part', async () => {
    await replay.client.responses.create(fixtureRequest('openai/responses-function-call'));
    const span = await onlySpan();
    expect(json(span, INPUT)).toEqual([{ role: 'user', parts: [text("What's the weather in Tokyo today?")] }]);
    expect(json(span, TOOLS)).toEqual([RESPONSES_WEATHER_TOOL]);
    expect(json(span, OUTPUT)).toEqual([
      {
        role: 'assistant',
        parts: [{ type: 'tool_call', id: 'call_kskUmxDzWin4Y26hoyiVCZTl', name: 'get_weather', arguments: { location: 'Tokyo' } }],
      },
    ]);
    expect(span.attributes[SYSTEM]).toBeUndefined();
  });

  it('responses-stream: the output comes from response.completed', async () => {
    const stream = await replay.client.responses.create(streaming<ResponseCreateParamsStreaming>('openai/responses-stream'));
    let streamed = '';
    for await (const event of stream) if (event.type === 'response.output_text.delta') streamed += event.delta;
    expect(streamed).toBe('1. Better heart health.\n2. A brighter mood.');
    const span = await onlySpan();
    expect(json(span, INPUT)).toEqual([{ role: 'user', parts: [text('List two benefits of walking every day.')] }]);
    expect(json(span, OUTPUT)).toEqual([{ role: 'assistant', parts: [text(streamed)] }]);
  });
});

describe('Responses mapping (unit)', () => {
  it('reads an input array: messages, function calls and their outputs, reasoning, other items', () => {
    const input = responsesContent.input({
      instructions: 'Be brief.',
      input: [
        { role: 'developer', content: 'Use metric units.' },
        {
          type: 'message',
          role: 'user',
          content: [
            { type: 'input_text', text: 'Weather here?' },
            { type: 'input_image', image_url: 'https://example.com/sky.jpg', detail: 'auto' },
            { type: 'input_image', image_url: 'data:image/jpeg;base64,/9j/4AA=' },
            { type: 'input_image', file_id: 'file-img' },
            { type: 'input_file', file_id: 'file-doc' },
            { type: 'input_file', filename: 'a.pdf', file_data: 'data:application/pdf;base64,JVBERi0=' },
          ],
        },
        {
          type: 'reasoning',
          id: 'rs_1',
          summary: [
            { type: 'summary_text', text: 'Need the weather.' },
            { type: 'summary_text', text: 'Call the tool.' },
          ],
        },
        { type: 'reasoning', id: 'rs_2', summary: [] },
        { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"location":"Tokyo"}' },
        { type: 'function_call_output', call_id: 'call_1', output: '{"temperature_c":21}' },
        {
          type: 'message',
          role: 'assistant',
          id: 'msg_1',
          status: 'completed',
          content: [
            { type: 'output_text', text: 'It is 21 °C.', annotations: [] },
            { type: 'refusal', refusal: 'No more.' },
          ],
        },
        { type: 'item_reference', id: 'msg_0' },
        {
          type: 'function_call_output',
          call_id: 'call_2',
          output: [
            { type: 'input_text', text: 'a' },
            { type: 'input_image', file_id: 'f' },
            { type: 'input_text', text: 'b' },
          ],
        },
        null,
        { content: 'neither type nor role' },
      ],
      tools: [{ type: 'function', name: 'get_weather', parameters: null, strict: true }, { type: 'web_search' }],
    });
    expect({ ...input, messages: [...input.messages] }).toEqual({
      systemInstructions: [text('Be brief.')],
      messages: [
        { role: 'system', parts: [text('Use metric units.')] },
        {
          role: 'user',
          parts: [
            text('Weather here?'),
            { type: 'uri', modality: 'image', uri: 'https://example.com/sky.jpg' },
            { type: 'blob', modality: 'image', mime_type: 'image/jpeg', content: '/9j/4AA=' },
            { type: 'file', modality: 'image', file_id: 'file-img' },
            { type: 'file', modality: 'document', file_id: 'file-doc' },
            { type: 'blob', modality: 'document', mime_type: 'application/pdf', content: 'JVBERi0=' },
          ],
        },
        {
          role: 'assistant',
          parts: [
            { type: 'reasoning', content: 'Need the weather.' },
            { type: 'reasoning', content: 'Call the tool.' },
          ],
        },
        { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'get_weather', arguments: { location: 'Tokyo' } }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: '{"temperature_c":21}' }] },
        { role: 'assistant', parts: [text('It is 21 °C.'), text('No more.')] },
        { role: 'assistant', parts: [{ type: 'item_reference' }] },
        { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_2', response: 'ab' }] },
      ],
      toolDefinitions: [{ type: 'function', name: 'get_weather' }, { type: 'web_search' }],
    });
  });

  it('builds the output in item order and never throws on odd shapes', () => {
    expect(
      responsesContent.output({
        output: [
          {
            type: 'reasoning',
            summary: [
              { type: 'summary_text', text: 'a' },
              { type: 'summary_text', text: 'b' },
            ],
          },
          { type: 'reasoning', summary: [] },
          { type: 'web_search_call', id: 'ws_1', status: 'completed' },
          {
            type: 'message',
            role: 'assistant',
            content: [
              { type: 'output_text', text: 'Hi' },
              { type: 'refusal', refusal: 'No' },
            ],
          },
          { type: 'function_call', call_id: 'c1', name: 'f', arguments: '{"x":' },
          null,
        ],
      }),
    ).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: 'a\nb' },
          { type: 'web_search_call' },
          text('Hi'),
          text('No'),
          { type: 'tool_call', id: 'c1', name: 'f', arguments: '{"x":' },
        ],
      },
    ]);
    for (const body of [
      undefined,
      null,
      1,
      { output: 'x' },
      {
        output: [
          { type: 'message', content: 5 },
          { type: 'reasoning', summary: [null, 5] },
        ],
      },
    ]) {
      expect(() => responsesContent.output(body)).not.toThrow();
    }
    for (const params of [{}, { input: 5 }, { input: [{ type: 5 }, { role: 5 }] }, { instructions: 5, tools: [null] }]) {
      expect(() => responsesContent.input(params as Record<string, unknown>)).not.toThrow();
    }
    const stream = responsesContent.streamOutput();
    for (const event of [undefined, null, { type: 'response.completed' }, { type: 'response.output_text.delta', delta: 'x' }])
      stream.onChunk(event);
    expect(stream.messages()).toEqual([]);
    stream.onChunk({
      type: 'response.incomplete',
      response: { output: [{ type: 'message', content: [{ type: 'output_text', text: 'Partial' }] }] },
    });
    expect(stream.messages()).toEqual([{ role: 'assistant', parts: [text('Partial')] }]);
  });
});

describe('capture modes and options', () => {
  const PROMPT = 'What is the capital of Japan?';
  const REPLY = 'The capital of Japan is Tokyo.';

  it('records no content by default: no content attributes and no prompt or reply text anywhere', async () => {
    instrumentation.setConfig({});
    await replay.client.chat.completions.create(fixtureRequest('openai/chat-text'));
    const stream = await replay.client.responses.create(streaming<ResponseCreateParamsStreaming>('openai/responses-stream'));
    for await (const event of stream) void event;
    const spans = await inferenceSpans();
    expect(spans).toHaveLength(2);
    for (const span of tracing.spans()) {
      for (const key of CONTENT_KEYS) expect(span.attributes[key]).toBeUndefined();
      const values = JSON.stringify(Object.values(span.attributes));
      for (const secret of [PROMPT, REPLY, 'List two benefits of walking', 'Better heart health']) expect(values).not.toContain(secret);
    }
    expect(logExporter.getFinishedLogRecords()).toEqual([]);
  });

  it('EVENT_ONLY: no content on the span, one correlated event that carries it', async () => {
    instrumentation.setConfig({ captureMessageContent: 'EVENT_ONLY' });
    await replay.client.chat.completions.create(fixtureRequest('openai/chat-text'));
    const span = await onlySpan();
    for (const key of CONTENT_KEYS) expect(span.attributes[key]).toBeUndefined();
    const records = logExporter.getFinishedLogRecords();
    expect(records).toHaveLength(1);
    const [event] = records;
    expect(event.eventName).toBe('gen_ai.client.inference.operation.details');
    expect(event.spanContext?.traceId).toBe(span.spanContext().traceId);
    expect(event.spanContext?.spanId).toBe(span.spanContext().spanId);
    expect(event.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.response.id': 'chatcmpl-EKKmXZWWm5HPa6EeFUJFOrNXA6Whw',
    });
    expect(JSON.parse(event.attributes[INPUT] as string)).toEqual(CHAT_TEXT_INPUT);
    expect(JSON.parse(event.attributes[OUTPUT] as string)).toEqual([{ role: 'assistant', parts: [text(REPLY)] }]);
    expect(event.attributes[TOOLS]).toBeUndefined();
  });

  it('cuts each content attribute to maxContentLength UTF-8 bytes, marked', async () => {
    instrumentation.setConfig({ captureMessageContent: true, maxContentLength: 60 });
    await replay.client.chat.completions.create(fixtureRequest('openai/chat-text'));
    const span = await onlySpan();
    for (const key of [INPUT, OUTPUT]) {
      const value = span.attributes[key] as string;
      expect(typeof value).toBe('string');
      expect(Buffer.byteLength(value, 'utf8')).toBeLessThanOrEqual(60);
      expect(value.endsWith(TRUNCATION_MARKER)).toBe(true);
    }
  });

  it('applies the redact hook to every part', async () => {
    instrumentation.setConfig({
      captureMessageContent: true,
      redact: (part) => {
        if (part.type === 'tool_call') return undefined;
        if (part.type === 'text') return { ...part, content: '[redacted]' };
        return part;
      },
    });
    await replay.client.chat.completions.create(fixtureRequest('openai/chat-tool-results'));
    const span = await onlySpan();
    expect(json(span, INPUT)).toEqual([
      { role: 'user', parts: [text('[redacted]')] },
      { role: 'assistant', parts: [] },
      {
        role: 'tool',
        parts: [{ type: 'tool_call_response', id: 'call_towiSyY2E2cNJtAdJGZDwU25', response: '{"location":"Paris","temperature_c":18}' }],
      },
      {
        role: 'tool',
        parts: [{ type: 'tool_call_response', id: 'call_2syLe4iVWPM1EuaRQS9PYAa6', response: '{"location":"London","temperature_c":18}' }],
      },
    ]);
    expect(json(span, OUTPUT)).toEqual([{ role: 'assistant', parts: [text('[redacted]')] }]);
  });

  it("passes a message's name through the redact hook: replaced, or dropped", async () => {
    const request = fixtureRequest('openai/chat-text');
    request.messages[0].name = 'alice_smith';
    const seen: unknown[] = [];
    instrumentation.setConfig({
      captureMessageContent: true,
      redact: (part) => {
        if (part.type === 'name') seen.push(part.content);
        return part.type === 'name' ? { ...part, content: 'participant' } : part;
      },
    });
    await replay.client.chat.completions.create(request);
    expect(seen).toEqual(['alice_smith']);
    expect(JSON.stringify((await onlySpan()).attributes)).not.toContain('alice_smith');
    expect((json(await onlySpan(), INPUT) as Array<{ name?: string }>)[0].name).toBe('participant');

    tracing.exporter.reset();
    instrumentation.setConfig({ captureMessageContent: true, redact: (part) => (part.type === 'name' ? undefined : part) });
    await replay.client.chat.completions.create(request);
    expect((json(await onlySpan(), INPUT) as Array<{ name?: string }>)[0]).not.toHaveProperty('name');
  });
});
