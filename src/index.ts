import { AnthropicInstrumentation } from './anthropic/instrumentation';
import { OpenAIInstrumentation } from './openai/instrumentation';
import { GoogleGenAIInstrumentation } from './google/instrumentation';
import { McpInstrumentation } from './mcp/instrumentation';

export { AnthropicInstrumentation, GoogleGenAIInstrumentation, McpInstrumentation, OpenAIInstrumentation };
export type { McpInstrumentationConfig } from './mcp/instrumentation';
export { AISDKInstrumentation } from './ai-sdk/instrumentation';
export type { AISDKInstrumentationConfig } from './ai-sdk/instrumentation';
export { createInstrumentations, instrumentedModules } from './instrumentations';
export type { InstrumentationsConfig } from './instrumentations';
export type {
  AnthropicInstrumentationConfig,
  GenAIInstrumentationConfig,
  GoogleGenAIInstrumentationConfig,
  OpenAIInstrumentationConfig,
} from './config';
export type { SemconvMode } from './semconv';
export type { CostOptions, PricedCall, PriceFunction } from './cost';
export { withAgent } from './agent';
export type { AgentOptions } from './agent';
export { runTool, traceTool } from './tools';
export { GenAITreeExporter } from './tree-exporter';
export type { TreeExporterOptions } from './tree-exporter';
export type { ToolCallOptions } from './tools';
export { instrumentClient } from './instrument-client';
export type { InstrumentClientConfig } from './instrument-client';
