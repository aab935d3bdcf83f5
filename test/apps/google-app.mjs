// A small Gemini app as a user writes it: ESM, key and base URL from the environment
// (GEMINI_API_KEY, GOOGLE_GEMINI_BASE_URL), a call, a stream, a failure and a callable tool.
import { GoogleGenAI } from '@google/genai';

const ai = new GoogleGenAI({});
const model = 'gemini-2.5-flash';
const answer = await ai.models.generateContent({ model, contents: 'What is the capital of France? Answer in one word.' });
let streamed = '';
for await (const chunk of await ai.models.generateContentStream({ model, contents: 'Tell me a short story about a lighthouse.' }))
  streamed += chunk.text ?? '';
let failure;
try {
  await ai.models.generateContent({ model, contents: 'Say hello. (This request is rate limited.)' });
} catch (error) {
  failure = `${error.name} ${error.status}`;
}
const weather = {
  async tool() {
    return { functionDeclarations: [{ name: 'get_weather', description: 'Get the current weather for a city.' }] };
  },
  async callTool(calls) {
    return calls.map((call) => ({ functionResponse: { name: call.name, response: { temperature_c: 19, conditions: 'sunny' } } }));
  },
};
const agent = await ai.models.generateContent({
  model,
  contents: 'What is the weather like in Lisbon right now?',
  config: { tools: [weather] },
});
console.log(JSON.stringify({ answer: answer.text, streamed, failure, weather: agent.text }));
