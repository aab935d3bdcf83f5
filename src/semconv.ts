/**
 * Every attribute name we emit, and the one place that knows about the transition between
 * convention versions. The names are kept here rather than imported from
 * `@opentelemetry/semantic-conventions/incubating`, which marks the GenAI names deprecated and
 * lacks the newest ones.
 */
import type { Attributes, AttributeValue, Span } from '@opentelemetry/api';

export const ATTR_GEN_AI_OPERATION_NAME = 'gen_ai.operation.name';
export const ATTR_GEN_AI_PROVIDER_NAME = 'gen_ai.provider.name';
export const ATTR_GEN_AI_REQUEST_MODEL = 'gen_ai.request.model';
export const ATTR_GEN_AI_REQUEST_MAX_TOKENS = 'gen_ai.request.max_tokens';
export const ATTR_GEN_AI_REQUEST_TEMPERATURE = 'gen_ai.request.temperature';
export const ATTR_GEN_AI_REQUEST_TOP_P = 'gen_ai.request.top_p';
export const ATTR_GEN_AI_REQUEST_TOP_K = 'gen_ai.request.top_k';
export const ATTR_GEN_AI_REQUEST_STOP_SEQUENCES = 'gen_ai.request.stop_sequences';
export const ATTR_GEN_AI_REQUEST_FREQUENCY_PENALTY = 'gen_ai.request.frequency_penalty';
export const ATTR_GEN_AI_REQUEST_PRESENCE_PENALTY = 'gen_ai.request.presence_penalty';
export const ATTR_GEN_AI_REQUEST_SEED = 'gen_ai.request.seed';
export const ATTR_GEN_AI_REQUEST_CHOICE_COUNT = 'gen_ai.request.choice.count';
export const ATTR_GEN_AI_REQUEST_STREAM = 'gen_ai.request.stream';
export const ATTR_GEN_AI_REQUEST_REASONING_LEVEL = 'gen_ai.request.reasoning.level';
export const ATTR_GEN_AI_OUTPUT_TYPE = 'gen_ai.output.type';
export const ATTR_GEN_AI_CONVERSATION_ID = 'gen_ai.conversation.id';
export const ATTR_GEN_AI_RESPONSE_ID = 'gen_ai.response.id';
export const ATTR_GEN_AI_RESPONSE_MODEL = 'gen_ai.response.model';
export const ATTR_GEN_AI_RESPONSE_FINISH_REASONS = 'gen_ai.response.finish_reasons';
export const ATTR_GEN_AI_RESPONSE_TIME_TO_FIRST_CHUNK = 'gen_ai.response.time_to_first_chunk';
export const ATTR_GEN_AI_USAGE_INPUT_TOKENS = 'gen_ai.usage.input_tokens';
export const ATTR_GEN_AI_USAGE_OUTPUT_TOKENS = 'gen_ai.usage.output_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.usage.cache_read.input_tokens';
export const ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.usage.cache_write.input_tokens';
export const ATTR_GEN_AI_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.usage.reasoning.output_tokens';
export const ATTR_GEN_AI_REQUEST_PREVIOUS_RESPONSE_ID = 'gen_ai.request.previous_response.id';
export const ATTR_GEN_AI_REQUEST_ENCODING_FORMATS = 'gen_ai.request.encoding_formats';
export const ATTR_GEN_AI_EMBEDDINGS_DIMENSION_COUNT = 'gen_ai.embeddings.dimension.count';
export const ATTR_OPENAI_API_TYPE = 'openai.api.type';
export const ATTR_OPENAI_REQUEST_SERVICE_TIER = 'openai.request.service_tier';
export const ATTR_OPENAI_RESPONSE_SERVICE_TIER = 'openai.response.service_tier';
export const ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT = 'openai.response.system_fingerprint';
export const ATTR_GEN_AI_TOKEN_MODALITY = 'gen_ai.token.modality';
/** Per-modality usage, each part of its total: `gen_ai.usage.{text,image,audio}.input_tokens`, …. */
export type TokenModality = 'text' | 'image' | 'audio';
export const usageByModality = (modality: TokenModality, kind: 'input_tokens' | 'output_tokens' | 'cache_read.input_tokens'): string =>
  `gen_ai.usage.${modality}.${kind}`;
export const ATTR_GEN_AI_INPUT_MESSAGES = 'gen_ai.input.messages';
export const ATTR_GEN_AI_OUTPUT_MESSAGES = 'gen_ai.output.messages';
export const ATTR_GEN_AI_SYSTEM_INSTRUCTIONS = 'gen_ai.system_instructions';
export const ATTR_GEN_AI_TOOL_DEFINITIONS = 'gen_ai.tool.definitions';
export const ATTR_GEN_AI_TOOL_CALL_ARGUMENTS = 'gen_ai.tool.call.arguments';
export const ATTR_GEN_AI_TOOL_CALL_RESULT = 'gen_ai.tool.call.result';
/** The log event that carries a call's content when capture goes to events. */
export const EVENT_GEN_AI_INFERENCE_DETAILS = 'gen_ai.client.inference.operation.details';
/**
 * A failed model call's exception as a log record. semantic-conventions-genai v0.1.0 names it
 * `gen_ai.client.inference.exception` in client-inference.md (only its table of contents was
 * readable); the stored definitions up to 88eccb15 still say `gen_ai.client.operation.exception`,
 * which embeddings keep (client-embeddings.md @88eccb15).
 */
export const EVENT_GEN_AI_CLIENT_INFERENCE_EXCEPTION = 'gen_ai.client.inference.exception';
export const EVENT_GEN_AI_CLIENT_OPERATION_EXCEPTION = 'gen_ai.client.operation.exception';
export const EVENT_GEN_AI_EXECUTE_TOOL_EXCEPTION = 'gen_ai.execute_tool.exception';
export const ATTR_EXCEPTION_TYPE = 'exception.type';
export const ATTR_EXCEPTION_MESSAGE = 'exception.message';
export const ATTR_EXCEPTION_STACKTRACE = 'exception.stacktrace';
export const ATTR_GEN_AI_TOOL_NAME = 'gen_ai.tool.name';
export const ATTR_GEN_AI_TOOL_CALL_ID = 'gen_ai.tool.call.id';
export const ATTR_GEN_AI_TOOL_TYPE = 'gen_ai.tool.type';
export const ATTR_GEN_AI_TOOL_DESCRIPTION = 'gen_ai.tool.description';
export const ATTR_GEN_AI_AGENT_NAME = 'gen_ai.agent.name';
export const ATTR_GEN_AI_AGENT_DESCRIPTION = 'gen_ai.agent.description';
export const ATTR_GEN_AI_AGENT_ID = 'gen_ai.agent.id';
export const ATTR_GEN_AI_AGENT_VERSION = 'gen_ai.agent.version';
export const ATTR_SERVER_ADDRESS = 'server.address';
export const ATTR_SERVER_PORT = 'server.port';
export const ATTR_ERROR_TYPE = 'error.type';

/**
 * Model Context Protocol (semantic-conventions-genai docs/gen-ai/mcp.md @0393513c, registry
 * docs/registry/attributes/mcp.md @4172e394): the span and metric attributes of MCP requests.
 */
export const ATTR_MCP_METHOD_NAME = 'mcp.method.name';
export const ATTR_MCP_SESSION_ID = 'mcp.session.id';
export const ATTR_MCP_PROTOCOL_VERSION = 'mcp.protocol.version';
export const ATTR_MCP_RESOURCE_URI = 'mcp.resource.uri';
export const ATTR_GEN_AI_PROMPT_NAME = 'gen_ai.prompt.name';
export const ATTR_JSONRPC_REQUEST_ID = 'jsonrpc.request.id';
export const ATTR_RPC_RESPONSE_STATUS_CODE = 'rpc.response.status_code';
export const ATTR_NETWORK_TRANSPORT = 'network.transport';
export const ATTR_NETWORK_PROTOCOL_NAME = 'network.protocol.name';
export const METRIC_MCP_CLIENT_OPERATION_DURATION = 'mcp.client.operation.duration';
export const METRIC_MCP_SERVER_OPERATION_DURATION = 'mcp.server.operation.duration';
export const METRIC_MCP_CLIENT_SESSION_DURATION = 'mcp.client.session.duration';
export const METRIC_MCP_SERVER_SESSION_DURATION = 'mcp.server.session.duration';
/** An MCP request the caller (its `AbortSignal`) or the peer (`notifications/cancelled`, a closed transport) cancelled. */
export const ERROR_TYPE_CANCELLED = 'cancelled';
/** An MCP request that the client's SDK gave up waiting for (its request timeout): no response came. */
export const ERROR_TYPE_TIMEOUT = 'timeout';
/** An MCP request whose transport closed before any response came. */
export const ERROR_TYPE_CONNECTION_CLOSED = 'connection_closed';

/**
 * Metric names of semantic-conventions-genai v0.1.0 (model/gen-ai/metrics.yaml and token-metrics.yaml
 * as stored at 88eccb15 and 066d4a7f, the versions nearest the release).
 */
export const METRIC_GEN_AI_CLIENT_INFERENCE_DURATION = 'gen_ai.client.inference.duration';
export const METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK = 'gen_ai.client.inference.time_to_first_chunk';
export const METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK = 'gen_ai.client.inference.time_per_output_chunk';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS = 'gen_ai.client.inference.usage.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS = 'gen_ai.client.inference.usage.output_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS = 'gen_ai.client.inference.usage.cache_read.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS = 'gen_ai.client.inference.usage.cache_write.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS = 'gen_ai.client.inference.usage.reasoning.output_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS = 'gen_ai.client.inference.operation.input_tokens';
export const METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS = 'gen_ai.client.inference.operation.output_tokens';
export const METRIC_GEN_AI_CLIENT_EMBEDDINGS_DURATION = 'gen_ai.client.embeddings.duration';
export const METRIC_GEN_AI_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS = 'gen_ai.client.embeddings.operation.input_tokens';
/** The pre-split names (core semantic conventions up to v1.41), recorded only on opt-in (see legacyMetricsFromEnv). */
export const LEGACY_METRIC_GEN_AI_CLIENT_OPERATION_DURATION = 'gen_ai.client.operation.duration';
export const LEGACY_METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK = 'gen_ai.client.operation.time_to_first_chunk';
export const LEGACY_METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK = 'gen_ai.client.operation.time_per_output_chunk';
export const LEGACY_METRIC_GEN_AI_CLIENT_TOKEN_USAGE = 'gen_ai.client.token.usage';
export const LEGACY_ATTR_GEN_AI_TOKEN_TYPE = 'gen_ai.token.type';

/** Records the pre-split metric names beside the new ones, for dashboards that still read them. */
export const LEGACY_METRICS_ENV = 'OTEL_GENAI_LEGACY_METRICS';

export function legacyMetricsFromEnv(value = process.env[LEGACY_METRICS_ENV]): boolean {
  return value?.trim().toLowerCase() === 'true';
}

/** The names that the latest conventions replaced and that dashboards still key on, by their new name. */
const LEGACY_NAMES: ReadonlyMap<string, string> = new Map([
  [ATTR_GEN_AI_PROVIDER_NAME, 'gen_ai.system'],
  [ATTR_GEN_AI_USAGE_CACHE_WRITE_INPUT_TOKENS, 'gen_ai.usage.cache_creation.input_tokens'],
  [ATTR_GEN_AI_REQUEST_SEED, 'gen_ai.openai.request.seed'],
  [ATTR_OPENAI_REQUEST_SERVICE_TIER, 'gen_ai.openai.request.service_tier'],
  [ATTR_OPENAI_RESPONSE_SERVICE_TIER, 'gen_ai.openai.response.service_tier'],
  [ATTR_OPENAI_RESPONSE_SYSTEM_FINGERPRINT, 'gen_ai.openai.response.system_fingerprint'],
]);

/**
 * Our own attributes, for what the conventions do not name: loop and budget signals of an agent run,
 * a tool call's argument fingerprint (a short hash, never the arguments), and inferred tool spans.
 */
export const ATTR_AGENT_MODEL_CALLS = 'otel_genai.agent.model_calls';
export const ATTR_AGENT_TOOL_CALLS = 'otel_genai.agent.tool_calls';
export const ATTR_AGENT_MAX_TOOL_REPEATS = 'otel_genai.agent.max_tool_repeats';
export const ATTR_AGENT_BUDGETS_EXCEEDED = 'otel_genai.agent.budgets_exceeded';
export const ATTR_TOOL_ARGUMENTS_FINGERPRINT = 'otel_genai.tool.arguments_fingerprint';
export const ATTR_TOOL_INFERRED = 'otel_genai.tool.inferred';
export const ATTR_ABANDONED = 'otel_genai.abandoned';
/**
 * A call's estimated cost in USD (an agent run's: the sum of its model calls'), and the prices that
 * produced it (`@pydantic/genai-prices@0.1.8`, or the app's own): ours until the conventions' cost
 * attributes (semantic-conventions-genai PR #443, `gen_ai.usage.cost.*`) are merged.
 */
export const ATTR_USAGE_COST = 'otel_genai.usage.cost';
export const ATTR_USAGE_COST_SOURCE = 'otel_genai.usage.cost.source';
/** The estimated cost counter, named after PR #443's `gen_ai.client.operation.cost` in our namespace. */
export const METRIC_CLIENT_OPERATION_COST = 'otel_genai.client.operation.cost';
export const EVENT_AGENT_BUDGET_EXCEEDED = 'otel_genai.agent.budget_exceeded';

export const GEN_AI_OPERATION_CHAT = 'chat';
/** Multimodal generation (`@google/genai`'s `generateContent`): the conventions' operation for it. */
export const GEN_AI_OPERATION_GENERATE_CONTENT = 'generate_content';
export const GEN_AI_OPERATION_TEXT_COMPLETION = 'text_completion';
export const GEN_AI_OPERATION_EXECUTE_TOOL = 'execute_tool';
export const GEN_AI_OPERATION_INVOKE_AGENT = 'invoke_agent';
export const GEN_AI_OPERATION_EMBEDDINGS = 'embeddings';
export const ERROR_TYPE_OTHER = '_OTHER';
/** An inferred tool call whose result the app marked as failed (Anthropic's `is_error`). */
export const ERROR_TYPE_TOOL_ERROR = 'tool_error';
/** A stream that ended before its final event, with no error from the SDK. */
export const ERROR_TYPE_INCOMPLETE_STREAM = 'incomplete_stream';
/** A Responses API response that ended `failed` with no error code we know. */
export const ERROR_TYPE_RESPONSE_FAILED = 'response_failed';

/**
 * The provider error types and codes that `error.type` may take, as the providers document them.
 * A provider-written string outside this set never becomes an attribute value: it could hold
 * anything (a quote of the request), and as a metric attribute it would have no bound.
 */
export const KNOWN_PROVIDER_ERROR_TYPES: ReadonlySet<string> = new Set([
  // Anthropic: the `error.type` of an error body or an in-stream `error` event (docs "Errors",
  // and `ErrorType` in @anthropic-ai/sdk's resources/shared).
  'invalid_request_error',
  'authentication_error',
  'billing_error',
  'permission_error',
  'not_found_error',
  'request_too_large',
  'rate_limit_error',
  'timeout_error',
  'api_error',
  'overloaded_error',
  'conflict_error',
  'memory_precondition_failed_error',
  'memory_path_conflict_error',
  // OpenAI: error body `type`s and `code`s (a 429's `type` names the limit, `requests` or
  // `tokens`, and is left out: its `code`, `rate_limit_exceeded`, says more).
  'server_error',
  'insufficient_quota',
  'rate_limit_exceeded',
  'context_length_exceeded',
  'invalid_api_key',
  'model_not_found',
  // OpenAI Responses: `ResponseError['code']` in openai 7.
  'invalid_prompt',
  'data_residency_mismatch',
  'bio_policy',
  'misalignment_policy_violation',
  'vector_store_timeout',
  'invalid_image',
  'invalid_image_format',
  'invalid_base64_image',
  'invalid_image_url',
  'image_too_large',
  'image_too_small',
  'image_parse_error',
  'image_content_policy_violation',
  'invalid_image_mode',
  'image_file_too_large',
  'unsupported_image_media_type',
  'empty_image_file',
  'failed_to_download_image',
  'image_file_not_found',
]);

/** The `DOMException` names `error.type` may take (the WebIDL list's, as Node's fetch and abort raise them). */
export const KNOWN_DOM_EXCEPTION_NAMES: ReadonlySet<string> = new Set([
  'AbortError',
  'TimeoutError',
  'NetworkError',
  'NotSupportedError',
  'InvalidStateError',
  'SyntaxError',
  'DataCloneError',
  'QuotaExceededError',
  'SecurityError',
  'NotAllowedError',
  'NotFoundError',
  'OperationError',
  'DataError',
  'EncodingError',
  'InvalidCharacterError',
]);
export const FINISH_REASON_ERROR = 'error';

/**
 * `latest`: only the newest names. `compat`: the newest names plus the legacy aliases, so that
 * dashboards built on the older conventions keep working during the transition.
 */
export type SemconvMode = 'latest' | 'compat';

const LATEST_OPT_IN = 'gen_ai_latest_experimental';

/** Reads `OTEL_SEMCONV_STABILITY_OPT_IN` (a comma-separated list) the way the core conventions define it. */
export function semconvModeFromEnv(value: string | undefined = process.env.OTEL_SEMCONV_STABILITY_OPT_IN): SemconvMode {
  if (!value) return 'compat';
  return value.split(',').some((entry) => entry.trim() === LATEST_OPT_IN) ? 'latest' : 'compat';
}

/** Where exceptions are recorded: as span events (the default), as log records, or as both. */
export interface ExceptionSignal {
  onSpan: boolean;
  onLogs: boolean;
}

/**
 * Reads `OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN` as the exceptions conventions define the move from
 * span events to logs: `logs` for log records only, `logs/dup` for both, anything else span events.
 */
export function exceptionSignalFromEnv(value: string | undefined = process.env.OTEL_SEMCONV_EXCEPTION_SIGNAL_OPT_IN): ExceptionSignal {
  const entries = value ? value.split(',').map((entry) => entry.trim()) : [];
  if (entries.includes('logs/dup')) return { onSpan: true, onLogs: true };
  if (entries.includes('logs')) return { onSpan: false, onLogs: true };
  return { onSpan: true, onLogs: false };
}

/** Sets `name` in `target`, and in compat mode its legacy name too. */
export function putAttribute(target: Attributes, name: string, value: AttributeValue, mode: SemconvMode): void {
  target[name] = value;
  if (mode !== 'compat') return;
  const legacy = LEGACY_NAMES.get(name);
  if (legacy !== undefined) target[legacy] = value;
}

/**
 * Sets `name` on `span`, and in compat mode its legacy name too. One `setAttribute` per name: the
 * SDK validates each attribute wherever it comes from, and an intermediate object would only add a
 * copy per call.
 */
export function setSpanAttribute(span: Span, name: string, value: AttributeValue, mode: SemconvMode): void {
  span.setAttribute(name, value);
  if (mode !== 'compat') return;
  const legacy = LEGACY_NAMES.get(name);
  if (legacy !== undefined) span.setAttribute(legacy, value);
}

/** `setSpanAttribute` for each defined attribute of `attributes`. */
export function setSpanAttributes(span: Span, attributes: Attributes, mode: SemconvMode): void {
  for (const name in attributes) {
    const value = attributes[name];
    if (value !== undefined) setSpanAttribute(span, name, value, mode);
  }
}
