// An MCP server over streamable HTTP on 127.0.0.1 (stateful: one session per client), CommonJS,
// written as any would be: no OpenTelemetry code. Prints its URL, then serves until SIGTERM.
const { randomUUID } = require('node:crypto');
const { createServer } = require('node:http');
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { z } = require('zod');

const WEATHER = {
  'Lisbon, Portugal': { temperature_c: 19, conditions: 'sunny' },
  Paris: { temperature_c: 18 },
  London: { temperature_c: 18 },
};

function weatherServer() {
  const server = new McpServer({ name: 'weather', version: '1.0.0' });
  server.registerTool(
    'get_weather',
    { description: 'Get the current weather for a city.', inputSchema: { location: z.string() } },
    async ({ location }) => {
      if (WEATHER[location] === undefined) return { content: [{ type: 'text', text: `No weather station in ${location}` }], isError: true };
      return { content: [{ type: 'text', text: JSON.stringify({ location, ...WEATHER[location] }) }] };
    },
  );
  return server;
}

const sessions = new Map();
const http = createServer(async (req, res) => {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const body = chunks.length > 0 ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : undefined;
  let transport = sessions.get(req.headers['mcp-session-id']);
  if (transport === undefined) {
    transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => sessions.set(id, transport),
    });
    transport.onclose = () => sessions.delete(transport.sessionId);
    await weatherServer().connect(transport);
  }
  await transport.handleRequest(req, res, body);
});
http.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${http.address().port}/mcp\n`));
process.once('SIGTERM', () => {
  http.closeAllConnections();
  http.close();
});
