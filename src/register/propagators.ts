/**
 * `OTEL_PROPAGATORS`, read as the OpenTelemetry Node SDK reads it: unset is the default (W3C trace
 * context and baggage), `none` is no propagator; `tracecontext`, `baggage`, `b3` and `b3multi`
 * otherwise, the B3 package loaded only when named. NodeSDK 3 dropped `jaeger` (the propagator has
 * no 3.x release): it is warned about as unknown, as there.
 */
import { context, diag, propagation, trace } from '@opentelemetry/api';
import type { TextMapPropagator, TracerProvider } from '@opentelemetry/api';
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
    default:
      return undefined;
  }
}

/**
 * What NodeSDK 3 registers for tracing (the 3.x tracer provider has no `register()` of its own): an
 * AsyncLocalStorage context manager, the propagator (W3C trace context and baggage by default) and
 * the tracer provider, when there is one. Without one (`OTEL_TRACES_EXPORTER=none`) context and
 * propagation are set up all the same, as there.
 */
export function registerGlobalTracing(tracerProvider: TracerProvider | undefined, propagator: TextMapPropagator | null | undefined): void {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  if (tracerProvider !== undefined) trace.setGlobalTracerProvider(tracerProvider);
  if (propagator === null) return;
  propagation.setGlobalPropagator(
    propagator ?? new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
  );
}
