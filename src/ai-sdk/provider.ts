/**
 * The AI SDK names a model's provider after its provider package and API (`model.provider`:
 * `openai.chat`, `openai.responses`, `anthropic.messages`, `google.generative-ai`,
 * `google.vertex.chat`, `vertex.anthropic.messages`, `amazon-bedrock`, `bedrock.anthropic.messages`,
 * `azure.responses`, …). These are the conventions' provider names for them; a provider we do not
 * know keeps the first segment of its name (`togetherai.chat` → `togetherai`), a bounded value that
 * the provider package chose, never the app's text.
 */
import { GEN_AI_OPERATION_CHAT, GEN_AI_OPERATION_TEXT_COMPLETION } from '../semconv';

/** By the first segment of `model.provider`, lower-cased. */
const BY_FIRST_SEGMENT: Readonly<Record<string, string>> = {
  openai: 'openai',
  anthropic: 'anthropic',
  // @ai-sdk/azure: Azure OpenAI (`azure.chat`, `azure.responses`, `azure.embeddings`, …).
  azure: 'azure.ai.openai',
  'azure-openai': 'azure.ai.openai',
  // @ai-sdk/google-vertex, and its Anthropic models (`vertex.anthropic.messages`).
  vertex: 'gcp.vertex_ai',
  'google-vertex': 'gcp.vertex_ai',
  'amazon-bedrock': 'aws.bedrock',
  bedrock: 'aws.bedrock',
  mistral: 'mistral_ai',
  groq: 'groq',
  deepseek: 'deepseek',
  xai: 'x_ai',
  perplexity: 'perplexity',
  cohere: 'cohere',
  moonshotai: 'moonshot_ai',
  'azure-ai-inference': 'azure.ai.inference',
};

/** `gen_ai.provider.name` for an AI SDK model's `provider`. */
export function providerName(provider: unknown): string {
  if (typeof provider !== 'string' || provider === '') return 'unknown';
  const lower = provider.toLowerCase();
  const dot = lower.indexOf('.');
  const first = dot < 0 ? lower : lower.slice(0, dot);
  if (first === 'google') return lower.startsWith('google.vertex') ? 'gcp.vertex_ai' : 'gcp.gemini';
  return BY_FIRST_SEGMENT[first] ?? first.slice(0, 64);
}

/** `gen_ai.operation.name` of a language model call: OpenAI's legacy completions are `text_completion`. */
export function languageOperation(provider: unknown): string {
  return typeof provider === 'string' && provider.endsWith('.completion') ? GEN_AI_OPERATION_TEXT_COMPLETION : GEN_AI_OPERATION_CHAT;
}

/** `openai.api.type` of an @ai-sdk/openai (or Azure) model, which names its API in its provider. */
export function openAIApiType(provider: unknown): string | undefined {
  if (typeof provider !== 'string') return undefined;
  if (provider.endsWith('.chat')) return 'chat_completions';
  if (provider.endsWith('.responses')) return 'responses';
  return undefined;
}
