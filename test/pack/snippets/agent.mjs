// agent.mjs — a hand-written tool loop as one agent run: node --import otel-genai/register agent.mjs
import Anthropic from '@anthropic-ai/sdk';
import { runTool, withAgent } from 'otel-genai';

const client = new Anthropic();
const tools = [
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
const getWeather = ({ location }) => JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' });

const answer = await withAgent({ name: 'weather' }, async () => {
  const messages = [{ role: 'user', content: 'What is the weather like in Lisbon right now?' }];
  for (;;) {
    const reply = await client.messages.create({ model: 'claude-sonnet-5-5', max_tokens: 1024, tools, messages });
    messages.push({ role: 'assistant', content: reply.content });
    const calls = reply.content.filter((block) => block.type === 'tool_use');
    if (calls.length === 0) return reply.content.map((block) => block.text ?? '').join('');
    const results = calls.map((call) => ({
      type: 'tool_result',
      tool_use_id: call.id,
      content: runTool({ name: call.name, callId: call.id, arguments: call.input }, () => getWeather(call.input)),
    }));
    messages.push({ role: 'user', content: results });
  }
});
console.log(answer);
