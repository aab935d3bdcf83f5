/**
 * `betaRefusalFallbackMiddleware` (issue 18, item 20): the @anthropic-ai/sdk middleware that resends
 * a refused `beta.messages` request to the next model of a fallback chain, below `create()`. One
 * `create()` is one span whatever the hops; these tests pin what that span says (see README, "A
 * request the SDK resends to a fallback model"), on both SDK copies we test. No network: the
 * client's `fetch` answers the first model with a refusal and the fallback model with a reply.
 */
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation, withAgent } from '../../src';
import { settle, setupTracing } from '../helpers/tracing';

/* eslint-disable @typescript-eslint/no-explicit-any -- wire-shaped fakes for two SDK copies */

const tracing = setupTracing();
const instrumentation = new AnthropicInstrumentation();
instrumentation.setTracerProvider(tracing.provider);
const SDKS: Array<[string, any]> = [
  ['@anthropic-ai/sdk 1.x', createRequire(__filename)('@anthropic-ai/sdk')],
  [
    '@anthropic-ai/sdk 0.133',
    createRequire(join(__dirname, '..', '..', 'compat', 'anthropic-sdk-0.133', 'package.json'))('@anthropic-ai/sdk'),
  ],
];
beforeEach(() => tracing.exporter.reset());

const PRIMARY = 'claude-primary-test';
const FALLBACK = 'claude-fallback-test';
/** The refused hop's usage, and the serving hop's: told apart by their numbers. */
const REFUSED_USAGE = { input_tokens: 120, output_tokens: 7 };
const SERVED_USAGE = { input_tokens: 100, output_tokens: 20 };

function reply(model: string): Record<string, any> {
  const refused = model === PRIMARY;
  return {
    id: refused ? 'msg_refused' : 'msg_served',
    type: 'message',
    role: 'assistant',
    model,
    content: [{ type: 'text', text: refused ? 'I would rather not.' : 'Here it is.' }],
    stop_reason: refused ? 'refusal' : 'end_turn',
    stop_sequence: null,
    ...(refused
      ? {
          stop_details: {
            type: 'refusal',
            category: 'cyber',
            explanation: null,
            fallback_credit_token: 'credit_1',
            fallback_has_prefill_claim: false,
          },
        }
      : {}),
    usage: refused ? REFUSED_USAGE : SERVED_USAGE,
  };
}

function sse(message: Record<string, any>): string {
  const { content, usage, stop_reason, stop_details, ...envelope } = message;
  const events = [
    {
      type: 'message_start',
      message: { ...envelope, content: [], stop_reason: null, usage: { input_tokens: usage.input_tokens, output_tokens: 1 } },
    },
    { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } },
    { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: content[0].text } },
    { type: 'content_block_stop', index: 0 },
    {
      type: 'message_delta',
      delta: { stop_reason, stop_sequence: null, ...(stop_details ? { stop_details } : {}) },
      usage: { output_tokens: usage.output_tokens },
    },
    { type: 'message_stop' },
  ];
  return events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('');
}

function clientOf(sdk: any, sent: string[]) {
  const fetch = async (_url: unknown, init: { body: string }) => {
    const body = JSON.parse(init.body);
    sent.push(body.model);
    const message = reply(body.model);
    return body.stream
      ? new Response(sse(message), { headers: { 'content-type': 'text/event-stream' } })
      : new Response(JSON.stringify(message), { headers: { 'content-type': 'application/json' } });
  };
  return new sdk.default({
    apiKey: 'test-key',
    baseURL: 'http://fallback.test',
    fetch,
    maxRetries: 0,
    logLevel: 'off',
    middleware: [sdk.betaRefusalFallbackMiddleware([{ model: FALLBACK }])],
  });
}

const params = { model: PRIMARY, max_tokens: 100, messages: [{ role: 'user', content: 'Write the exploit.' }] };

for (const [name, sdk] of SDKS) {
  describe(`${name} betaRefusalFallbackMiddleware`, () => {
    it('not streamed: one span for both hops, with the usage of the hop that served (all the app sees too)', async () => {
      const sent: string[] = [];
      const message = await withAgent({ name: 'fallback' }, () => clientOf(sdk, sent).beta.messages.create(params));
      await settle();
      expect(sent).toEqual([PRIMARY, FALLBACK]);
      expect(message.usage).toMatchObject(SERVED_USAGE);
      const spans = tracing.inferenceSpans();
      expect(spans).toHaveLength(1);
      expect(spans[0].name).toBe(`chat ${PRIMARY}`);
      expect(spans[0].attributes).toMatchObject({
        'gen_ai.request.model': PRIMARY,
        'gen_ai.response.model': FALLBACK,
        'gen_ai.response.id': 'msg_served',
        'gen_ai.response.finish_reasons': ['end_turn'],
        'gen_ai.usage.input_tokens': SERVED_USAGE.input_tokens,
        'gen_ai.usage.output_tokens': SERVED_USAGE.output_tokens,
      });
      // The run's totals are its calls' spans': the refused hop is not in them either.
      const [agent] = tracing.genAISpans().filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
      expect(agent.attributes).toMatchObject({
        'otel_genai.agent.model_calls': 1,
        'gen_ai.usage.input_tokens': 100,
        'gen_ai.usage.output_tokens': 20,
      });
    });

    it("streamed: one span with the serving hop's usage; the app's usage.iterations has both hops", async () => {
      const sent: string[] = [];
      const message = await clientOf(sdk, sent).beta.messages.stream(params).finalMessage();
      await settle();
      expect(sent).toEqual([PRIMARY, FALLBACK]);
      expect(message.usage).toMatchObject(SERVED_USAGE);
      expect(message.usage.iterations.map((hop: any) => [hop.type, hop.model, hop.input_tokens, hop.output_tokens])).toEqual([
        ['message', PRIMARY, 120, 7],
        ['fallback_message', FALLBACK, 100, 20],
      ]);
      const spans = tracing.inferenceSpans();
      expect(spans).toHaveLength(1);
      expect(spans[0].attributes).toMatchObject({
        'gen_ai.request.model': PRIMARY,
        'gen_ai.usage.input_tokens': SERVED_USAGE.input_tokens,
        'gen_ai.usage.output_tokens': SERVED_USAGE.output_tokens,
      });
    });
  });
}
