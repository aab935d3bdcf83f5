// A CommonJS OpenAI app.
const OpenAI = require('openai');

async function main() {
  const client = new OpenAI({ maxRetries: 0 });
  const response = await client.responses.create({ model: 'gpt-5-mini', input: 'In one sentence, why is the sky blue?' });
  console.log(JSON.stringify({ text: response.output_text, status: response.status }));
}

main();
