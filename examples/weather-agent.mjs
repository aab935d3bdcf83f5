// An example agent, written as any app would be: no OpenTelemetry code at all.
// It asks Claude about the weather, runs the tool Claude asks for, sends the result back, and
// then streams a short story. Run it traced with `node --import ./register.mjs`.
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic();
const model = 'claude-sonnet-5-5';
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

function getWeather({ location }) {
  return JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' });
}

const messages = [{ role: 'user', content: 'What is the weather like in Lisbon right now?' }];
for (;;) {
  const reply = await client.messages.create({ model, max_tokens: 1024, tools, messages });
  messages.push({ role: 'assistant', content: reply.content });
  const calls = reply.content.filter((block) => block.type === 'tool_use');
  if (calls.length === 0) {
    console.log(`agent: ${reply.content.map((block) => block.text ?? '').join('')}`);
    break;
  }
  messages.push({
    role: 'user',
    content: calls.map((call) => ({ type: 'tool_result', tool_use_id: call.id, content: getWeather(call.input) })),
  });
}

const story = client.messages.stream({
  model,
  max_tokens: 200,
  messages: [{ role: 'user', content: 'Tell me a short story about a lighthouse.' }],
});
const final = await story.finalMessage();
console.log(`story: ${final.content[0].text.length} characters, ${final.usage.output_tokens} output tokens`);
