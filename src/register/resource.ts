/**
 * The resource every signal carries, built as NodeSDK 3 builds it: the SDK's defaults merged with
 * what the detectors find, then `OTEL_RESOURCE_ATTRIBUTES` (always read). `OTEL_NODE_RESOURCE_DETECTORS`
 * names the detectors (`service`, `host`, `process`, `all`, `none`); unset, all three. `service` reads
 * `OTEL_SERVICE_NAME`, which wins over a `service.name` in `OTEL_RESOURCE_ATTRIBUTES`. The 2.x names
 * `env`, `os` and `serviceinstance` are warned about and skipped, as there.
 */
import { diag } from '@opentelemetry/api';
import { getStringFromEnv, getStringListFromEnv } from '@opentelemetry/core';
import {
  defaultResource,
  detectResources,
  hostDetector,
  osDetector,
  processDetector,
  resourceAttributesEnvDetector,
  resourceFromAttributes,
  serviceInstanceIdDetector,
  serviceNameEnvDetector,
} from '@opentelemetry/resources';
import type { Resource, ResourceDetector } from '@opentelemetry/resources';

const SERVICE_NAME = 'service.name';

export function resourceFromEnv(): Resource {
  const detectors = detectorsFromEnv();
  let resource = defaultResource();
  if (detectors.length > 0) resource = resource.merge(detectResources({ detectors }));
  let fromAttributesEnv = detectResources({ detectors: [resourceAttributesEnvDetector] });
  if (SERVICE_NAME in fromAttributesEnv.attributes && detectors.includes(serviceNameEnvDetector) && getStringFromEnv('OTEL_SERVICE_NAME')) {
    const { [SERVICE_NAME]: _overridden, ...attributes } = fromAttributesEnv.attributes;
    fromAttributesEnv = resourceFromAttributes(attributes);
  }
  return resource.merge(fromAttributesEnv);
}

const REPLACED_DETECTORS: Record<string, string> = {
  env: '"env" resource detector name is no longer supported, `OTEL_RESOURCE_ATTRIBUTES` is always read, use "service" to handle reading `OTEL_SERVICE_NAME`',
  os: '"os" resource detector name is no longer supported, use "host" which populates \'host.*\' and \'os.*\' resource attributes',
  serviceinstance:
    '"serviceinstance" resource detector name is no longer supported, use "service" which populates \'service.instance.id\' and reads OTEL_SERVICE_NAME',
};

function detectorsFromEnv(): ResourceDetector[] {
  let names = getStringListFromEnv('OTEL_NODE_RESOURCE_DETECTORS') ?? [];
  if (names.length === 0 || names.includes('all')) names = ['service', 'host', 'process'];
  else if (names.includes('none')) return [];
  return names.flatMap((name): ResourceDetector[] => {
    switch (name) {
      case 'service':
        return [serviceInstanceIdDetector, serviceNameEnvDetector];
      case 'host':
        return [hostDetector, osDetector];
      case 'process':
        return [processDetector];
      default:
        diag.warn(
          REPLACED_DETECTORS[name] ??
            `unknown resource detector "${name}" in OTEL_NODE_RESOURCE_DETECTORS environment variable: this detector will be skipped`,
        );
        return [];
    }
  });
}
