// An app that ships as one bundled file (test/calls/bundled-app.test.ts bundles it with esbuild): the
// SDKs are inlined into the bundle, so no module hook ever sees them load, and the app traces its
// clients with instrumentClient(). Its tracing is set up as a bundled app does it: a NodeSDK,
// configured by the standard OTEL_* variables, started before the clients are used and shut down
// (flushed) at the end.
//
// BUNDLED_APP_TRACING=hooks leaves instrumentClient() out and gives the NodeSDK our
// instrumentations instead, as the README's NodeSDK setup does: their module hooks are registered,
// and see nothing.
//
// No top-level await: the bundle is CommonJS.
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { createInstrumentations, instrumentClient } from 'otel-genai';

async function main() {
  const hooks = process.env.BUNDLED_APP_TRACING === 'hooks';
  const sdk = new NodeSDK({ instrumentations: hooks ? createInstrumentations() : [] });
  sdk.start();

  const anthropic = new Anthropic({ maxRetries: 0 });
  const openai = new OpenAI({ maxRetries: 0 });
  if (!hooks) {
    instrumentClient(anthropic);
    instrumentClient(openai);
  }

  const message = await anthropic.messages.create({
    model: 'claude-sonnet-5-5',
    max_tokens: 100,
    messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
  });
  const completion = await openai.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a helpful assistant. Keep answers short.' },
      { role: 'user', content: 'What is the capital of Japan? Reply in one short sentence.' },
    ],
  });
  console.log(JSON.stringify({ anthropic: message.content[0].text, openai: completion.choices[0].message.content }));
  await sdk.shutdown();
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
