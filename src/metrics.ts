/**
 * The GenAI client metrics, recorded whether or not a call's span is sampled: when the call ends,
 * and for streams also as each chunk after the first arrives (`time_per_output_chunk`, which the
 * conventions record per chunk). With no meter provider registered the instruments are no-ops and
 * nothing is computed for them.
 */
import type { Attributes, Histogram, Meter, MeterProvider } from '@opentelemetry/api';
import { metrics, ValueType } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_PROVIDER_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_MODEL,
  ATTR_GEN_AI_TOKEN_TYPE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from './semconv';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

const TOKEN_BUCKETS = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
const SECONDS_BUCKETS = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92];
const AGENT_SECONDS_BUCKETS = [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 51.2, 102.4, 204.8, 409.6];
const CALLS_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128];

/** A histogram of seconds with the conventions' buckets for it. */
function secondsHistogram(meter: Meter, name: string, description: string, buckets = SECONDS_BUCKETS): Histogram {
  return meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: buckets } });
}

/** The API's no-op instruments have no public type to test against; their class name says it. */
function isNoop(instrument: Histogram): boolean {
  return instrument.constructor.name === 'NoopHistogramMetric';
}

/** Request attributes that metrics carry, copied from the span's start attributes. */
const REQUEST_KEYS = [ATTR_GEN_AI_OPERATION_NAME, ATTR_GEN_AI_PROVIDER_NAME, ATTR_GEN_AI_REQUEST_MODEL, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT];

export interface CallMeasurements {
  startAttributes: Attributes;
  responseModel: string | undefined;
  errorType: string | undefined;
  durationSeconds: number;
  inputTokens: number | undefined;
  outputTokens: number | undefined;
  /** On the duration only (`openai.response.service_tier`, …). */
  providerAttributes: Attributes | undefined;
  /** Streams only. */
  timeToFirstChunkSeconds: number | undefined;
}

export class GenAIMetrics {
  /** False with the no-op meter of an app that registered no meter provider. */
  readonly enabled: boolean;
  private readonly tokenUsage: Histogram;
  private readonly duration: Histogram;
  private readonly timeToFirstChunk: Histogram;
  private readonly timePerOutputChunk: Histogram;

  constructor(meter: Meter) {
    this.tokenUsage = meter.createHistogram('gen_ai.client.token.usage', {
      description: 'Number of input and output tokens used',
      unit: '{token}',
      valueType: ValueType.INT,
      advice: { explicitBucketBoundaries: TOKEN_BUCKETS },
    });
    this.duration = secondsHistogram(meter, 'gen_ai.client.operation.duration', 'GenAI operation duration');
    this.timeToFirstChunk = secondsHistogram(
      meter,
      'gen_ai.client.operation.time_to_first_chunk',
      'Time to receive the first chunk of a streaming response',
    );
    this.timePerOutputChunk = secondsHistogram(
      meter,
      'gen_ai.client.operation.time_per_output_chunk',
      'Time from the previous chunk of a streaming response to this one, for each chunk after the first',
    );
    this.enabled = !isNoop(this.duration);
  }

  /** The attributes every measurement of a call carries: the request's, and the response model once known. */
  commonAttributes(startAttributes: Attributes, responseModel: string | undefined): Attributes {
    const attributes: Attributes = {};
    for (const key of REQUEST_KEYS) {
      const value = startAttributes[key];
      if (value !== undefined) attributes[key] = value;
    }
    if (responseModel !== undefined) attributes[ATTR_GEN_AI_RESPONSE_MODEL] = responseModel;
    return attributes;
  }

  /** The time from the previous chunk of a stream to this one. */
  recordChunkGap(seconds: number, attributes: Attributes): void {
    this.timePerOutputChunk.record(seconds, attributes);
  }

  record(measurements: CallMeasurements): void {
    const attributes = this.commonAttributes(measurements.startAttributes, measurements.responseModel);
    if (measurements.inputTokens !== undefined) {
      this.tokenUsage.record(measurements.inputTokens, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: 'input' });
    }
    if (measurements.outputTokens !== undefined) {
      this.tokenUsage.record(measurements.outputTokens, { ...attributes, [ATTR_GEN_AI_TOKEN_TYPE]: 'output' });
    }
    if (measurements.timeToFirstChunkSeconds !== undefined) this.timeToFirstChunk.record(measurements.timeToFirstChunkSeconds, attributes);
    if (measurements.providerAttributes !== undefined) Object.assign(attributes, measurements.providerAttributes);
    if (measurements.errorType !== undefined) attributes[ATTR_ERROR_TYPE] = measurements.errorType;
    this.duration.record(measurements.durationSeconds, attributes);
  }
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
    this.agentDuration = secondsHistogram(meter, 'gen_ai.invoke_agent.duration', 'The end-to-end duration of a single agent invocation', AGENT_SECONDS_BUCKETS);
    this.inferenceCalls = callsHistogram(meter, 'gen_ai.invoke_agent.inference_calls', '{inference_call}', 'The number of inference (model) calls a GenAI agent makes during a single invocation');
    this.toolCalls = callsHistogram(meter, 'gen_ai.invoke_agent.tool_calls', '{tool_call}', 'The number of tool calls a GenAI agent makes during a single invocation');
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
