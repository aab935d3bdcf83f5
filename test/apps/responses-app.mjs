// An app on the Responses API,
// plain and through the stream() helper.
import OpenAI from 'openai';

const client = new OpenAI({ maxRetries: 0 });
const response = await client.responses.create({ model: 'gpt-5-mini', input: 'In one sentence, why is the sky blue?' });
const final = await client.responses.stream({ model: 'gpt-5-mini', input: 'List two benefits of walking every day.' }).finalResponse();
console.log(JSON.stringify({ text: response.output_text, streamed: final.output_text }));
