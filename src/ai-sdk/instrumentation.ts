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
import type { DiagLogger } from '@opentelemetry/api';
import type { GenAIInstrumentationConfig } from '../config';
import { CallSettings, TelemetryInstrumentation } from '../telemetry-instrumentation';
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

export class AISDKInstrumentation extends TelemetryInstrumentation<AISDKInstrumentationConfig> implements Owner {
  // Set from setConfig() and enable(), which the base constructor calls before field initialisers would run.
  declare private settings: CallSettings<AISDKInstrumentationConfig>;
  declare private subscriber: ChannelSubscriber | undefined;

  /** No module definitions: the AI SDK is reached through its channel, not its module. */
  protected init(): [] {
    return [];
  }

  override setConfig(config: AISDKInstrumentationConfig = {}): void {
    super.setConfig(config);
    this.settings = new CallSettings(config);
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
        return instrumentation.telemetryOf(instrumentation.settings);
      },
      get diag(): DiagLogger {
        return instrumentation._diag;
      },
    };
  }
}
