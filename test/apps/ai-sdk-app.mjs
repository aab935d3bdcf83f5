// An AI SDK (ai 7) app as a user writes it: ESM, @ai-sdk/openai, key and base URL from the
// environment (OPENAI_API_KEY, OPENAI_BASE_URL). A tool loop, a stream and embeddings.
import { openai } from '@ai-sdk/openai';
import { embedMany, generateText, isStepCount, jsonSchema, streamText, tool } from 'ai';

const tools = {
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

const agent = await generateText({
  model: openai.chat('gpt-4o-mini'),
  prompt: "What's the weather like in Paris and London right now?",
  tools,
  stopWhen: isStepCount(3),
  maxRetries: 0,
});
let streamed = '';
for await (const delta of streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'Name three fruits that are red.', maxRetries: 0 })
  .textStream) {
  streamed += delta;
}
const { embeddings } = await embedMany({
  model: openai.embedding('text-embedding-3-small'),
  values: ['The quick brown fox', 'jumps over the lazy dog'],
  maxRetries: 0,
});
console.log(
  JSON.stringify({ answer: agent.text, steps: agent.steps.length, streamed, dimensions: embeddings.map((embedding) => embedding.length) }),
);
