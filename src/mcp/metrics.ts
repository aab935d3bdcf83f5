/**
 * The four MCP histograms of mcp.md (@0393513c), in seconds with the conventions' buckets:
 * `mcp.client.operation.duration` and `mcp.server.operation.duration` per request (the span's
 * attributes without its ids), `mcp.client.session.duration` and `mcp.server.session.duration` per
 * session (from `connect()` to the transport's close).
 */
import type { Attributes, Histogram, Meter } from '@opentelemetry/api';
import {
  METRIC_MCP_CLIENT_OPERATION_DURATION,
  METRIC_MCP_CLIENT_SESSION_DURATION,
  METRIC_MCP_SERVER_OPERATION_DURATION,
  METRIC_MCP_SERVER_SESSION_DURATION,
} from '../semconv';

const BUCKETS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10, 30, 60, 120, 300];

function histogram(meter: Meter, name: string, description: string): Histogram {
  return meter.createHistogram(name, { description, unit: 's', advice: { explicitBucketBoundaries: BUCKETS } });
}

export type Side = 'client' | 'server';

export class McpMetrics {
  private readonly operation: Record<Side, Histogram>;
  private readonly session: Record<Side, Histogram>;

  constructor(meter: Meter) {
    this.operation = {
      client: histogram(
        meter,
        METRIC_MCP_CLIENT_OPERATION_DURATION,
        'The duration of the MCP request as observed on the sender, from the time it was sent until the response is received',
      ),
      server: histogram(
        meter,
        METRIC_MCP_SERVER_OPERATION_DURATION,
        'MCP request duration as observed on the receiver, from the time it was received until the result is ready',
      ),
    };
    this.session = {
      client: histogram(meter, METRIC_MCP_CLIENT_SESSION_DURATION, 'The duration of the MCP session as observed on the MCP client'),
      server: histogram(meter, METRIC_MCP_SERVER_SESSION_DURATION, 'The duration of the MCP session as observed on the MCP server'),
    };
  }

  recordOperation(side: Side, seconds: number, attributes: Attributes): void {
    this.operation[side].record(seconds, attributes);
  }

  recordSession(side: Side, seconds: number, attributes: Attributes): void {
    this.session[side].record(seconds, attributes);
  }
}
