import type { Instrumentation } from '@opentelemetry/instrumentation';
import { AnthropicInstrumentation, MODULE as ANTHROPIC_MODULE } from './anthropic/instrumentation';
import type { AnthropicInstrumentationConfig } from './config';

export { AnthropicInstrumentation };
export type { AnthropicInstrumentationConfig, GenAIInstrumentationConfig } from './config';
export type { SemconvMode } from './semconv';

export interface InstrumentationsConfig {
  anthropic?: AnthropicInstrumentationConfig;
}

/** One instance of every otel-genai instrumentation, for `NodeSDK({ instrumentations })`. */
export function createInstrumentations(config: InstrumentationsConfig = {}): Instrumentation[] {
  return [new AnthropicInstrumentation(config.anthropic)];
}

/** The packages our instrumentations hook: the ESM loader hook includes these and nothing else. */
export function instrumentedModules(): string[] {
  return [ANTHROPIC_MODULE];
}
