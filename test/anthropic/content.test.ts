import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, runTool } from '../../src';
import { messagesContent } from '../../src/anthropic/content';
import { captureModeOf, TRUNCATION_MARKER, truncateUtf8 } from '../../src/content';
import { anthropicOverReplay, fixtureRequest, PROMPTS, WEATHER_TOOLS } from '../helpers/replay';
import { settle, setupTracingAndLogs } from '../helpers/tracing';

const instrumentation = new AnthropicInstrumentation();
const { tracing, logs } = setupTracingAndLogs(instrumentation);
const replay = anthropicOverReplay(0);

const MODEL = 'claude-sonnet-5-5';
beforeEach(() => {
  instrumentation.setConfig({});
  tracing.exporter.reset();
  logs.reset();
  replay.server.reset();
});

const user = (content: string) => [{ role: 'user', content }];
const json = (span: ReadableSpan, name: string) => JSON.parse(span.attributes[name] as string);
const CONTENT_ATTRIBUTES = ['gen_ai.input.messages', 'gen_ai.output.messages', 'gen_ai.system_instructions', 'gen_ai.tool.definitions'];

/** Every string an exporter would send for these spans: attribute values and event attributes. */
function exportedText(spans: ReadableSpan[]): string {
  return JSON.stringify(spans.map((span) => [span.attributes, span.events.map((event) => event.attributes)]));
}

describe('content off (the default)', () => {
  it('records no prompt, reply, tool arguments or system text anywhere', async () => {
    const system = 'You are a terse meteorologist.';
    await replay.client.messages.create({ model: MODEL, max_tokens: 200, system, tools: WEATHER_TOOLS, messages: user(PROMPTS.toolUse) });
    const stream = await replay.client.messages.create({ model: MODEL, max_tokens: 200, stream: true, messages: user(PROMPTS.streamText) });
    for await (const _event of stream);
    await runTool({ name: 'get_weather', arguments: { location: 'Lisbon, Portugal' } }, () => 'sunny and 19 °C');
    await settle();
    const spans = tracing.genAISpans();
    expect(spans.length).toBe(3);
    for (const span of spans) for (const name of CONTENT_ATTRIBUTES) expect(span.attributes[name]).toBeUndefined();
    const text = exportedText(spans);
    for (const secret of [
      system,
      PROMPTS.toolUse,
      'Lisbon',
      'look up the current conditions',
      PROMPTS.streamText,
      'lighthouse',
      'sunny and 19',
    ]) {
      expect(text).not.toContain(secret);
    }
    expect(logs.getFinishedLogRecords()).toHaveLength(0);
  });
});

describe('content on', () => {
  it('a request with system, tools and a tool_use reply, in the conventions JSON shapes', async () => {
    instrumentation.setConfig({ captureMessageContent: true });
    await replay.client.messages.create({
      model: MODEL,
      max_tokens: 200,
      system: 'You are a terse meteorologist.',
      tools: WEATHER_TOOLS,
      messages: user(PROMPTS.toolUse),
    });
    await settle();
    const [span] = tracing.inferenceSpans();
    expect(json(span, 'gen_ai.system_instructions')).toEqual([{ type: 'text', content: 'You are a terse meteorologist.' }]);
    expect(json(span, 'gen_ai.input.messages')).toEqual([{ role: 'user', parts: [{ type: 'text', content: PROMPTS.toolUse }] }]);
    expect(json(span, 'gen_ai.tool.definitions')).toEqual([
      {
        type: 'function',
        name: 'get_weather',
        description: 'Get the current weather for a city.',
        parameters: WEATHER_TOOLS[0].input_schema,
      },
    ]);
    expect(json(span, 'gen_ai.output.messages')).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: "I'll look up the current conditions in Lisbon." },
          { type: 'tool_call', id: 'toolu_01qZru8cdgXwJyMEbVaFvDsj', name: 'get_weather', arguments: { location: 'Lisbon, Portugal' } },
        ],
      },
    ]);
  });

  it('tool results in the next request, and the tool span arguments and result', async () => {
    instrumentation.setConfig({ captureMessageContent: 'SPAN_ONLY' });
    const first = await replay.client.messages.create({
      model: MODEL,
      max_tokens: 1024,
      tools: WEATHER_TOOLS,
      messages: user(PROMPTS.toolUse),
    });
    const call = first.content[1];
    const result = await runTool({ name: call.name, callId: call.id, arguments: call.input }, () =>
      JSON.stringify({ location: 'Lisbon, Portugal', temperature_c: 19, conditions: 'sunny' }),
    );
    await replay.client.messages.create({
      model: MODEL,
      max_tokens: 1024,
      tools: WEATHER_TOOLS,
      messages: [
        ...user(PROMPTS.toolUse),
        { role: 'assistant', content: first.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: result }] },
      ],
    });
    await settle();
    const [, second] = tracing.inferenceSpans();
    expect(json(second, 'gen_ai.input.messages').at(-1)).toEqual({
      role: 'user',
      parts: [{ type: 'tool_call_response', id: 'toolu_01qZru8cdgXwJyMEbVaFvDsj', response: result }],
    });
    expect(json(second, 'gen_ai.output.messages')).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: "It's sunny in Lisbon right now, at about 19 °C." }] },
    ]);
    const [tool] = tracing.toolSpans();
    expect(json(tool, 'gen_ai.tool.call.arguments')).toEqual({ location: 'Lisbon, Portugal' });
    expect(tool.attributes['gen_ai.tool.call.result']).toBe(result);
  });

  it('a stream builds its output from the chunks: text, thinking and a streamed tool call', async () => {
    instrumentation.setConfig({ captureMessageContent: true });
    const thinking = await replay.client.messages
      .stream({ ...fixtureRequest('anthropic/messages-stream-thinking'), max_tokens: 2000 })
      .finalMessage();
    const toolUse = await replay.client.messages
      .stream({ model: MODEL, max_tokens: 300, tools: WEATHER_TOOLS, messages: user(PROMPTS.streamToolUse) })
      .finalMessage();
    await settle();
    const [thinkingSpan, toolSpan] = tracing.inferenceSpans();
    expect(json(thinkingSpan, 'gen_ai.output.messages')).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'reasoning', content: thinking.content[0].thinking },
          { type: 'text', content: thinking.content[1].text },
        ],
      },
    ]);
    expect(json(toolSpan, 'gen_ai.output.messages')).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: toolUse.content[0].text },
          { type: 'tool_call', id: toolUse.content[1].id, name: 'get_weather', arguments: { location: 'Tokyo, Japan' } },
        ],
      },
    ]);
  });

  it('images and documents become blob / uri / file parts, their base64 left out unless asked', () => {
    const params = {
      messages: [
        {
          role: 'user',
          content: [
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            { type: 'image', source: { type: 'url', url: 'https://example.com/cat.png' } },
            { type: 'document', source: { type: 'file', file_id: 'file_011' } },
            { type: 'text', text: 'What is in these?' },
          ],
        },
      ],
    };
    const input = messagesContent.input(params);
    expect([...input.messages][0].parts).toEqual([
      { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' },
      { type: 'uri', modality: 'image', uri: 'https://example.com/cat.png' },
      { type: 'file', modality: 'document', file_id: 'file_011' },
      { type: 'text', content: 'What is in these?' },
    ]);
  });

  it('blob payloads are recorded only with captureBinaryContent', async () => {
    const image = { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } };
    // No fixture answers this request: the span records the input all the same, and the 404 is the app's.
    const send = () =>
      replay.client.messages
        .create({ model: MODEL, max_tokens: 10, messages: [{ role: 'user', content: [image] }] })
        .catch(() => undefined);
    instrumentation.setConfig({ captureMessageContent: true });
    await send();
    instrumentation.setConfig({ captureMessageContent: true, captureBinaryContent: true });
    await send();
    await settle();
    const [without, withPayload] = tracing.inferenceSpans();
    expect(json(without, 'gen_ai.input.messages')[0].parts).toEqual([{ type: 'blob', modality: 'image', mime_type: 'image/png', size: 9 }]);
    expect(json(withPayload, 'gen_ai.input.messages')[0].parts).toEqual([
      { type: 'blob', modality: 'image', mime_type: 'image/png', content: 'iVBORw0KGgo=' },
    ]);
  });

  it('EVENT_ONLY: no content on the span, one log event with it, correlated with the span', async () => {
    instrumentation.setConfig({ captureMessageContent: 'EVENT_ONLY' });
    await replay.client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
    await settle();
    const [span] = tracing.inferenceSpans();
    for (const name of CONTENT_ATTRIBUTES) expect(span.attributes[name]).toBeUndefined();
    const [event] = logs.getFinishedLogRecords();
    expect(logs.getFinishedLogRecords()).toHaveLength(1);
    expect(event.eventName).toBe('gen_ai.client.inference.operation.details');
    expect(event.spanContext?.spanId).toBe(span.spanContext().spanId);
    expect(event.spanContext?.traceId).toBe(span.spanContext().traceId);
    expect(JSON.parse(event.attributes['gen_ai.input.messages'] as string)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: PROMPTS.text }] },
    ]);
    expect(JSON.parse(event.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: 'Paris' }] },
    ]);
    expect(event.attributes).toMatchObject({ 'gen_ai.operation.name': 'chat', 'gen_ai.response.id': 'msg_01EDxgC9HgnvgQyQRUejyWUH' });
  });

  it('EVENT_ONLY: tool arguments and results, which have no event of their own, are recorded nowhere', async () => {
    // A tool call that a response this instrumentation traced asked for (by its id): under its settings.
    const callTool = async () => {
      replay.server.reset();
      const reply = await replay.client.messages.create({
        model: MODEL,
        max_tokens: 1024,
        tools: WEATHER_TOOLS,
        messages: user(PROMPTS.toolUse),
      });
      const callId = (reply.content[1] as { id: string }).id;
      return runTool({ name: 'get_weather', callId, arguments: { location: 'Lisbon' } }, () => 'sunny, 19 °C');
    };
    instrumentation.setConfig({ captureMessageContent: 'EVENT_ONLY' });
    expect(await callTool()).toBe('sunny, 19 °C');
    await settle();
    const [tool] = tracing.toolSpans();
    expect(tool.attributes['gen_ai.tool.call.arguments']).toBeUndefined();
    expect(tool.attributes['gen_ai.tool.call.result']).toBeUndefined();
    // The model call's own event only: none for the tool.
    expect(logs.getFinishedLogRecords().map((record) => record.eventName)).toEqual(['gen_ai.client.inference.operation.details']);
    expect(JSON.stringify(logs.getFinishedLogRecords().map((record) => record.attributes))).not.toContain('sunny');
    // The same call with span capture records both.
    instrumentation.setConfig({ captureMessageContent: 'SPAN_ONLY' });
    tracing.exporter.reset();
    await callTool();
    await settle();
    expect(Object.keys(tracing.toolSpans()[0].attributes)).toEqual(
      expect.arrayContaining(['gen_ai.tool.call.arguments', 'gen_ai.tool.call.result']),
    );
  });

  it('SPAN_AND_EVENT: both', async () => {
    instrumentation.setConfig({ captureMessageContent: 'SPAN_AND_EVENT' });
    await replay.client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
    await settle();
    const [span] = tracing.inferenceSpans();
    expect(json(span, 'gen_ai.output.messages')).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: 'Paris' }] }]);
    expect(logs.getFinishedLogRecords()).toHaveLength(1);
  });

  it('the size cap cuts on a character boundary and marks the cut', async () => {
    instrumentation.setConfig({ captureMessageContent: true, maxContentLength: 60 });
    await replay.client.messages.create({ model: MODEL, max_tokens: 200, tools: WEATHER_TOOLS, messages: user(PROMPTS.toolUse) });
    await settle();
    const [span] = tracing.inferenceSpans();
    const input = span.attributes['gen_ai.input.messages'] as string;
    expect(Buffer.byteLength(input)).toBeLessThanOrEqual(60);
    expect(input.endsWith(TRUNCATION_MARKER)).toBe(true);
    expect(input.startsWith('[{"role":"user"')).toBe(true);
    // Multi-byte characters are never split.
    const text = '°C 🌞🌞🌞🌞 sunny';
    // '°C ' is 4 bytes, each sun 4 (a surrogate pair), the marker 14.
    expect(truncateUtf8(text, 22)).toBe(`°C 🌞${TRUNCATION_MARKER}`);
    expect(truncateUtf8(text, 21)).toBe(`°C ${TRUNCATION_MARKER}`);
    expect(truncateUtf8(text, 100)).toBe(text);
    for (let max = 14; max < 40; max++) {
      const cut = truncateUtf8(text, max);
      expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(max);
      expect(Buffer.from(cut, 'utf8').toString('utf8')).toBe(cut);
    }
  });

  it('the redact hook sees every part and may replace or drop it', async () => {
    const seen: string[] = [];
    instrumentation.setConfig({
      captureMessageContent: true,
      redact: (part, context) => {
        seen.push(`${context.kind}:${part.type}`);
        if (part.type === 'tool_call') return undefined;
        return part.type === 'text' ? { ...part, content: '[redacted]' } : part;
      },
    });
    await replay.client.messages.create({
      model: MODEL,
      max_tokens: 200,
      system: 'secret system prompt',
      tools: WEATHER_TOOLS,
      messages: user(PROMPTS.toolUse),
    });
    await settle();
    const [span] = tracing.inferenceSpans();
    expect(json(span, 'gen_ai.input.messages')).toEqual([{ role: 'user', parts: [{ type: 'text', content: '[redacted]' }] }]);
    expect(json(span, 'gen_ai.system_instructions')).toEqual([{ type: 'text', content: '[redacted]' }]);
    expect(json(span, 'gen_ai.output.messages')).toEqual([{ role: 'assistant', parts: [{ type: 'text', content: '[redacted]' }] }]);
    expect(seen.sort()).toEqual(['input:text', 'output:text', 'output:tool_call', 'system:text', 'tool_definition:function']);
    expect(exportedText([span])).not.toContain('secret system prompt');
  });

  it('a throwing redact hook never reaches the app', async () => {
    instrumentation.setConfig({
      captureMessageContent: true,
      redact: () => {
        throw new Error('redactor broke');
      },
    });
    const message = await replay.client.messages.create({ model: MODEL, max_tokens: 100, messages: user(PROMPTS.text) });
    expect(message.content[0].text).toBe('Paris');
    await settle();
    expect(tracing.inferenceSpans()).toHaveLength(1);
  });
});

describe('the capture switch', () => {
  it('reads the env, and the config wins over it', () => {
    expect(captureModeOf(undefined, undefined)).toBe('NO_CONTENT');
    expect(captureModeOf(undefined, 'false')).toBe('NO_CONTENT');
    expect(captureModeOf(undefined, 'true')).toBe('SPAN_ONLY');
    expect(captureModeOf(undefined, 'TRUE')).toBe('SPAN_ONLY');
    expect(captureModeOf(undefined, 'event_only')).toBe('EVENT_ONLY');
    expect(captureModeOf(undefined, 'SPAN_AND_EVENT')).toBe('SPAN_AND_EVENT');
    expect(captureModeOf(undefined, 'yes please')).toBe('NO_CONTENT');
    expect(captureModeOf(false, 'true')).toBe('NO_CONTENT');
    expect(captureModeOf('EVENT_ONLY', 'SPAN_ONLY')).toBe('EVENT_ONLY');
    expect(captureModeOf(true, undefined)).toBe('SPAN_ONLY');
  });
});
