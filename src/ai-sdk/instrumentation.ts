/**
 * The Vercel AI SDK (`ai` >= 7): no module to patch. `ai` publishes every run, step, model call and
 * tool execution on the `ai:telemetry` TracingChannel (`node:diagnostics_channel`) while something
 * subscribes; this instrumentation subscribes while it is enabled (see subscriber.ts). It works
 * however `ai` was loaded (ESM, bundled), and costs the AI SDK nothing while disabled: with no
 * subscriber, `ai` skips the channel.
 *
 * One subscriber per process: of several enabled instances (in this copy of the package or another
 * one), the first enabled traces, and when it is disabled the next takes over.
 */
import { trace } from '@opentelemetry/api';
import type { DiagLogger, LoggerProvider, MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import type { GenAIInstrumentationConfig } from '../config';
import { CostTelemetry } from '../cost';
import { globalLogger } from '../errors';
import { CallSettings } from '../genai-instrumentation';
import type { CallTelemetry } from '../inference-call';
import { isGlobalLoggerProvider } from '../logs';
import { GenAIMetrics } from '../metrics';
import { legacyMetricsFromEnv } from '../semconv';
import { PACKAGE_NAME, PACKAGE_VERSION } from '../version';
import { ChannelSubscriber } from './subscriber';
import type { SubscriberHost } from './subscriber';

/** Options of the AI SDK instrumentation: those every otel-genai instrumentation takes (see the README's Configuration). */
export type AISDKInstrumentationConfig = GenAIInstrumentationConfig;

/** What one subscriber-owner offers the others (a registry shared by every copy of this package). */
interface Owner {
  activateSubscriber(): void;
  deactivateSubscriber(): void;
}

const OWNERS = Symbol.for('otel-genai.ai-sdk.subscriber-owners.v1');

function owners(): Owner[] {
  const holder = globalThis as unknown as Record<symbol, Owner[] | undefined>;
  return (holder[OWNERS] ??= []);
}

export class AISDKInstrumentation extends InstrumentationBase<AISDKInstrumentationConfig> implements Owner {
  // Set from setConfig(), the provider setters and enable(), which the base constructor calls before
  // field initialisers would run.
  declare private settings: CallSettings<AISDKInstrumentationConfig>;
  declare private metrics: GenAIMetrics | undefined;
  declare private ownTracerProvider: boolean | undefined;
  declare private ownLoggerProvider: boolean | undefined;
  declare private cachedTelemetry: CallTelemetry | undefined;
  declare private subscriber: ChannelSubscriber | undefined;

  constructor(config: AISDKInstrumentationConfig = {}) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  /** No module definitions: the AI SDK is reached through its channel, not its module. */
  protected init(): [] {
    return [];
  }

  override setConfig(config: AISDKInstrumentationConfig = {}): void {
    super.setConfig(config);
    this.settings = new CallSettings(config);
    this.cachedTelemetry = undefined;
  }

  override setTracerProvider(tracerProvider: TracerProvider): void {
    // NodeSDK hands over the global provider: keep following the global one, which an app may replace.
    this.ownTracerProvider = tracerProvider !== trace.getTracerProvider();
    this.useProvider('tracer', () => super.setTracerProvider(tracerProvider));
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    this.useProvider('meter', () => super.setMeterProvider(meterProvider));
  }

  override setLoggerProvider(loggerProvider: LoggerProvider): void {
    this.ownLoggerProvider = !isGlobalLoggerProvider(loggerProvider);
    this.useProvider('logger', () => super.setLoggerProvider(loggerProvider));
  }

  protected override _updateMetricInstruments(): void {
    this.useProvider('meter', () => {
      const metrics = new GenAIMetrics(this.meter, this.getConfig().legacyMetrics ?? legacyMetricsFromEnv());
      this.metrics = metrics.enabled ? metrics : undefined;
    });
  }

  private useProvider(kind: string, apply: () => void): void {
    try {
      apply();
    } catch (problem) {
      if (kind === 'meter') this.metrics = undefined;
      this._diag.error(`could not use the ${kind} provider`, problem);
    }
    this.cachedTelemetry = undefined;
  }

  override enable(): void {
    super.enable();
    const list = owners();
    if (list.includes(this)) return;
    list.push(this);
    if (list[0] === this) this.activateSubscriber();
  }

  override disable(): void {
    super.disable();
    const list = owners();
    const index = list.indexOf(this);
    if (index < 0) return;
    list.splice(index, 1);
    if (index !== 0) return;
    this.deactivateSubscriber();
    list[0]?.activateSubscriber();
  }

  /** Subscribes (called by the owner registry: for the first enabled instance in the process). */
  activateSubscriber(): void {
    try {
      this.subscriber ??= new ChannelSubscriber(this.host());
      this.subscriber.activate();
    } catch (problem) {
      this._diag.error('could not subscribe to the AI SDK channel (ai:telemetry)', problem);
    }
  }

  deactivateSubscriber(): void {
    try {
      this.subscriber?.deactivate();
    } catch (problem) {
      this._diag.error('could not unsubscribe from the AI SDK channel (ai:telemetry)', problem);
    }
  }

  /** What the subscriber reads as each operation starts: this instance's settings and telemetry as they are then. */
  private host(): SubscriberHost {
    const instrumentation = this;
    return {
      get settings() {
        return instrumentation.settings;
      },
      get telemetry() {
        return instrumentation.telemetry();
      },
      get diag(): DiagLogger {
        return instrumentation._diag;
      },
    };
  }

  /** The tracer of the provider set on this instance, or else of the global provider as it is now. */
  private currentTracer(): Tracer {
    return this.ownTracerProvider ? this.tracer : trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
  }

  private telemetry(): CallTelemetry {
    if (this.cachedTelemetry !== undefined) return this.cachedTelemetry;
    const instrumentation = this;
    return (this.cachedTelemetry = {
      get tracer() {
        return instrumentation.currentTracer();
      },
      semconvMode: this.settings.semconvMode,
      metrics: this.metrics,
      content: this.settings.content,
      cost: this.settings.cost && new CostTelemetry(this.settings.cost, this.metrics && this.meter),
      logger: this.ownLoggerProvider ? this.logger : globalLogger(),
    });
  }
}
