/**
 * `OTEL_PROPAGATORS`, read as the OpenTelemetry Node SDK reads it: unset is the default (W3C trace
 * context and baggage), `none` is no propagator; `tracecontext`, `baggage`, `b3`, `b3multi` and
 * `jaeger` (deprecated) otherwise, the B3 and Jaeger packages loaded only when named.
 */
import { context, diag, propagation } from '@opentelemetry/api';
import type { TextMapPropagator } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { CompositePropagator, getStringListFromEnv, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';

/** The propagator to register: undefined for the default, null for none. */
export function propagatorFromEnv(): TextMapPropagator | null | undefined {
  const names = getStringListFromEnv('OTEL_PROPAGATORS');
  if (names === undefined) return undefined;
  if (names.includes('none')) return null;
  const propagators = [...new Set(names)].flatMap((name) => {
    const propagator = create(name);
    if (propagator === undefined) diag.warn(`Propagator "${name}" requested through environment variable is unavailable.`);
    return propagator ?? [];
  });
  if (propagators.length === 0) return null;
  return propagators.length === 1 ? propagators[0] : new CompositePropagator({ propagators });
}

function create(name: string): TextMapPropagator | undefined {
  switch (name) {
    case 'tracecontext':
      return new W3CTraceContextPropagator();
    case 'baggage':
      return new W3CBaggagePropagator();
    case 'b3':
      return new (require('@opentelemetry/propagator-b3') as typeof import('@opentelemetry/propagator-b3')).B3Propagator();
    case 'b3multi': {
      const b3 = require('@opentelemetry/propagator-b3') as typeof import('@opentelemetry/propagator-b3');
      return new b3.B3Propagator({ injectEncoding: b3.B3InjectEncoding.MULTI_HEADER });
    }
    case 'jaeger':
      diag.warn('The Jaeger propagator is deprecated and will be removed in a future release. Use the W3C TraceContext propagator ("tracecontext") instead.');
      return new (require('@opentelemetry/propagator-jaeger') as typeof import('@opentelemetry/propagator-jaeger')).JaegerPropagator();
    default:
      return undefined;
  }
}

/**
 * What `NodeTracerProvider.register()` sets besides the provider, for when there is no tracer
 * provider (`OTEL_TRACES_EXPORTER=none`): the Node SDK sets up context and propagation all the same.
 */
export function registerContextAndPropagation(propagator: TextMapPropagator | null | undefined): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (propagator === null) return;
  propagation.setGlobalPropagator(
    propagator ?? new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}
