// An example Gemini agent, written as any app would be: no OpenTelemetry code at all.
// A travel assistant with two tools (one of them failing), run by @google/genai's automatic function
// calling: the tools are a callable tool (what `mcpToTool(client)` makes for MCP servers), and the SDK
// runs the model, the tools and the model again. Traced with `node --import ./register.mjs`:
// `node examples/run-demo.mjs examples/gemini-agent.mjs`.
import { GoogleGenAI } from '@google/genai';

const ai = new GoogleGenAI({}); // GEMINI_API_KEY and GOOGLE_GEMINI_BASE_URL from the environment

const travelTools = {
  async tool() {
    return {
      functionDeclarations: [
        {
          name: 'get_weather',
          description: 'Get the current weather for a city.',
          parametersJsonSchema: { type: 'object', properties: { location: { type: 'string' } }, required: ['location'] },
        },
        {
          name: 'convert_currency',
          description: 'Convert an amount of money between currencies at today’s rate.',
          parametersJsonSchema: {
            type: 'object',
            properties: { amount: { type: 'number' }, from: { type: 'string' }, to: { type: 'string' } },
            required: ['amount', 'from', 'to'],
          },
        },
      ],
    };
  },
  async callTool(functionCalls) {
    return functionCalls.map(({ name, args }) => ({
      functionResponse: {
        name,
        response:
          name === 'get_weather'
            ? { location: args.location, temperature_c: 19, conditions: 'sunny' }
            : { error: 'exchange-rate service unavailable' },
      },
    }));
  },
};

const response = await ai.models.generateContent({
  model: 'gemini-2.5-flash',
  contents: "I'm flying to Lisbon tomorrow with 200 US dollars. What's the weather there, and how much is that in euros?",
  config: { tools: [travelTools] },
});
console.log(response.text);
