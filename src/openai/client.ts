/**
 * `instrumentClient()` for `openai` clients (`OpenAI`, `AzureOpenAI`): chat completions `create` and
 * `runTools`, responses and embeddings `create` (see client-tracing.ts for the machinery).
 */
import type { ClientSupport, Fields, Tracing } from '../client-tracing';
import { asRecord } from '../values';
import { hasMethod, newTracing, shadowMethod, shadowOn, standIn, versionOf, wrapStandIns } from '../client-tracing';
import type { CallSettings } from '../telemetry-instrumentation';
import { MODULE, OpenAIInstrumentation } from './instrumentation';

function tracing(): Tracing {
  const completions = { create: standIn('create'), runTools: standIn('runTools') };
  const responses = { create: standIn('create') };
  const embeddings = { create: standIn('create') };
  const OpenAI = {
    Chat: { Completions: { prototype: completions } },
    Responses: { prototype: responses },
    Embeddings: { prototype: embeddings },
  };
  return newTracing(new OpenAIInstrumentation({ enabled: false }), { OpenAI }, { completions, responses, embeddings });
}

function instrument(tracing: Tracing, settings: CallSettings, client: Fields): void {
  wrapStandIns(tracing, MODULE, versionOf(client));
  const { traced } = tracing;
  const chatCreate = traced['completions.create'];
  const runTools = traced['completions.runTools'];
  const responsesCreate = traced['responses.create'];
  const embeddingsCreate = traced['embeddings.create'];
  const beta = asRecord(client.beta);
  shadowOn(asRecord(client.chat)?.completions, 'create', chatCreate && shadowMethod(tracing, settings, 'create', chatCreate));
  const tracedRunTools = runTools && shadowMethod(tracing, settings, 'runTools', runTools);
  shadowOn(asRecord(client.chat)?.completions, 'runTools', tracedRunTools);
  // openai 4.x keeps runTools() on beta.chat.completions.
  shadowOn(asRecord(beta?.chat)?.completions, 'runTools', tracedRunTools);
  const tracedResponses = responsesCreate && shadowMethod(tracing, settings, 'create', responsesCreate);
  shadowOn(client.responses, 'create', tracedResponses);
  shadowOn(beta?.responses, 'create', tracedResponses);
  shadowOn(client.embeddings, 'create', embeddingsCreate && shadowMethod(tracing, settings, 'create', embeddingsCreate));
}

export const openAIClients: ClientSupport = {
  module: MODULE,
  describes: 'an OpenAI SDK client',
  recognises: (client) =>
    hasMethod(asRecord(client.chat)?.completions, 'create') ||
    hasMethod(client.responses, 'create') ||
    hasMethod(client.embeddings, 'create'),
  tracing,
  instrument,
};
