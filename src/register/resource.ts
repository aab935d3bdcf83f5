/**
 * The resource every signal carries, built as the OpenTelemetry Node SDK builds it: the SDK's
 * defaults merged with what the detectors find. `OTEL_NODE_RESOURCE_DETECTORS` names them (`env`,
 * `host`, `os`, `process`, `serviceinstance`, `all`, `none`); unset, they are `env`, `process` and
 * `host`. The `env` detector reads `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`.
 */
import { diag } from '@opentelemetry/api';
import { getStringListFromEnv } from '@opentelemetry/core';
import {
  defaultResource,
  detectResources,
  envDetector,
  hostDetector,
  osDetector,
  processDetector,
  serviceInstanceIdDetector,
} from '@opentelemetry/resources';
import type { Resource, ResourceDetector } from '@opentelemetry/resources';

export function resourceFromEnv(): Resource {
  return defaultResource().merge(detectResources({ detectors: detectorsFromEnv() }));
}

function detectorsFromEnv(): ResourceDetector[] {
  const names = getStringListFromEnv('OTEL_NODE_RESOURCE_DETECTORS');
  if (names === undefined || names.length === 0) return [envDetector, processDetector, hostDetector];
  // In the Node SDK's order: later detectors win where two set the same attribute.
  const known = new Map<string, ResourceDetector>([
    ['host', hostDetector],
    ['os', osDetector],
    ['serviceinstance', serviceInstanceIdDetector],
    ['process', processDetector],
    ['env', envDetector],
  ]);
  if (names.includes('all')) return [...known.values()];
  if (names.includes('none')) return [];
  return names.flatMap((name) => {
    const detector = known.get(name);
    if (detector === undefined) diag.warn(`Invalid resource detector "${name}" specified in the environment variable OTEL_NODE_RESOURCE_DETECTORS`);
    return detector ?? [];
  });
}
