// An example agent, written as any app would be: no OpenTelemetry code at all.
// A travel assistant with two tools (one of them failing), run by the SDK's tool runner with every
// model turn streamed. Run it traced with `node --import ./register.mjs examples/weather-agent.mjs`.
import Anthropic from '@anthropic-ai/sdk';

const client = new Anthropic();

const getWeather = {
  name: 'get_weather',
  description: 'Get the current weather for a city.',
  input_schema: {
    type: 'object',
    properties: { location: { type: 'string', description: 'City and country, e.g. Lisbon, Portugal' } },
    required: ['location'],
  },
  run: async ({ location }) => JSON.stringify({ location, temperature_c: 19, conditions: 'sunny' }),
};

const convertCurrency = {
  name: 'convert_currency',
  description: 'Convert an amount of money between currencies at today’s rate.',
  input_schema: {
    type: 'object',
    properties: { amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } },
    required: ['amount', 'from', 'to'],
  },
  run: async () => {
    throw new Error('exchange-rate service unavailable');
  },
};

const runner = client.beta.messages.toolRunner({
  model: 'claude-sonnet-5-5',
  max_tokens: 1024,
  stream: true,
  tools: [getWeather, convertCurrency],
  messages: [
    {
      role: 'user',
      content: "I'm flying to Lisbon tomorrow with 200 US dollars. What's the weather there, and how much is that in euros?",
    },
  ],
});

for await (const turn of runner) {
  turn.on('text', (text) => process.stdout.write(text));
  await turn.finalMessage();
  process.stdout.write('\n');
}
