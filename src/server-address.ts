const DEFAULT_PORTS: Record<string, number> = { 'https:': 443, 'http:': 80 };

/** `server.address` and `server.port` of a client's base URL; both undefined when the URL does not parse. */
export function serverOf(baseURL: unknown): { address: string | undefined; port: number | undefined } {
  if (typeof baseURL !== 'string') return { address: undefined, port: undefined };
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    return { address: undefined, port: undefined };
  }
  return {
    // A copy of its own: `hostname` is a slice of the URL's text, and Node 26's V8 gives up its fast
    // JSON.stringify on sliced strings, which the metrics SDK runs on every measurement's attributes
    // (about 5.5 k instructions more a measurement: BENCHMARKS.md, "With a meter provider").
    address: structuredClone(url.hostname.replace(/^\[(.*)\]$/, '$1')),
    port: url.port ? Number(url.port) : DEFAULT_PORTS[url.protocol],
  };
}
