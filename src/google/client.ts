/**
 * `instrumentClient()` for `@google/genai` clients (`GoogleGenAI`): the client's own `models`
 * object gets traced `generateContentInternal`, `generateContentStreamInternal` and
 * `embedContentInternal` (one span per request, chats included: they call the same `models`), and
 * traced `generateContent` / `generateContentStream` (automatic function calling runs), as its own
 * properties (see client-tracing.ts for the machinery).
 */
import type { ClientSupport, Fields, Tracing } from '../client-tracing';
import { asRecord } from '../values';
import { hasMethod, newTracing, shadowMethod, shadowOn, standIn, wrapStandIns } from '../client-tracing';
import type { CallSettings } from '../telemetry-instrumentation';
import { GoogleGenAIInstrumentation, MODULE } from './instrumentation';

const METHODS = [
  'generateContentInternal',
  'generateContentStreamInternal',
  'embedContentInternal',
  'generateContent',
  'generateContentStream',
];

function tracing(): Tracing {
  const models: Fields = {};
  for (const name of METHODS) models[name] = standIn(name);
  return newTracing(new GoogleGenAIInstrumentation({ enabled: false }), { Models: { prototype: models } }, { models });
}

/** The SDK version its requests announce (`x-goog-api-client: google-genai-sdk/3.6.1 …`), for the version check. */
function versionOf(client: Fields): string | undefined {
  try {
    const apiClient = asRecord(asRecord(client.models)?.apiClient);
    const headers =
      typeof apiClient?.getDefaultHeaders === 'function'
        ? asRecord((apiClient.getDefaultHeaders as () => unknown).call(apiClient))
        : undefined;
    const label = Object.values(headers ?? {}).find((value) => typeof value === 'string' && value.includes('google-genai-sdk/')) as
      string | undefined;
    return label === undefined ? undefined : /google-genai-sdk\/(\d+\.\d+\.\d+\S*)/.exec(label)?.[1];
  } catch {
    return undefined;
  }
}

function instrument(tracing: Tracing, settings: CallSettings, client: Fields): void {
  wrapStandIns(tracing, MODULE, versionOf(client));
  for (const name of METHODS) {
    const traced = tracing.traced[`models.${name}`];
    shadowOn(client.models, name, traced && shadowMethod(tracing, settings, name, traced));
  }
}

export const googleClients: ClientSupport = {
  module: MODULE,
  describes: 'a Google Gen AI SDK client',
  recognises: (client) => hasMethod(client.models, 'generateContentInternal') && hasMethod(client.models, 'generateContent'),
  tracing,
  instrument,
};
