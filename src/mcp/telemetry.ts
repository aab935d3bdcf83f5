/** What the client and server sides of the MCP instrumentation report to, settled by the instrumentation. */
import type { Tracer } from '@opentelemetry/api';
import type { ContentRecorder } from '../content';
import type { McpMetrics } from './metrics';

export interface McpTelemetry {
  tracer: Tracer;
  /** Undefined while no meter provider is registered. */
  metrics: McpMetrics | undefined;
  /** The instrumentation's content settings: undefined while capture is off. */
  content: ContentRecorder | undefined;
}

/** What the wrappers ask, per call: the telemetry, or undefined while the instrumentation is disabled (calls pass through). */
export type TelemetrySource = () => McpTelemetry | undefined;
