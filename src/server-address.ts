import { ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT } from './semconv';
import type { Attributes } from '@opentelemetry/api';

const DEFAULT_PORTS: Record<string, number> = { 'https:': 443, 'http:': 80 };

/** `server.address` and `server.port` of a client's base URL; empty when the URL does not parse. */
export function serverAttributes(baseURL: unknown): Attributes {
  if (typeof baseURL !== 'string') return {};
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return {};
  }
  const port = url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol];
  const attributes: Attributes = { [ATTR_SERVER_ADDRESS]: url.hostname.replace(/^\[(.*)\]$/, '$1') };
  if (port !== undefined) attributes[ATTR_SERVER_PORT] = port;
  return attributes;
}
