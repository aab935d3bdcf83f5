/**
 * An OTLP/HTTP JSON receiver on 127.0.0.1 for the pack test: test/helpers/otlp-receiver.ts's, which
 * keeps only the event names of log records, extended to keep each record whole (scope, body,
 * severity, attributes, trace context). Spans are decoded as there.
 */
import { decode, decodeAttributes, listenForOtlp, spansFrom } from '../helpers/otlp-receiver';
import type { ReceivedSpan } from '../helpers/otlp-receiver';

export type { ReceivedSpan };

/** A log record as an OTLP/JSON export carried it, with its body and attributes decoded. */
export interface ReceivedLogRecord {
  scope: string;
  eventName: string | undefined;
  severityText: string | undefined;
  body: unknown;
  attributes: Record<string, unknown>;
  traceId: string | undefined;
  spanId: string | undefined;
  resource: Record<string, unknown>;
}

export type OtlpReceiver = Awaited<ReturnType<typeof startOtlpReceiver>>;

/** Keeps every span and log record it is sent; answers every request with 200 `{}`. */
export async function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const logs: ReceivedLogRecord[] = [];
  const endpoint = await listenForOtlp((path, body) => {
    if (path === '/v1/traces') spans.push(...spansFrom(body));
    if (path === '/v1/logs') {
      for (const resourceLogs of body.resourceLogs ?? []) {
        const resource = decodeAttributes(resourceLogs.resource?.attributes);
        for (const scopeLogs of resourceLogs.scopeLogs ?? []) {
          for (const record of scopeLogs.logRecords ?? []) {
            logs.push({
              scope: scopeLogs.scope?.name,
              eventName: record.eventName || undefined,
              severityText: record.severityText || undefined,
              body: decode(record.body),
              attributes: decodeAttributes(record.attributes),
              traceId: record.traceId || undefined,
              spanId: record.spanId || undefined,
              resource,
            });
          }
        }
      }
    }
  });
  return {
    ...endpoint,
    spans,
    logs,
    reset(): void {
      spans.length = 0;
      logs.length = 0;
    },
  };
}
