import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A span as an OTLP/JSON export carried it, with attributes decoded. */
export interface ReceivedSpan {
  name: string;
  kind: number;
  scope: string;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  statusCode: number;
  attributes: Record<string, unknown>;
  resource: Record<string, unknown>;
}

export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: Array<{ key: string; value: AnyValue }> };
}

export function decode(value: AnyValue | undefined): unknown {
  if (value === undefined) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue !== undefined) return (value.arrayValue.values ?? []).map(decode);
  if (value.kvlistValue !== undefined) return decodeAttributes(value.kvlistValue.values);
  return undefined;
}

export function decodeAttributes(list: Array<{ key: string; value: AnyValue }> | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map(({ key, value }) => [key, decode(value)]));
}

/** The spans of one OTLP/JSON trace export. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- OTLP/JSON as sent
export function spansFrom(body: any): ReceivedSpan[] {
  const spans: ReceivedSpan[] = [];
  for (const resourceSpans of body.resourceSpans ?? []) {
    const resource = decodeAttributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        spans.push({
          name: span.name,
          kind: span.kind,
          scope: scopeSpans.scope?.name,
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || undefined,
          statusCode: span.status?.code ?? 0,
          attributes: decodeAttributes(span.attributes),
          resource,
        });
      }
    }
  }
  return spans;
}

/**
 * An OTLP/HTTP JSON endpoint on 127.0.0.1 that hands each export's path (`/v1/traces`, …) and parsed
 * body to `onExport` and answers every request with 200 `{}`.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- OTLP/JSON as sent
export async function listenForOtlp(onExport: (path: string | undefined, body: any) => void) {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      onExport(req.url, JSON.parse(Buffer.concat(chunks).toString('utf8')));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type OtlpReceiver = Awaited<ReturnType<typeof startOtlpReceiver>>;

/** An OTLP/HTTP JSON receiver on 127.0.0.1 that keeps every span it is sent. */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  /** Metric names with the sum of their histogram points, and log event names. */
  const metrics = new Map<string, number>();
  const events: string[] = [];
  const endpoint = await listenForOtlp((path, body) => {
    if (path === '/v1/traces') spans.push(...spansFrom(body));
    if (path === '/v1/metrics') {
      for (const resourceMetrics of body.resourceMetrics ?? []) {
        for (const scopeMetrics of resourceMetrics.scopeMetrics ?? []) {
          for (const metric of scopeMetrics.metrics ?? []) {
            const sum = (metric.histogram?.dataPoints ?? []).reduce(
              (total: number, point: { sum?: number }) => total + (point.sum ?? 0),
              0,
            );
            metrics.set(metric.name, (metrics.get(metric.name) ?? 0) + sum);
          }
        }
      }
    }
    if (path === '/v1/logs') {
      for (const resourceLogs of body.resourceLogs ?? []) {
        for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
          for (const record of scopeLogs.logRecords ?? []) events.push(record.eventName);
        }
      }
    }
  });
  return {
    ...endpoint,
    spans,
    metrics,
    events,
    /** Forgets everything received so far. */
    reset(): void {
      spans.length = 0;
      metrics.clear();
      events.length = 0;
    },
  };
}
