// A hand-written OpenAI tool loop whose tools live on an MCP server over streamable HTTP (MCP_URL),
// CommonJS, inside withAgent (the one line that makes a hand-written loop an agent run); the MCP
// part has no OpenTelemetry code. The model asks for two tool calls at once; both run in parallel.
const OpenAI = require('openai').default;
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { withAgent } = require('otel-genai');

const TOOLS = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Get the current weather for a city.',
      parameters: {
        type: 'object',
        properties: { location: { type: 'string', description: 'City name, e.g. Paris' } },
        required: ['location'],
      },
    },
  },
];

async function main() {
  const mcp = new Client({ name: 'weather-agent', version: '1.0.0' });
  await mcp.connect(new StreamableHTTPClientTransport(new URL(process.env.MCP_URL)));
  const openai = new OpenAI();
  const text = await withAgent({ name: 'weather-agent' }, async () => {
    const messages = [{ role: 'user', content: "What's the weather like in Paris and London right now?" }];
    for (;;) {
      const completion = await openai.chat.completions.create({ model: 'gpt-4o-mini', messages, tools: TOOLS });
      const message = completion.choices[0].message;
      messages.push(message);
      if (!message.tool_calls?.length) return message.content;
      const results = await Promise.all(
        message.tool_calls.map((call) => mcp.callTool({ name: call.function.name, arguments: JSON.parse(call.function.arguments) })),
      );
      message.tool_calls.forEach((call, index) =>
        messages.push({ role: 'tool', tool_call_id: call.id, content: results[index].content[0].text }),
      );
    }
  });
  await mcp.close();
  process.stdout.write(`${JSON.stringify({ text })}\n`);
}

main();
