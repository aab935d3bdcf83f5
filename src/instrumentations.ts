/** Every otel-genai instrumentation, and the packages they hook (without the rest of the public API, for the register). */
import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AnthropicInstrumentation, MODULE as ANTHROPIC_MODULE } from './anthropic/instrumentation';
import type { AnthropicInstrumentationConfig, OpenAIInstrumentationConfig } from './config';
import { MODULE as OPENAI_MODULE, OpenAIInstrumentation } from './openai/instrumentation';

export interface InstrumentationsConfig {
  anthropic?: AnthropicInstrumentationConfig;
  openai?: OpenAIInstrumentationConfig;
}

/** One instance of every otel-genai instrumentation, for `NodeSDK({ instrumentations })`. */
export function createInstrumentations(config: InstrumentationsConfig = {}): Instrumentation[] {
  return [new AnthropicInstrumentation(config.anthropic), new OpenAIInstrumentation(config.openai)];
}

/** The packages our instrumentations hook: the ESM loader hook includes these and nothing else. */
export function instrumentedModules(): string[] {
  return [ANTHROPIC_MODULE, OPENAI_MODULE];
}
