import type { InstrumentationConfig } from '@opentelemetry/instrumentation';
import type { ContentOptions } from './content';
import type { CostOptions } from './cost';
import type { SemconvMode } from './semconv';

/** Options every otel-genai instrumentation takes. */
export interface GenAIInstrumentationConfig extends InstrumentationConfig, ContentOptions {
  /**
   * `latest` emits only the newest GenAI attribute names; `compat` adds the legacy aliases
   * (`gen_ai.system`, `gen_ai.usage.cache_creation.input_tokens`). Default: `latest` when
   * `OTEL_SEMCONV_STABILITY_OPT_IN` contains `gen_ai_latest_experimental`, otherwise `compat`.
   */
  semconv?: SemconvMode;
  /**
   * Also record the pre-split metric names (`gen_ai.client.operation.duration`,
   * `gen_ai.client.token.usage` by `gen_ai.token.type`, `gen_ai.client.operation.time_to_first_chunk`,
   * `.time_per_output_chunk`) beside the semantic-conventions-genai v0.1.0 ones, for dashboards that
   * still read them. Default: `OTEL_GENAI_LEGACY_METRICS=true`, else off.
   */
  legacyMetrics?: boolean;
  /**
   * The estimated cost of each model call (`otel_genai.usage.cost`, in USD, with
   * `otel_genai.usage.cost.source`: the prices' package and version), summed on its agent run, and
   * the `otel_genai.client.operation.cost` counter, from `@pydantic/genai-prices`' price data,
   * loaded on the first call priced. `true`, or options with custom prices that come first. Default:
   * `OTEL_GENAI_COST=true`, else off.
   */
  cost?: boolean | CostOptions;
}

export interface AnthropicInstrumentationConfig extends GenAIInstrumentationConfig {
  /**
   * `@anthropic-ai/sdk` >= 0.134 emits its own spans when a tracer provider is registered. By
   * default we turn them off on each client we trace, so that every model call has exactly one
   * inference span, ours. `true` keeps the SDK's own spans instead, and we emit none for clients
   * that have them on.
   */
  preferNativeSpans?: boolean;
}

export interface OpenAIInstrumentationConfig extends GenAIInstrumentationConfig {
  /**
   * OpenAI streams report usage only when the request asks for it
   * (`stream_options.include_usage`). `true` adds that to streaming chat requests that leave it
   * unset, and hides the extra usage-only chunk (and the `usage: null` fields) from the app, which
   * sees exactly the chunks it would have seen. Default `false`: requests are never changed.
   * Some OpenAI-compatible servers reject `stream_options`.
   */
  requestStreamUsage?: boolean;
}

/** `@google/genai` (Gemini API and Vertex AI): the options every instrumentation takes. */
export type GoogleGenAIInstrumentationConfig = GenAIInstrumentationConfig;
