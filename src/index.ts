import { AnthropicInstrumentation } from './anthropic/instrumentation';
import { OpenAIInstrumentation } from './openai/instrumentation';

export { AnthropicInstrumentation, OpenAIInstrumentation };
export { createInstrumentations, instrumentedModules } from './instrumentations';
export type { InstrumentationsConfig } from './instrumentations';
export type { AnthropicInstrumentationConfig, GenAIInstrumentationConfig, OpenAIInstrumentationConfig } from './config';
export type { SemconvMode } from './semconv';
export { withAgent } from './agent';
export type { AgentOptions } from './agent';
export { runTool, traceTool } from './tools';
export { GenAITreeExporter } from './tree-exporter';
export type { TreeExporterOptions } from './tree-exporter';
export type { ToolCallOptions } from './tools';
export { instrumentClient } from './instrument-client';
export type { InstrumentClientConfig } from './instrument-client';
