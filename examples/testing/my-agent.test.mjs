// The agent's trace, tested with no API key: `node --test examples/testing/my-agent.test.mjs` (after `npm run build`).
// The fixtures are the bundled ones; yours live wherever you like (record them with
// startRecordingServer, see the README).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
// An ESM `import` of the SDK is invisible to the require hook: hand the module to collectSpans.
import * as anthropic from '@anthropic-ai/sdk';
import { collectSpans, startReplayServer } from 'otel-genai/testing';
import { askWeather } from './my-agent.mjs';

const spans = collectSpans({ modules: { anthropic } });
let server;

before(async () => {
  server = await startReplayServer({ fixtures: fileURLToPath(new URL('../../fixtures', import.meta.url)), delayScale: 0 });
  process.env.ANTHROPIC_BASE_URL = server.url;
  process.env.ANTHROPIC_API_KEY = 'not-a-real-key';
});
after(async () => {
  await server.close();
  await spans.shutdown();
});

test('the weather agent: chat, the tool, chat, in one invoke_agent span', async () => {
  const answer = await askWeather('What is the weather like in Lisbon right now?');
  assert.equal(answer, "It's sunny in Lisbon right now, at about 19 °C.");

  await spans.settle();
  assert.deepEqual(spans.tree(), [
    {
      name: 'invoke_agent weather',
      attributes: {
        'gen_ai.response.finish_reasons': ['end_turn'],
        'otel_genai.agent.model_calls': 2,
        'otel_genai.agent.tool_calls': 1,
        'gen_ai.usage.input_tokens': 1285,
        'gen_ai.usage.output_tokens': 82,
      },
      children: [
        {
          name: 'chat claude-sonnet-5-5',
          attributes: {
            'gen_ai.provider.name': 'anthropic',
            'gen_ai.response.finish_reasons': ['tool_use'],
            'gen_ai.usage.input_tokens': 583,
            'gen_ai.usage.output_tokens': 64,
          },
          children: [],
        },
        {
          name: 'execute_tool get_weather',
          attributes: { 'gen_ai.tool.call.id': 'toolu_01qZru8cdgXwJyMEbVaFvDsj', 'otel_genai.tool.inferred': true },
          children: [],
        },
        {
          name: 'chat claude-sonnet-5-5',
          attributes: {
            'gen_ai.provider.name': 'anthropic',
            'gen_ai.response.finish_reasons': ['end_turn'],
            'gen_ai.usage.input_tokens': 702,
            'gen_ai.usage.output_tokens': 18,
          },
          children: [],
        },
      ],
    },
  ]);
});
