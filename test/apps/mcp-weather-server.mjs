// An MCP server over stdio, written as any would be: no OpenTelemetry code. Its get_weather answers
// what the bundled fixtures expect back as tool results. With MCP_SERVER_ASKS_MODEL=1 the tool also
// makes a model call of its own (the replayed "capital of France" exchange: a stand-in for whatever
// work a server does), to show that the server's own work joins the caller's trace.
import Anthropic from '@anthropic-ai/sdk';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { z } from 'zod';

const WEATHER = {
  'Lisbon, Portugal': { temperature_c: 19, conditions: 'sunny' },
  Paris: { temperature_c: 18 },
  London: { temperature_c: 18 },
};

const server = new McpServer({ name: 'weather', version: '1.0.0' });
server.registerTool(
  'get_weather',
  { description: 'Get the current weather for a city.', inputSchema: { location: z.string() } },
  async ({ location }) => {
    if (process.env.MCP_SERVER_ASKS_MODEL === '1') {
      await new Anthropic().messages.create({
        model: 'claude-sonnet-5-5',
        max_tokens: 100,
        messages: [{ role: 'user', content: 'What is the capital of France? Answer in one word.' }],
      });
    }
    if (WEATHER[location] === undefined) return { content: [{ type: 'text', text: `No weather station in ${location}` }], isError: true };
    return { content: [{ type: 'text', text: JSON.stringify({ location, ...WEATHER[location] }) }] };
  },
);
await server.connect(new StdioServerTransport());
