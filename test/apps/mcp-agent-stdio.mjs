// An agent whose tools live on an MCP server it starts as a child process (stdio), written as any
// would be: no OpenTelemetry code. The Anthropic SDK's tool runner runs the conversation; the tool's
// `run` calls the MCP server. MCP_SERVER_ARGS (JSON) is the server's node command line, and
// MCP_SERVER_ENV (JSON) what its environment adds to this one.
import Anthropic from '@anthropic-ai/sdk';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const mcp = new Client({ name: 'weather-agent', version: '1.0.0' });
await mcp.connect(
  new StdioClientTransport({
    command: process.execPath,
    args: JSON.parse(process.env.MCP_SERVER_ARGS),
    env: { ...process.env, ...JSON.parse(process.env.MCP_SERVER_ENV ?? '{}') },
    stderr: 'inherit',
  }),
);
const { tools } = await mcp.listTools();

const getWeather = {
  name: 'get_weather',
  description: tools.find((tool) => tool.name === 'get_weather').description,
  input_schema: {
    type: 'object',
    properties: { location: { type: 'string', description: 'City and country, e.g. Lisbon, Portugal' } },
    required: ['location'],
  },
  run: async (input) => {
    const result = await mcp.callTool({ name: 'get_weather', arguments: input });
    return result.content[0].text;
  },
};

const final = await new Anthropic().beta.messages.toolRunner({
  model: 'claude-sonnet-5-5',
  max_tokens: 1024,
  tools: [getWeather],
  messages: [{ role: 'user', content: 'What is the weather like in Lisbon right now?' }],
});
await mcp.close();
process.stdout.write(`${JSON.stringify({ text: final.content[0].text })}\n`);
