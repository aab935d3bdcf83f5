/**
 * The GenAI client metrics of semantic-conventions-genai v0.1.0, recorded whether or not a call's
 * span is sampled: when the call ends, and for streams also as each chunk after the first arrives
 * (`time_per_output_chunk`, which the conventions record per chunk). Model calls and embeddings
 * have instruments of their own. The pre-split names (`gen_ai.client.operation.duration`,
 * `gen_ai.client.token.usage`, …) are recorded too only when asked for (`legacyMetrics`,
 * `OTEL_GENAI_LEGACY_METRICS=true`): never by default, since they double the work per call and per
 * chunk. With no meter provider registered the instruments are no-ops and nothing is computed.
 */
import type { Attributes, Counter, Histogram, Meter, MeterProvider } from '@opentelemetry/api';
import { metrics, ValueType } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_MODALITY,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  GEN_AI_OPERATION_EMBEDDINGS,
  LEGACY_ATTR_GEN_AI_TOKEN_TYPE,
  LEGACY_METRIC_GEN_AI_CLIENT_OPERATION_DURATION,
  LEGACY_METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
  LEGACY_METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
  LEGACY_METRIC_GEN_AI_CLIENT_TOKEN_USAGE,
  METRIC_GEN_AI_CLIENT_EMBEDDINGS_DURATION,
  METRIC_GEN_AI_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_DURATION,
  METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK,
  METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS,
  METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
} from './semconv';
import type { TokenModality } from './semconv';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const AGENT_SECONDS_BUCKETS = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6];
const CALLS_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

/** A histogram of seconds with the conventions' buckets for it. */
function secondsHistogram(meter: Meter, name: string, description: string, buckets = SECONDS_BUCKETS): Histogram {
  return meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: buckets } });
}

/** The two histograms of a stream's timing, under the names of one generation of the conventions. */
function streamHistograms(
  meter: Meter,
  timeToFirstChunkName: string,
  timePerOutputChunkName: string,
): { timeToFirstChunk: Histogram; timePerOutputChunk: Histogram } {
  return {
    timeToFirstChunk: secondsHistogram(meter, timeToFirstChunkName, 'Time to receive the first chunk of a streaming response'),
    timePerOutputChunk: secondsHistogram(
      meter,
      timePerOutputChunkName,
      'Time from the previous chunk of a streaming response to this one, for each chunk after the first',
    ),
  };
}

function tokenHistogram(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, {
    description,
    unit: '{token}',
    valueType: ValueType.INT,
    advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
  });
}

function tokenCounter(meter: Meter, name: string, description: string): Counter {
  return meter.createCounter(name, { description, unit: '{token}', valueType: ValueType.INT });
}

/** The API's no-op instruments have no public type to test against; their class name says it. */
function isNoop(instrument: Histogram): boolean {
  return instrument.constructor.name === 'NoopHistogramMetric';
}

/**
 * The attributes every measurement of a call carries, in the order the metrics SDK sorts names into:
 * it sorts them again for every measurement (to find its data point), which costs least when they
 * come sorted. All but the response model are copied from the span's start attributes.
 */
const COMMON_KEYS = [
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
];

/** Token counts a provider gave for one modality, each part of its total (`gen_ai.usage.{modality}.*`). */
export type ModalityTokens = Partial<Record<TokenModality, number>>;

/** A call's usage as the API reported it; undefined where it reported none. */
export interface CallUsage {
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  cacheReadTokens?: number;
  cacheWriteTokens?: number;
  reasoningTokens?: number;
  inputByModality?: ModalityTokens;
  outputByModality?: ModalityTokens;
}

export interface CallMeasurements {
  startAttributes: Attributes;
  responseModel: string | undefined;
  errorType: string | undefined;
  durationSeconds: number;
  usage: CallUsage;
  /** On the duration and token metrics (`openai.response.service_tier`, …). */
  providerAttributes: Attributes | undefined;
  /** Streams only. */
  timeToFirstChunkSeconds: number | undefined;
}

/** The legacy instruments, made only when asked for. */
interface LegacyInstruments {
  tokenUsage: Histogram;
  duration: Histogram;
  timeToFirstChunk: Histogram;
  timePerOutputChunk: Histogram;
}

export class GenAIMetrics {
  /** False with the no-op meter of an app that registered no meter provider. */
  readonly enabled: boolean;
  private readonly inferenceDuration: Histogram;
  private readonly timeToFirstChunk: Histogram;
  private readonly timePerOutputChunk: Histogram;
  private readonly inputTokens: Counter;
  private readonly outputTokens: Counter;
  private readonly cacheReadTokens: Counter;
  private readonly cacheWriteTokens: Counter;
  private readonly reasoningTokens: Counter;
  private readonly operationInputTokens: Histogram;
  private readonly operationOutputTokens: Histogram;
  private readonly embeddingsDuration: Histogram;
  private readonly embeddingsInputTokens: Histogram;
  private readonly legacy: LegacyInstruments | undefined;

  constructor(meter: Meter, legacyNames = false) {
    this.inferenceDuration = secondsHistogram(meter, METRIC_GEN_AI_CLIENT_INFERENCE_DURATION, 'Duration of a GenAI inference (model) call');
    const stream = streamHistograms(
      meter,
      METRIC_GEN_AI_CLIENT_INFERENCE_TIME_TO_FIRST_CHUNK,
      METRIC_GEN_AI_CLIENT_INFERENCE_TIME_PER_OUTPUT_CHUNK,
    );
    this.timeToFirstChunk = stream.timeToFirstChunk;
    this.timePerOutputChunk = stream.timePerOutputChunk;
    this.inputTokens = tokenCounter(
      meter,
      METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_INPUT_TOKENS,
      'Input tokens used, cache read and write included',
    );
    this.outputTokens = tokenCounter(meter, METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_OUTPUT_TOKENS, 'Output tokens used, reasoning included');
    this.cacheReadTokens = tokenCounter(
      meter,
      METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_READ_INPUT_TOKENS,
      'Input tokens read from the provider cache',
    );
    this.cacheWriteTokens = tokenCounter(
      meter,
      METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_CACHE_WRITE_INPUT_TOKENS,
      'Input tokens written to the provider cache',
    );
    this.reasoningTokens = tokenCounter(
      meter,
      METRIC_GEN_AI_CLIENT_INFERENCE_USAGE_REASONING_OUTPUT_TOKENS,
      'Output tokens spent on reasoning',
    );
    this.operationInputTokens = tokenHistogram(
      meter,
      METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_INPUT_TOKENS,
      'Input tokens per inference call',
    );
    this.operationOutputTokens = tokenHistogram(
      meter,
      METRIC_GEN_AI_CLIENT_INFERENCE_OPERATION_OUTPUT_TOKENS,
      'Output tokens per inference call',
    );
    this.embeddingsDuration = secondsHistogram(meter, METRIC_GEN_AI_CLIENT_EMBEDDINGS_DURATION, 'Duration of a GenAI embeddings call');
    this.embeddingsInputTokens = tokenHistogram(
      meter,
      METRIC_GEN_AI_CLIENT_EMBEDDINGS_OPERATION_INPUT_TOKENS,
      'Input tokens per embeddings call',
    );
    if (legacyNames) {
      this.legacy = {
        tokenUsage: tokenHistogram(meter, LEGACY_METRIC_GEN_AI_CLIENT_TOKEN_USAGE, 'Number of input and output tokens used'),
        duration: secondsHistogram(meter, LEGACY_METRIC_GEN_AI_CLIENT_OPERATION_DURATION, 'GenAI operation duration'),
        ...streamHistograms(
          meter,
          LEGACY_METRIC_GEN_AI_CLIENT_OPERATION_TIME_TO_FIRST_CHUNK,
          LEGACY_METRIC_GEN_AI_CLIENT_OPERATION_TIME_PER_OUTPUT_CHUNK,
        ),
      };
    }
    this.enabled = !isNoop(this.inferenceDuration);
  }

  /** The attributes every measurement of a call carries: the request's, and the response model once known. */
  commonAttributes(startAttributes: Attributes, responseModel: string | undefined): Attributes {
    const attributes: Attributes = {};
    for (const key of COMMON_KEYS) {
      const value = key === ATTR_GEN_AI_RESPONSE_MODEL ? responseModel : startAttributes[key];
      if (value !== undefined) attributes[key] = value;
    }
    return attributes;
  }

  /** The time from the previous chunk of a stream to this one. */
  recordChunkGap(seconds: number, attributes: Attributes): void {
    this.timePerOutputChunk.record(seconds, attributes);
    this.legacy?.timePerOutputChunk.record(seconds, attributes);
  }

  record(measurements: CallMeasurements): void {
    const common = this.commonAttributes(measurements.startAttributes, measurements.responseModel);
    const { usage } = measurements;
    if (this.legacy !== undefined) this.recordLegacy(measurements, common);
    if (measurements.providerAttributes !== undefined) Object.assign(common, measurements.providerAttributes);
    const failed = measurements.errorType === undefined ? common : { ...common, [ATTR_ERROR_TYPE]: measurements.errorType };

    if (measurements.startAttributes[ATTR_GEN_AI_OPERATION_NAME] === GEN_AI_OPERATION_EMBEDDINGS) {
      this.embeddingsDuration.record(measurements.durationSeconds, failed);
      const input = tokenCount(usage.inputTokens);
      if (input !== undefined) this.embeddingsInputTokens.record(input, common);
      return;
    }
    this.inferenceDuration.record(measurements.durationSeconds, failed);
    if (measurements.timeToFirstChunkSeconds !== undefined) this.timeToFirstChunk.record(measurements.timeToFirstChunkSeconds, common);
    // Every call counts, failed ones and those that reported no usage too, as 0 of `unknown` modality
    // (token-metrics.yaml @066d4a7f, #536); so do the per-call histograms, with the call's error.type.
    const input = tokenCount(usage.inputTokens) ?? 0;
    const output = tokenCount(usage.outputTokens) ?? 0;
    recordByModality(this.inputTokens, input, usage.inputByModality, common);
    recordByModality(this.outputTokens, output, usage.outputByModality, common);
    for (const [counter, reported] of [
      [this.cacheReadTokens, usage.cacheReadTokens],
      [this.cacheWriteTokens, usage.cacheWriteTokens],
      [this.reasoningTokens, usage.reasoningTokens],
    ] as const) {
      const count = tokenCount(reported);
      if (count !== undefined) recordByModality(counter, count, undefined, common);
    }
    this.operationInputTokens.record(input, failed);
    this.operationOutputTokens.record(output, failed);
  }

  /** The pre-split metrics, as they were recorded before v0.1.0: by `gen_ai.token.type`, duration for every operation. */
  private recordLegacy(measurements: CallMeasurements, common: Attributes): void {
    const legacy = this.legacy as LegacyInstruments;
    const { usage } = measurements;
    const input = tokenCount(usage.inputTokens);
    const output = tokenCount(usage.outputTokens);
    if (input !== undefined) legacy.tokenUsage.record(input, { ...common, [LEGACY_ATTR_GEN_AI_TOKEN_TYPE]: 'input' });
    if (output !== undefined) legacy.tokenUsage.record(output, { ...common, [LEGACY_ATTR_GEN_AI_TOKEN_TYPE]: 'output' });
    if (measurements.timeToFirstChunkSeconds !== undefined) legacy.timeToFirstChunk.record(measurements.timeToFirstChunkSeconds, common);
    const attributes = { ...common, ...measurements.providerAttributes };
    if (measurements.errorType !== undefined) attributes[ATTR_ERROR_TYPE] = measurements.errorType;
    legacy.duration.record(measurements.durationSeconds, attributes);
  }
}

/**
 * A count the token instruments (integers, never negative) take: a provider's malformed number is
 * left out rather than handed to the metrics SDK, which would complain through diag on every call.
 */
function tokenCount(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value >= 0 ? Math.floor(value) : undefined;
}

/**
 * One data point per modality the provider reported, and what they leave of the total as `unknown`
 * (each token in exactly one modality, so that the modalities add up to the total).
 */
function recordByModality(counter: Counter, total: number, byModality: ModalityTokens | undefined, common: Attributes): void {
  let rest = total;
  if (byModality !== undefined) {
    for (const modality of ['text', 'image', 'audio'] as const) {
      const tokens = tokenCount(byModality[modality]);
      if (tokens === undefined || tokens <= 0) continue;
      counter.add(tokens, { ...common, [ATTR_GEN_AI_TOKEN_MODALITY]: modality });
      rest -= tokens;
    }
    if (rest <= 0 && rest !== total) return;
  }
  counter.add(Math.max(rest, 0), { ...common, [ATTR_GEN_AI_TOKEN_MODALITY]: 'unknown' });
}

/** A histogram of how many calls of one kind an agent run made. */
function callsHistogram(meter: Meter, name: string, unit: string, description: string): Histogram {
  return meter.createHistogram(name, { description, unit, valueType: ValueType.INT, advice: { explicitBucketBoundaries: CALLS_BUCKETS } });
}

/** What one agent run made: every model call, failed ones too, and every tool call it ran. */
export interface RunCalls {
  inference: number;
  tool: number;
}

/**
 * The agent run metrics (`gen_ai.invoke_agent.duration`, `.inference_calls`, `.tool_calls`) and
 * `gen_ai.execute_tool.duration` for the tool calls whose spans we bound (not inferred tool spans,
 * whose interval is only an upper bound). They go to the global meter provider, as those spans go
 * to the global tracer provider; undefined while it is the no-op one.
 */
export class RunMetrics {
  private readonly agentDuration: Histogram;
  private readonly inferenceCalls: Histogram;
  private readonly toolCalls: Histogram;
  private readonly toolDuration: Histogram;

  private constructor(meter: Meter) {
    this.agentDuration = secondsHistogram(
      meter,
      'gen_ai.invoke_agent.duration',
      'The end-to-end duration of a single agent invocation',
      AGENT_SECONDS_BUCKETS,
    );
    this.inferenceCalls = callsHistogram(
      meter,
      'gen_ai.invoke_agent.inference_calls',
      '{inference_call}',
      'The number of inference (model) calls a GenAI agent makes during a single invocation',
    );
    this.toolCalls = callsHistogram(
      meter,
      'gen_ai.invoke_agent.tool_calls',
      '{tool_call}',
      'The number of tool calls a GenAI agent makes during a single invocation',
    );
    this.toolDuration = secondsHistogram(meter, 'gen_ai.execute_tool.duration', 'The duration of a single tool execution');
  }

  private static provider: MeterProvider | undefined;
  private static current: RunMetrics | undefined;

  /** The instruments of the global meter provider as it is now (an app may set it after we load). */
  static global(): RunMetrics | undefined {
    const provider = metrics.getMeterProvider();
    if (provider !== RunMetrics.provider) {
      // Settled before the provider is asked: one that throws is asked once, and measures nothing.
      RunMetrics.provider = provider;
      RunMetrics.current = undefined;
      const created = new RunMetrics(provider.getMeter(PACKAGE_NAME, PACKAGE_VERSION));
      RunMetrics.current = isNoop(created.agentDuration) ? undefined : created;
    }
    return RunMetrics.current;
  }

  /** `durationAttributes` may carry the model and error; the counts carry only the agent's name. */
  recordAgent(seconds: number, calls: RunCalls, durationAttributes: Attributes, countAttributes: Attributes): void {
    this.agentDuration.record(seconds, durationAttributes);
    this.inferenceCalls.record(calls.inference, countAttributes);
    this.toolCalls.record(calls.tool, countAttributes);
  }

  recordTool(seconds: number, attributes: Attributes): void {
    this.toolDuration.record(seconds, attributes);
  }
}
