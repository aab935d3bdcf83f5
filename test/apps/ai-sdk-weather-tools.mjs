// The tools both AI SDK apps (ai-sdk-app.mjs, ai-sdk-bundled-app.mjs) give the model: get_weather,
// which the fixtures' tool loop over Paris and London calls.
import { jsonSchema, tool } from 'ai';

export const weatherTools = {
  get_weather: tool({
    description: 'Get the current weather for a city.',
    inputSchema: jsonSchema({
      type: 'object',
      properties: { location: { type: 'string', description: 'City name, e.g. Paris' } },
      required: ['location'],
    }),
    execute: async ({ location }) => ({ location, temperature_c: 18 }),
  }),
};
