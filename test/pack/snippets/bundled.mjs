// bundled.mjs — an app a bundler builds into one file: the OpenTelemetry SDK set up as usual (NodeSDK), each client instrumented
import Anthropic from '@anthropic-ai/sdk';
import { instrumentClient } from 'otel-genai';

const client = instrumentClient(new Anthropic(), { captureMessageContent: false }); // also OpenAI, GoogleGenAI, …
const message = await client.messages.create({
  model: 'claude-sonnet-5-5',
  max_tokens: 100,
  messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
});
console.log(message.content[0].text);
