/**
 * The Vercel AI SDK (`ai` 7, ESM only) for the tests: loaded with `import()` (the tests are
 * CommonJS), its mock models (`ai/test`), and the span trees the tests compare.
 */
import type { ReadableSpan } from '@opentelemetry/sdk-trace';

export type AI = typeof import('ai', { with: { 'resolution-mode': 'import' } });
export type AITest = typeof import('ai/test', { with: { 'resolution-mode': 'import' } });

export async function loadAI(): Promise<{ ai: AI; aiTest: AITest }> {
  const [ai, aiTest] = await Promise.all([import('ai'), import('ai/test')]);
  return { ai, aiTest };
}

/** A get_weather tool of `ai` whose calls `execute` answers (18 °C wherever, by default). */
export function weatherTools(
  ai: AI,
  execute: (input: { location: string }) => Promise<unknown> = async ({ location }) => ({ location, temperature_c: 18 }),
) {
  return {
    get_weather: ai.tool({
      description: 'Get the current weather for a city.',
      inputSchema: ai.jsonSchema<{ location: string }>({
        type: 'object',
        properties: { location: { type: 'string' } },
        required: ['location'],
      }),
      execute,
    }),
  };
}

/** `LanguageModelV4Usage` of `input` / `output` tokens. */
export function usage(input: number, output: number, extra: { cacheRead?: number; cacheWrite?: number; reasoning?: number } = {}) {
  return {
    inputTokens: {
      total: input,
      noCache: input - (extra.cacheRead ?? 0) - (extra.cacheWrite ?? 0),
      cacheRead: extra.cacheRead,
      cacheWrite: extra.cacheWrite,
    },
    outputTokens: { total: output, text: output - (extra.reasoning ?? 0), reasoning: extra.reasoning },
  };
}

/** A `doGenerate` result asking for tool calls. */
export function toolCallsResult(calls: Array<{ id: string; name: string; input: unknown }>, id = 'resp-tools') {
  return {
    content: calls.map((call) => ({
      type: 'tool-call' as const,
      toolCallId: call.id,
      toolName: call.name,
      input: JSON.stringify(call.input),
    })),
    finishReason: { unified: 'tool-calls' as const, raw: 'tool_use' },
    usage: usage(100, 20),
    warnings: [],
    response: { id, modelId: 'mock-model-2026', timestamp: new Date(0) },
  };
}

/** A `doGenerate` result with a text answer. */
export function textResult(text: string, id = 'resp-text') {
  return {
    content: [{ type: 'text' as const, text }],
    finishReason: { unified: 'stop' as const, raw: 'end_turn' },
    usage: usage(150, 12),
    warnings: [],
    response: { id, modelId: 'mock-model-2026', timestamp: new Date(0) },
  };
}

/** Stream parts of a text answer, in the order a provider sends them. */
export function textParts(text: string[], id = 'resp-stream') {
  return [
    { type: 'stream-start' as const, warnings: [] },
    { type: 'response-metadata' as const, id, modelId: 'mock-model-2026', timestamp: new Date(0) },
    { type: 'text-start' as const, id: 't0' },
    ...text.map((delta) => ({ type: 'text-delta' as const, id: 't0', delta })),
    { type: 'text-end' as const, id: 't0' },
    { type: 'finish' as const, finishReason: { unified: 'stop' as const, raw: 'end_turn' }, usage: usage(40, text.length) },
  ];
}

/** Stream parts of a reply that asks for one tool call. */
export function toolCallParts(call: { id: string; name: string; input: unknown }, id = 'resp-stream-tools') {
  const input = JSON.stringify(call.input);
  return [
    { type: 'stream-start' as const, warnings: [] },
    { type: 'response-metadata' as const, id, modelId: 'mock-model-2026', timestamp: new Date(0) },
    { type: 'tool-input-start' as const, id: call.id, toolName: call.name },
    { type: 'tool-input-delta' as const, id: call.id, delta: input },
    { type: 'tool-input-end' as const, id: call.id },
    { type: 'tool-call' as const, toolCallId: call.id, toolName: call.name, input },
    { type: 'finish' as const, finishReason: { unified: 'tool-calls' as const, raw: 'tool_use' }, usage: usage(60, 9) },
  ];
}

/** A stream of `parts`, one every `ms` milliseconds (0: at once), read only as the consumer pulls. */
export function partStream<T>(parts: readonly T[], ms = 0): ReadableStream<T> {
  const left = [...parts];
  return new ReadableStream<T>(
    {
      async pull(controller) {
        if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
        const part = left.shift();
        if (part === undefined) controller.close();
        else controller.enqueue(part);
      },
    },
    { highWaterMark: 0 },
  );
}

export interface Node {
  name: string;
  children: Node[];
}

/** The finished spans as trees of names, children in start order: what a reader of the trace sees. */
export function nameTree(spans: readonly ReadableSpan[]): Node[] {
  const ids = new Set(spans.map((span) => span.spanContext().spanId));
  const sorted = [...spans].sort((a, b) => compareTimes(a.startTime, b.startTime));
  const build = (span: ReadableSpan): Node => ({
    name: span.name,
    children: sorted.filter((child) => child.parentSpanContext?.spanId === span.spanContext().spanId).map(build),
  });
  return sorted.filter((span) => span.parentSpanContext === undefined || !ids.has(span.parentSpanContext.spanId)).map(build);
}

function compareTimes(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || a[1] - b[1];
}

/** The parent of `span` among `spans`. */
export function parentOf(span: ReadableSpan, spans: readonly ReadableSpan[]): ReadableSpan | undefined {
  return spans.find((candidate) => candidate.spanContext().spanId === span.parentSpanContext?.spanId);
}

export function named(spans: readonly ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((span) => span.name === name);
}
