// A CommonJS app that sets up tracing itself with NodeSDK (examples/nodesdk-tracing.cjs), no --import:
//   node examples/run-demo.mjs examples/nodesdk-app.cjs
require('./nodesdk-tracing.cjs');
const Anthropic = require('@anthropic-ai/sdk');

new Anthropic().messages
  .create({
    model: 'claude-sonnet-5-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
  })
  .then((message) => console.log(message.content[0].text));
