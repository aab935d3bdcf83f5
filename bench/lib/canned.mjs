// Canned responses for the bench, built from the repo's fixtures, served by an in-process `fetch`
// (passed to the SDK client as its `fetch` option): no socket, no server, no timer. Streams are a
// `ReadableStream` of SSE events, one event per enqueued chunk, as a network read would deliver them.
// `provider` here is the HTTP API answered: anthropic, openai (also what the AI SDK's OpenAI provider
// calls) or google (the Gemini API).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const encoder = new TextEncoder();

function fixture(root, provider, name) {
  return JSON.parse(readFileSync(join(root, 'fixtures', provider, `${name}.json`), 'utf8'));
}

/** Each API's fixtures: a non-streaming reply, and a streamed one. */
const FIXTURES = {
  anthropic: { call: 'messages-text', stream: 'messages-stream-text' },
  openai: { call: 'chat-text', stream: 'chat-stream' },
  google: { call: 'generate-text', stream: 'generate-stream' },
};

/** The request each workload sends (the fixture's own request; for Gemini, its model is in the path). */
export function requestParams(root, provider) {
  const fx = fixture(root, provider, FIXTURES[provider].call);
  if (provider === 'google') {
    return { model: fx.request.path.match(/\/models\/([^:]+):/)[1], contents: fx.request.match.contents };
  }
  const params = { ...fx.request.match };
  if (provider === 'anthropic') params.max_tokens = 1024;
  return params;
}

function sseEvent(event, data) {
  const payload = typeof data === 'string' ? data : JSON.stringify(data);
  return encoder.encode(`${event === undefined ? '' : `event: ${event}\n`}data: ${payload}\n\n`);
}

/**
 * `chunks` SSE events of one streamed reply: start events, text deltas, end events. The deltas
 * are `deltaBytes` of text each when given (the memory workload), else the fixture's own texts.
 * The same encoded deltas are reused for every response (they are immutable on the way through).
 */
export function streamEvents(root, provider, chunks, deltaBytes) {
  if (provider === 'anthropic') {
    const events = fixture(root, 'anthropic', FIXTURES.anthropic.stream).response.events;
    const start = events.filter((e) => e.event === 'message_start' || e.event === 'content_block_start');
    const end = events.filter((e) => ['content_block_stop', 'message_delta', 'message_stop'].includes(e.event));
    const deltas = deltaBytes
      ? [
          {
            event: 'content_block_delta',
            data: { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x'.repeat(deltaBytes) } },
          },
        ]
      : events.filter((e) => e.event === 'content_block_delta');
    const encodedDeltas = deltas.map((e) => sseEvent(e.event, e.data));
    const out = start.map((e) => sseEvent(e.event, e.data));
    const count = chunks - start.length - end.length;
    for (let i = 0; i < count; i++) out.push(encodedDeltas[i % encodedDeltas.length]);
    for (const e of end) out.push(sseEvent(e.event, e.data));
    return out;
  }
  if (provider === 'google') {
    // Every event of a Gemini stream is a whole GenerateContentResponse; the last one carries the finish reason and the usage.
    const events = fixture(root, 'google', FIXTURES.google.stream).response.events;
    const last = events[events.length - 1];
    const deltas = deltaBytes
      ? [{ data: { ...events[0].data, candidates: [{ content: { parts: [{ text: 'x'.repeat(deltaBytes) }], role: 'model' }, index: 0 }] } }]
      : events.slice(0, -1);
    const encodedDeltas = deltas.map((e) => sseEvent(undefined, e.data));
    const out = [];
    for (let i = 0; i < chunks - 1; i++) out.push(encodedDeltas[i % encodedDeltas.length]);
    out.push(sseEvent(undefined, last.data));
    return out;
  }
  const events = fixture(root, 'openai', FIXTURES.openai.stream).response.events.filter((e) => e.data !== '[DONE]');
  const first = events[0];
  const last = events[events.length - 1];
  const deltas = deltaBytes
    ? [
        {
          data: {
            ...events[1].data,
            choices: [{ index: 0, delta: { content: 'x'.repeat(deltaBytes) }, logprobs: null, finish_reason: null }],
          },
        },
      ]
    : events.slice(1, -1);
  const encodedDeltas = deltas.map((e) => sseEvent(undefined, e.data));
  const out = [sseEvent(undefined, first.data)];
  for (let i = 0; i < chunks - 2; i++) out.push(encodedDeltas[i % encodedDeltas.length]);
  out.push(sseEvent(undefined, last.data));
  out.push(sseEvent(undefined, '[DONE]'));
  return out;
}

const REQUEST_ID_HEADER = { anthropic: 'request-id', openai: 'x-request-id' };

const jsonHeaders = (provider) => ({
  'content-type': 'application/json',
  ...(REQUEST_ID_HEADER[provider] === undefined ? {} : { [REQUEST_ID_HEADER[provider]]: 'req_bench' }),
});

/**
 * Throws unless the first request a canned `fetch` gets goes to the fixture's path: an SDK line that
 * built another URL (another API version, another endpoint) would be answered all the same. Only
 * the first: the check must not weigh on every measured call.
 */
function firstRequestChecker(fx) {
  let checked = false;
  return (input) => {
    if (checked) return;
    const url = new URL(typeof input === 'string' ? input : (input.url ?? input.href));
    if (`${url.pathname}${url.search}` !== fx.request.path)
      throw new Error(`the SDK requested ${url.pathname}${url.search}, the fixture answers ${fx.request.path}`);
    checked = true;
  };
}

/** A `fetch` answering every request with the fixture's non-streaming body. */
export function jsonFetch(root, provider) {
  const fx = fixture(root, provider, FIXTURES[provider].call);
  const body = JSON.stringify(fx.response.body);
  const headers = jsonHeaders(provider);
  const check = firstRequestChecker(fx);
  return async function cannedFetch(input) {
    check(input);
    return new Response(body, { status: 200, headers });
  };
}

/** A `fetch` answering every request with a stream of the given encoded SSE events. */
export function sseFetch(root, provider, encodedEvents) {
  const headers = { ...jsonHeaders(provider), 'content-type': 'text/event-stream; charset=utf-8' };
  const check = firstRequestChecker(fixture(root, provider, FIXTURES[provider].stream));
  return async function cannedStreamFetch(input) {
    check(input);
    let next = 0;
    const body = new ReadableStream({
      pull(controller) {
        if (next < encodedEvents.length) controller.enqueue(encodedEvents[next++]);
        else controller.close();
      },
    });
    return new Response(body, { status: 200, headers });
  };
}

/** A tool result of about `bytes` bytes: a file an agent read, as text with lines, quotes and the odd non-ASCII character. */
function toolResultText(turn, bytes) {
  const lines = [];
  let size = 0;
  for (let line = 0; size < bytes; line++) {
    const text = `${String(line + 1).padStart(4)}  export function step${turn}_${line}(input) { return format("turn ${turn}, line ${line}: " + input, { unit: "°C" }); }`;
    lines.push(text);
    size += Buffer.byteLength(text, 'utf8') + 1;
  }
  return lines.join('\n');
}

/**
 * The request of an agent's tool loop once its conversation holds about `contextBytes` bytes of
 * text: a system prompt, the task, then turns of an assistant message (a sentence and a tool call)
 * and the tool's result (a ~2 KB file), in the provider's own shapes. The fixture's model and the
 * tool definition it was recorded with; the reply is the fixture's (see `jsonFetch`).
 */
export function conversationParams(root, provider, contextBytes) {
  const params = requestParams(root, provider);
  const system = 'You are a coding agent. Read the files you need with read_file, then answer with a short plan.';
  const tool = {
    name: 'read_file',
    description: 'Read a file of the repository.',
    schema: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] },
  };
  const task = 'Find where the weather units are formatted and make them configurable.';
  const messages =
    provider === 'anthropic'
      ? [{ role: 'user', content: task }]
      : [
          { role: 'system', content: system },
          { role: 'user', content: task },
        ];
  let size = Buffer.byteLength(system + task, 'utf8');
  for (let turn = 0; size < contextBytes; turn++) {
    const thought = `Turn ${turn}: the next file to read is src/step-${turn}.ts, which the previous one imports.`;
    const id = `call_${String(turn).padStart(6, '0')}`;
    const args = { path: `src/step-${turn}.ts` };
    const result = toolResultText(turn, 2000);
    if (provider === 'anthropic') {
      messages.push({
        role: 'assistant',
        content: [
          { type: 'text', text: thought },
          { type: 'tool_use', id, name: tool.name, input: args },
        ],
      });
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: id, content: result }] });
    } else {
      messages.push({
        role: 'assistant',
        content: thought,
        tool_calls: [{ id, type: 'function', function: { name: tool.name, arguments: JSON.stringify(args) } }],
      });
      messages.push({ role: 'tool', tool_call_id: id, content: result });
    }
    size += Buffer.byteLength(thought + JSON.stringify(args) + result, 'utf8');
  }
  if (provider === 'anthropic') {
    return { ...params, system, tools: [{ name: tool.name, description: tool.description, input_schema: tool.schema }], messages };
  }
  return {
    ...params,
    tools: [{ type: 'function', function: { name: tool.name, description: tool.description, parameters: tool.schema } }],
    messages,
  };
}
