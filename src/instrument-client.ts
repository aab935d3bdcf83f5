/**
 * `instrumentClient(client)`: traces one SDK client, for apps that a bundler (esbuild, webpack,
 * Next.js) built into one file. The bundle carries its own copy of `@anthropic-ai/sdk`, `openai` or
 * `@google/genai`, which is never loaded through `require` or `import`, so the module hooks never see it.
 *
 * Nothing is patched on a prototype: the client's own resource objects (`client.messages`,
 * `client.chat.completions`, `client.models`, …) get own properties that shadow their methods, so other
 * clients and other copies of the SDK stay as they are. The spans are the module hooks' very own:
 * an instrumentation (AnthropicInstrumentation, OpenAIInstrumentation, …, built with `enabled: false`
 * so that it registers no module hook) is handed stand-in module exports through its public module
 * definition, wraps the stand-ins' methods with its usual wrappers, and those wrapped methods are
 * what the client's resources call. A stand-in method calls, with the resource as `this`, the
 * method the resource had before we shadowed it.
 *
 * One such instrumentation per client kind serves every instrumented client, whatever their
 * number and options: a client's options are its own `CallSettings`, which its shadowed methods
 * put in force while they run (`callWith`), so each client's spans follow its own options and
 * nothing is kept per client beyond what the client itself holds (a client made per request, with
 * an inline `redact` hook, leaves nothing behind).
 *
 * Which SDKs there are, and how each one's clients are recognised and traced, is the registry's
 * (registry.ts: each entry's `client`, in its folder); the machinery is client-tracing.ts.
 */
import { diag } from '@opentelemetry/api';
import type { ClientSupport, Tracing } from './client-tracing';
import { asRecord } from './values';
import { settingsFor } from './client-tracing';
import { registryEntries } from './registry';
import type { ClientConfig } from './registry';

/** The options of the instrumentations (content capture, semconv, …); each client kind reads its own. */
export type InstrumentClientConfig = Omit<ClientConfig, 'enabled'>;

/** Each SDK's client support, and its tracing once made (on first use): one instrumentation per client kind, whatever the number of clients and options. */
let kinds: Array<{ support: ClientSupport; tracing: Tracing | undefined }> | undefined;

function clientKinds(): Array<{ support: ClientSupport; tracing: Tracing | undefined }> {
  return (kinds ??= registryEntries().flatMap((entry) =>
    entry.client === undefined ? [] : [{ support: entry.client, tracing: undefined }],
  ));
}

/**
 * Traces one `@anthropic-ai/sdk` client (`Anthropic`, `AnthropicBedrock`, `AnthropicVertex`), one
 * `openai` client (`OpenAI`, `AzureOpenAI`) or one `@google/genai` client (`GoogleGenAI`) with the
 * spans the module hooks make, for apps whose bundler inlined the SDK where no module hook sees it.
 * Returns the same client. Its own objects are instrumented, never a prototype: other clients stay
 * untraced. Instrumenting a client twice changes nothing (the first config stays); a method our
 * module hook already traces is left to it, and another instrumentation's wrapper of a method is
 * left out of this client's calls. An unrecognised client is returned untouched, with a `diag`
 * warning. Never throws.
 *
 * `config` takes the instrumentations' options (`captureMessageContent`, `semconv`,
 * `requestStreamUsage`, `preferNativeSpans`, …); `enabled` does not apply.
 *
 * Spans go to the global tracer provider (as registered by `NodeSDK.start()`), whether it is
 * registered before or after this call; metrics to the global meter provider.
 */
export function instrumentClient<Client>(client: Client, config?: InstrumentClientConfig): Client {
  try {
    const target = asRecord(client);
    let recognised = false;
    for (const kind of clientKinds()) {
      if (target === undefined || !kind.support.recognises(target)) continue;
      recognised = true;
      const tracing = (kind.tracing ??= kind.support.tracing());
      kind.support.instrument(tracing, settingsFor(tracing, config), target);
    }
    if (!recognised) {
      const known = clientKinds().map((kind) => kind.support.describes);
      diag.warn(
        `otel-genai: instrumentClient() does not recognise this client (not ${known.join(', ').replace(/, ([^,]*)$/, ' or $1')}); it is left untraced`,
      );
    }
  } catch (problem) {
    diag.error('otel-genai: instrumentClient() could not instrument a client', problem);
  }
  return client;
}
