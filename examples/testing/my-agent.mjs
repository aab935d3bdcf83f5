// An agent as an app would write it, instrumented with `withAgent` only. It makes its own client
// (from ANTHROPIC_API_KEY and ANTHROPIC_BASE_URL) unless it is handed one.
// Its test, my-agent.test.mjs, runs it against recorded fixtures: `node --test examples/testing/my-agent.test.mjs`.
import Anthropic from '@anthropic-ai/sdk';
import { withAgent } from 'otel-genai';

const MODEL = 'claude-sonnet-5-5';
const TOOLS = [
  {
    name: 'get_weather',
    description: 'Get the current weather for a city.',
    input_schema: {
      type: 'object',
      properties: { location: { type: 'string', description: 'City and country, e.g. Lisbon, Portugal' } },
      required: ['location'],
    },
  },
];
const run = {
  get_weather: ({ location }) => JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' }),
};

/** Answers a question, calling get_weather as often as the model asks. */
export function askWeather(question, client = new Anthropic()) {
  return withAgent({ name: 'weather' }, async () => {
    const messages = [{ role: 'user', content: question }];
    for (;;) {
      const reply = await client.messages.create({ model: MODEL, max_tokens: 1024, tools: TOOLS, messages });
      messages.push({ role: 'assistant', content: reply.content });
      const calls = reply.content.filter((block) => block.type === 'tool_use');
      if (calls.length === 0) return reply.content.map((block) => block.text ?? '').join('');
      messages.push({
        role: 'user',
        content: calls.map((call) => ({ type: 'tool_result', tool_use_id: call.id, content: run[call.name](call.input) })),
      });
    }
  });
}
