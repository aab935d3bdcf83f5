/**
 * MCP in one process for the tests: the SDK's CommonJS copy (loaded after the instrumentation
 * exists, as an app's would be, through the require hook), a weather server whose `get_weather`
 * answers what the bundled fixtures expect back as tool results, and a client connected to a server
 * through the SDK's in-memory transport.
 */
import { createRequire } from 'node:module';
import type { Client as ClientClass } from '@modelcontextprotocol/sdk/client/index.js';
import type { McpServer as McpServerClass } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { Server as ServerClass } from '@modelcontextprotocol/sdk/server/index.js';

const require = createRequire(__filename);

/** Call after the instrumentation is created and enabled. */
export function loadMcp() {
  const { Client } = require('@modelcontextprotocol/sdk/client/index.js') as typeof import('@modelcontextprotocol/sdk/client/index.js');
  const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js') as typeof import('@modelcontextprotocol/sdk/server/mcp.js');
  const { Server } = require('@modelcontextprotocol/sdk/server/index.js') as typeof import('@modelcontextprotocol/sdk/server/index.js');
  const { InMemoryTransport } = require('@modelcontextprotocol/sdk/inMemory.js') as typeof import('@modelcontextprotocol/sdk/inMemory.js');
  const types = require('@modelcontextprotocol/sdk/types.js') as typeof import('@modelcontextprotocol/sdk/types.js');
  return { Client, McpServer, Server, InMemoryTransport, types };
}

export type Mcp = ReturnType<typeof loadMcp>;

/** The weather the fixtures' tool results carry (Anthropic: Lisbon; OpenAI: Paris and London). */
export const WEATHER: Record<string, Record<string, unknown>> = {
  'Lisbon, Portugal': { temperature_c: 19, conditions: 'sunny' },
  Paris: { temperature_c: 18 },
  London: { temperature_c: 18 },
};

/** The text `get_weather` answers for `location`, as the fixtures' follow-up requests carry it. */
export function weatherText(location: string): string {
  return JSON.stringify({ location, ...WEATHER[location] });
}

/** An McpServer with `get_weather`; `onCall` sees each call's arguments and `extra` first (and may wait). */
export function weatherServer(
  mcp: Mcp,
  onCall: (location: string, extra: { _meta?: Record<string, unknown>; signal: AbortSignal }) => unknown = () => undefined,
): McpServerClass {
  const server = new mcp.McpServer({ name: 'weather', version: '1.0.0' });
  server.registerTool(
    'get_weather',
    { description: 'Get the current weather for a city.', inputSchema: { location: (require('zod') as typeof import('zod')).z.string() } },
    async ({ location }, extra) => {
      await onCall(location, extra as never);
      if (WEATHER[location] === undefined) return { content: [{ type: 'text', text: `No weather station in ${location}` }], isError: true };
      return { content: [{ type: 'text', text: weatherText(location) }] };
    },
  );
  return server;
}

/** A client connected to `server` through a linked pair of in-memory transports. */
export async function connectInMemory(mcp: Mcp, server: McpServerClass | ServerClass): Promise<ClientClass> {
  const [clientTransport, serverTransport] = mcp.InMemoryTransport.createLinkedPair();
  await server.connect(serverTransport);
  const client = new mcp.Client({ name: 'test-agent', version: '1.0.0' });
  await client.connect(clientTransport);
  return client;
}
