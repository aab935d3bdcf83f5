// One Anthropic call the API refuses (fixtures/anthropic/messages-error-400.json: 400
// invalid_request_error). Prints the error the app caught.
const Anthropic = require('@anthropic-ai/sdk');

new Anthropic({ maxRetries: 0 }).messages
  .create({ model: 'claude-sonnet-5-5', max_tokens: 100, messages: [{ role: 'user', content: 'This request leaves out max_tokens.' }] })
  .then(
    () => console.log(JSON.stringify({ failure: null })),
    (error) => console.log(JSON.stringify({ failure: `${error.constructor.name} ${error.status}` })),
  );
