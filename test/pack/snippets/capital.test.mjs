// test/capital.test.mjs — the trace of an agent, tested with no API key: node --test
// The fixtures are recorded exchanges in test/fixtures/ (one JSON file each; record yours with
// startRecordingServer).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as anthropic from '@anthropic-ai/sdk';
import { withAgent } from 'otel-genai';
import { collectSpans, startReplayServer } from 'otel-genai/testing';

const spans = collectSpans({ modules: { anthropic } }); // before the first model call
let server;

before(async () => {
  server = await startReplayServer({ fixtures: fileURLToPath(new URL('fixtures', import.meta.url)), delayScale: 0 });
});
after(async () => {
  await server.close();
  await spans.shutdown();
});

// The app's agent: one model call inside an agent run.
function askCapital(client, country) {
  return withAgent({ name: 'capitals' }, async () => {
    const message = await client.messages.create({
      model: 'claude-sonnet-5-5',
      max_tokens: 100,
      messages: [{ role: 'user', content: `What is the capital of ${country}? Answer in one word.` }],
    });
    return message.content[0].text;
  });
}

test('one chat span inside the agent run', async () => {
  const client = new anthropic.Anthropic({ apiKey: 'test-key', baseURL: server.url });
  assert.equal(await askCapital(client, 'France'), 'Paris');

  await spans.settle(); // spans end a few ticks after the call returns
  assert.deepEqual(spans.tree(), [
    {
      name: 'invoke_agent capitals',
      attributes: {
        'gen_ai.response.finish_reasons': ['end_turn'],
        'otel_genai.agent.model_calls': 1,
        'otel_genai.agent.tool_calls': 0,
        'gen_ai.usage.input_tokens': 21,
        'gen_ai.usage.output_tokens': 4,
      },
      children: [
        {
          name: 'chat claude-sonnet-5-5',
          attributes: {
            'gen_ai.provider.name': 'anthropic',
            'gen_ai.response.finish_reasons': ['end_turn'],
            'gen_ai.usage.input_tokens': 21,
            'gen_ai.usage.output_tokens': 4,
          },
          children: [],
        },
      ],
    },
  ]);
});
