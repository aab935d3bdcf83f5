/**
 * What every otel-genai instrumentation that makes model-call spans shares: its settings
 * (`CallSettings`, per config and per `instrumentClient()` client), and the telemetry its calls
 * report to, following the providers it is given or else the global ones as they are at each call
 * (an app may replace them at runtime). A provider that throws as it is set is reported and
 * otherwise ignored: the app's set-up goes on. The SDK instrumentations (genai-instrumentation.ts)
 * and the AI SDK's channel subscriber (ai-sdk/instrumentation.ts) build on it.
 */
import { trace } from '@opentelemetry/api';
import type { LoggerProvider, MeterProvider, Tracer, TracerProvider } from '@opentelemetry/api';
import { InstrumentationBase } from '@opentelemetry/instrumentation';
import type { GenAIInstrumentationConfig } from './config';
import { ContentRecorder } from './content';
import { CostTelemetry, priceBookOf } from './cost';
import type { PriceBook } from './cost';
import { globalLogger } from './errors';
import type { CallTelemetry } from './inference-call';
import { isGlobalLoggerProvider } from './logs';
import { GenAIMetrics } from './metrics';
import { legacyMetricsFromEnv, semconvModeFromEnv } from './semconv';
import type { SemconvMode } from './semconv';
import type { ToolContent } from './tools';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

/**
 * What one config decides for the calls it governs: the semconv mode, content capture, and the
 * options read at call time (`preferNativeSpans`, `requestStreamUsage`). An instrumentation has its
 * own; `instrumentClient()` gives each client its own, in force while that client's calls run
 * (see `callWith`): one client's options never govern another's spans.
 */
export class CallSettings<Config extends GenAIInstrumentationConfig = GenAIInstrumentationConfig> {
  readonly semconvMode: SemconvMode;
  readonly content: ContentRecorder | undefined;
  /** Undefined while cost is off. */
  readonly cost: PriceBook | undefined;
  /** What the tool spans under these settings record (see tools.ts): the same recorder, `null` while capture is off. */
  readonly toolContent: ToolContent;
  /** What calls report to, made on first use, and again once the instrumentation's providers changed. */
  telemetry: CallTelemetry | undefined;
  generation = -1;

  constructor(readonly config: Config) {
    this.semconvMode = config.semconv ?? semconvModeFromEnv();
    this.content = ContentRecorder.from(config);
    this.cost = priceBookOf(config.cost);
    this.toolContent = this.content ?? null;
  }
}

export abstract class TelemetryInstrumentation<Config extends GenAIInstrumentationConfig> extends InstrumentationBase<Config> {
  // Set from the provider setters, which the base constructor calls before field initialisers would run.
  declare private metrics: GenAIMetrics | undefined;
  /** Counts the changes of providers: settings whose telemetry was made before one make it again. */
  declare private generation: number | undefined;
  declare private ownTracerProvider: boolean | undefined;
  declare private ownLoggerProvider: boolean | undefined;

  constructor(config: Config = {} as Config) {
    super(PACKAGE_NAME, PACKAGE_VERSION, config);
  }

  // A provider that throws is reported and otherwise ignored: the app's setup code goes on.
  override setTracerProvider(tracerProvider: TracerProvider): void {
    // NodeSDK hands over the global provider: keep following the global one, which an app may replace.
    this.ownTracerProvider = tracerProvider !== trace.getTracerProvider();
    this.useProvider('tracer', () => super.setTracerProvider(tracerProvider));
  }

  override setMeterProvider(meterProvider: MeterProvider): void {
    this.useProvider('meter', () => super.setMeterProvider(meterProvider));
  }

  override setLoggerProvider(loggerProvider: LoggerProvider): void {
    // The global one is followed through both logs APIs (see logs.ts), as the app may have used either.
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
    this.generation = (this.generation ?? 0) + 1;
  }

  /**
   * The tracer of the provider set on this instance, or else of the global provider as it is now
   * (an app may replace it at runtime; a tracer taken once would keep writing to the old one).
   */
  protected currentTracer(): Tracer {
    return this.ownTracerProvider ? this.tracer : trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION);
  }

  /** What calls under `settings` report to, rebuilt only when the settings or a provider change. */
  protected telemetryOf(settings: CallSettings<Config>): CallTelemetry {
    const generation = this.generation ?? 0;
    if (settings.telemetry !== undefined && settings.generation === generation) return settings.telemetry;
    const instrumentation = this;
    settings.generation = generation;
    return (settings.telemetry = {
      get tracer() {
        return instrumentation.currentTracer();
      },
      semconvMode: settings.semconvMode,
      metrics: this.metrics,
      content: settings.content,
      cost: settings.cost && new CostTelemetry(settings.cost, this.metrics && this.meter),
      logger: this.ownLoggerProvider ? this.logger : globalLogger(),
    });
  }
}
