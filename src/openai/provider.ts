/**
 * The provider behind an OpenAI-SDK client: Azure by its client class, OpenAI-compatible hosts by
 * their well-known API host (the conventions' provider names), anything else `openai`, with
 * `server.address` telling the truth.
 */
const PROVIDER_BY_HOST: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|\.)openai\.azure\.com$/, 'azure.ai.openai'],
  [/(^|\.)(services\.ai\.azure\.com|inference\.ai\.azure\.com)$/, 'azure.ai.inference'],
  [/^api\.groq\.com$/, 'groq'],
  [/^api\.deepseek\.com$/, 'deepseek'],
  [/^api\.mistral\.ai$/, 'mistral_ai'],
  [/^api\.x\.ai$/, 'x_ai'],
  [/^api\.perplexity\.ai$/, 'perplexity'],
  [/^generativelanguage\.googleapis\.com$/, 'gcp.gemini'],
  [/(^|\.)aiplatform\.googleapis\.com$/, 'gcp.vertex_ai'],
  [/(^|\.)cohere\.(ai|com)$/, 'cohere'],
  [/^bedrock-(runtime|mantle)\.[a-z0-9-]+\.amazonaws\.com$/, 'aws.bedrock'],
  [/(^|\.)ml\.cloud\.ibm\.com$/, 'ibm.watsonx.ai'],
];

export function openAIProvider(clientClass: string | undefined, baseURL: unknown): string {
  if (clientClass === 'AzureOpenAI') return 'azure.ai.openai';
  if (typeof baseURL === 'string') {
    let host: string;
    try {
      host = new URL(baseURL).hostname;
    } catch {
      return 'openai';
    }
    for (const [pattern, provider] of PROVIDER_BY_HOST) if (pattern.test(host)) return provider;
  }
  return 'openai';
}
