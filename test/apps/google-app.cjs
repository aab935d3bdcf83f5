// A CommonJS Gemini app: a chat (a message, then a streamed one) and embeddings.
const { GoogleGenAI } = require('@google/genai');

async function main() {
  const ai = new GoogleGenAI({});
  const chat = ai.chats.create({ model: 'gemini-2.5-flash' });
  const first = await chat.sendMessage({ message: 'What is the capital of France? Answer in one word.' });
  let streamed = '';
  for await (const chunk of await ai.chats
    .create({ model: 'gemini-2.5-flash' })
    .sendMessageStream({ message: 'Tell me a short story about a lighthouse.' }))
    streamed += chunk.text ?? '';
  const embeddings = await ai.models.embedContent({
    model: 'gemini-embedding-001',
    contents: ['The quick brown fox', 'jumps over the lazy dog'],
  });
  console.log(
    JSON.stringify({ first: first.text, streamed, dimensions: embeddings.embeddings.map((embedding) => embedding.values.length) }),
  );
}

main();
