/**
 * A hand-written tool loop with no span of the app's around it runs each model call in a trace of its
 * own: the inferred execute_tool span and the call carrying the tool's result link to the call that
 * asked for the tool (issue 19), for Anthropic, chat and Responses, streamed and not. Inside an app
 * span or withAgent the tree says it already: no links.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, OpenAIInstrumentation, withAgent } from '../../src';
import { collect } from '../helpers/scenario';
import { clientsOverReplay, fixtureRequest } from '../helpers/replay';
import { settle, setupTracing } from '../helpers/tracing';

/* eslint-disable @typescript-eslint/no-explicit-any -- fixture-shaped requests */

const tracing = setupTracing();
for (const instrumentation of [new AnthropicInstrumentation(), new OpenAIInstrumentation()])
  instrumentation.setTracerProvider(tracing.provider);

const replay = clientsOverReplay(0);
beforeEach(() => tracing.exporter.reset());

const LOOPS: Record<string, () => Promise<unknown>> = {
  'Anthropic messages': async () => {
    const first = fixtureRequest('anthropic/messages-tool-use');
    const reply = await replay.anthropic.messages.create(first);
    const call = reply.content.find((block: { type: string }) => block.type === 'tool_use');
    await replay.anthropic.messages
      .create({
        ...first,
        messages: [
          ...first.messages,
          { role: 'assistant', content: reply.content },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: call.id, content: 'sunny, 19 °C' }] },
        ],
      })
      .catch(() => undefined);
  },
  'Anthropic messages, streamed': async () => {
    await collect(await replay.anthropic.messages.create(fixtureRequest('anthropic/messages-stream-tool-use-lisbon')));
    await collect(await replay.anthropic.messages.create(fixtureRequest('anthropic/messages-stream-tool-result-lisbon')));
  },
  'OpenAI chat': async () => {
    await replay.openai.chat.completions.create(fixtureRequest('openai/chat-tool-calls'));
    await replay.openai.chat.completions.create(fixtureRequest('openai/chat-tool-results'));
  },
  'OpenAI chat, streamed': async () => {
    await collect(await replay.openai.chat.completions.create(fixtureRequest('openai/chat-stream-tool-calls')));
    await collect(await replay.openai.chat.completions.create(fixtureRequest('openai/chat-stream-tool-results')));
  },
  'OpenAI Responses': async () => {
    const first = fixtureRequest('openai/responses-function-call');
    const reply = await replay.openai.responses.create(first);
    const call = reply.output.find((item: { type: string }) => item.type === 'function_call');
    // No fixture answers the second turn: the call fails, which changes nothing of what is linked.
    await replay.openai.responses
      .create({
        model: first.model,
        previous_response_id: reply.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'sunny' }],
      })
      .catch(() => undefined);
  },
  'OpenAI Responses, streamed': async () => {
    const first = fixtureRequest('openai/responses-stream-function-call');
    const events = await collect(await replay.openai.responses.create(first));
    const done = (type: string) =>
      (events as any[]).find(
        (event) => event.type === type && (type !== 'response.output_item.done' || event.item.type === 'function_call'),
      );
    const call = done('response.output_item.done').item;
    // As above, the second turn has no fixture and fails.
    await replay.openai.responses
      .create({
        model: first.model,
        previous_response_id: done('response.completed').response.id,
        input: [{ type: 'function_call_output', call_id: call.call_id, output: 'dry' }],
        stream: true,
      })
      .then(collect)
      .catch(() => undefined);
  },
};

const ids = (span: ReadableSpan) => ({ traceId: span.spanContext().traceId, spanId: span.spanContext().spanId });
const linked = (span: ReadableSpan) => span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId }));

describe('a hand-written tool loop with no span around it', () => {
  for (const [name, loop] of Object.entries(LOOPS)) {
    it(`${name}: the inferred tool span and the next call link to the call that asked for the tool`, async () => {
      await loop();
      await settle();
      const [asking, answering] = tracing.inferenceSpans();
      const tools = tracing.toolSpans();
      expect(tools.length).toBeGreaterThanOrEqual(1);
      for (const tool of tools) {
        expect(tool.attributes['otel_genai.tool.inferred']).toBe(true);
        expect(linked(tool)).toEqual([ids(asking)]);
        expect(tool.spanContext().traceId).not.toBe(asking.spanContext().traceId);
      }
      expect(answering.spanContext().traceId).not.toBe(asking.spanContext().traceId);
      expect(linked(answering)).toEqual([ids(asking)]);
      expect(linked(asking)).toEqual([]);
    });
  }
});

describe('inside withAgent', () => {
  for (const [name, loop] of Object.entries(LOOPS)) {
    it(`${name}: one trace, no links`, async () => {
      await withAgent({ name: 'loop' }, loop);
      await settle();
      const spans = tracing.genAISpans();
      expect(new Set(spans.map((span) => span.spanContext().traceId)).size).toBe(1);
      expect(spans.flatMap((span) => span.links)).toEqual([]);
      expect(tracing.toolSpans().length).toBeGreaterThanOrEqual(1);
    });
  }
});
