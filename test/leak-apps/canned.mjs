// Canned provider answers from an in-process fetch (no sockets): each request's reply carries
// numbers derived from the request, so that a span can be checked against its own call.
export function messageFor(n) {
  return {
    id: `msg_${n}`,
    type: 'message',
    role: 'assistant',
    model: 'claude-sonnet-5-5',
    content: [{ type: 'text', text: `reply ${n}` }],
    stop_reason: 'end_turn',
    stop_sequence: null,
    usage: { input_tokens: n, output_tokens: 2 * n },
  };
}

export function eventsFor(n, deltas = 5) {
  const message = { ...messageFor(n), content: [], stop_reason: null, usage: { input_tokens: n, output_tokens: 1 } };
  return [
    ['message_start', { type: 'message_start', message }],
    ['content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }],
    ...Array.from({ length: deltas }, () => [
      'content_block_delta',
      { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'x' } },
    ]),
    ['content_block_stop', { type: 'content_block_stop', index: 0 }],
    ['message_delta', { type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { output_tokens: 2 * n } }],
    ['message_stop', { type: 'message_stop' }],
  ];
}

export function chatFor(n) {
  return {
    id: `chatcmpl-${n}`,
    object: 'chat.completion',
    created: 1795000000,
    model: 'gpt-4o-mini-2024-07-18',
    choices: [{ index: 0, message: { role: 'assistant', content: `reply ${n}` }, finish_reason: 'stop' }],
    usage: { prompt_tokens: n, completion_tokens: 2 * n, total_tokens: 3 * n },
  };
}

export function chatChunksFor(n, deltas = 5) {
  const base = { id: `chatcmpl-${n}`, object: 'chat.completion.chunk', created: 1795000000, model: 'gpt-4o-mini-2024-07-18' };
  return [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null },
    ...Array.from({ length: deltas }, () => ({
      ...base,
      choices: [{ index: 0, delta: { content: 'x' }, finish_reason: null }],
      usage: null,
    })),
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null },
    { ...base, choices: [], usage: { prompt_tokens: n, completion_tokens: 2 * n, total_tokens: 3 * n } },
  ];
}

function sse(lines) {
  const encoder = new TextEncoder();
  return new ReadableStream({
    start(controller) {
      for (const line of lines) controller.enqueue(encoder.encode(line));
      controller.close();
    },
  });
}

/** A fetch that answers Anthropic and OpenAI requests; `n` is read from the request's first message. */
export async function cannedFetch(url, init) {
  const body = JSON.parse(init.body);
  const n = Number(/\d+/.exec(JSON.stringify(body.messages?.[0]?.content ?? body.input ?? ''))?.[0] ?? 0);
  const headers = {
    'content-type': body.stream ? 'text/event-stream' : 'application/json',
    'request-id': `req_${n}`,
    'x-request-id': `req_${n}`,
  };
  const anthropic = String(url).includes('/v1/messages');
  if (!body.stream) return new Response(JSON.stringify(anthropic ? messageFor(n) : chatFor(n)), { status: 200, headers });
  const lines = anthropic
    ? eventsFor(n).map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
    : [...chatChunksFor(n).map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`), 'data: [DONE]\n\n'];
  return new Response(sse(lines), { status: 200, headers });
}
