// One Anthropic call (with prompt caching), and whether @pydantic/genai-prices was required before
// and after it: with cost off never, with cost on only once a call is priced (never at start-up).
const { sep } = require('node:path');
const Anthropic = require('@anthropic-ai/sdk');

const priceLibraryLoaded = () => Object.keys(require.cache).some((file) => file.includes(`${sep}@pydantic${sep}genai-prices${sep}`));

async function main() {
  const atStart = priceLibraryLoaded();
  const client = new Anthropic({ maxRetries: 0 });
  await client.messages.create({
    model: 'claude-sonnet-5-5',
    max_tokens: 100,
    messages: [
      { role: 'user', content: "Using the style guide in the system prompt, rewrite this sentence: 'the meeting got moved to thursday'." },
    ],
  });
  // The span ends a few ticks after the app got its result.
  await new Promise((resolve) => setTimeout(resolve, 50));
  console.log(JSON.stringify({ atStart, afterCall: priceLibraryLoaded() }));
}

main();
