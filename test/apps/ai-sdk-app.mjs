// An AI SDK (ai 7) app as a user writes it: ESM, @ai-sdk/openai, key and base URL from the
// environment (OPENAI_API_KEY, OPENAI_BASE_URL). A tool loop, a stream and embeddings.
import { openai } from '@ai-sdk/openai';
import { embedMany, generateText, isStepCount, streamText } from 'ai';
import { weatherTools } from './ai-sdk-weather-tools.mjs';

const agent = await generateText({
  model: openai.chat('gpt-4o-mini'),
  prompt: "What's the weather like in Paris and London right now?",
  tools: weatherTools,
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
