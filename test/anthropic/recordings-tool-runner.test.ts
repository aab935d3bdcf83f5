/**
 * The REAL `client.beta.messages.toolRunner()` of the root `@anthropic-ai/sdk` against the turns the
 * SDK's own tool-runner tests recorded from the live API
 * (`../shared/recordings/anthropic-beta-toolRunner.anthropic-sdk-ts.turns.json`, see its README).
 *
 * Each recorded turn becomes one replay fixture (built in a temp folder at test time) whose `match` is
 * the recorded request body, so that the runner's own requests are answered only when the runner sends
 * what the recording holds. The turns are grouped into runner conversations by reading the recorded
 * requests (a later turn repeats the earlier history, the earlier reply and one message of tool
 * results), and each conversation is run from its first request, with its recorded tools made
 * runnable: each `run` returns the `tool_result` content the recording's next request shows for that
 * call. The span tree is then checked against expectations computed here from the recording by plain
 * code that does not use the instrumentation's mapping.
 *
 * Optional: skipped when the folder is absent. The recordings are read in place, never copied into
 * the repository: prompts, tool definitions and tool results all come from the recording at test time.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { beforeEach, describe, expect, it } from 'vitest';
import { AnthropicInstrumentation } from '../../src';
import { RECORDINGS, recordingsAvailable as available, servedRecordings } from '../helpers/recordings';
import type { Json, RecordedExchange } from '../helpers/recordings';
import { settle, setupTracing } from '../helpers/tracing';

const tracing = setupTracing();
const instrumentation = new AnthropicInstrumentation();
instrumentation.setTracerProvider(tracing.provider);
// Required after the instrumentation exists, as an app would under `--import`.
const require = createRequire(__filename);
const Anthropic = require('@anthropic-ai/sdk').default as typeof import('@anthropic-ai/sdk').default;

const FILE = 'anthropic-beta-toolRunner.anthropic-sdk-ts.turns.json';
const STEM = FILE.slice(0, -'.turns.json'.length);

interface Turn {
  index: number;
  /** The fixture's name. */
  name: string;
  method: string;
  path: string;
  request: Json;
  status: number;
  response: Json;
}

const turns: Turn[] = available
  ? (JSON.parse(readFileSync(join(RECORDINGS, FILE), 'utf8')) as Array<Omit<Turn, 'index' | 'name'>>).map((turn, index) => ({
      ...turn,
      index,
      name: `${STEM}.turn-${index}`,
    }))
  : [];

/**
 * Turns 6 to 9 are left out: they come from the SDK test of the runner's old client-side compaction
 * (`compactionControl`), which SDK 1.11's runner no longer has, so no run of it can send them.
 * - Turn 6 asks for `submit_analysis`. The old runner then found the conversation over its token
 *   threshold and, instead of answering the call, sent turn 7: the prompt plus the old runner's own
 *   built-in summary prompt, with no `tools` and without the unanswered tool_use turn.
 * - Turn 8 restarts from that summary (as a user message), followed by turn 6's reply and its tool
 *   result; turn 9 is a second summary request, sent after turn 8's final reply.
 * SDK 1.11's runner has no summary prompt and no `compactionControl`; its compaction
 * (`compactBeforeNextTurn()`) is the server-side `compaction` param, expecting a `compaction` block.
 * After turn 6 it would send [prompt, turn 6's reply, tool result], which no recorded turn holds; turns 7
 * and 9 are not runner turns in 1.11, and turn 8 could only be sent by seeding a runner with a history
 * the old runner built, which would not be a recorded run.
 */
const LEFT_OUT = new Set([6, 7, 8, 9]);

function toolUses(message: Json): Json[] {
  return Array.isArray(message.content) ? (message.content as Json[]).filter((block) => block.type === 'tool_use') : [];
}

/** A user message made only of tool results. */
function isToolResults(message: Json | undefined): boolean {
  return (
    message?.role === 'user' &&
    Array.isArray(message.content) &&
    message.content.length > 0 &&
    (message.content as Json[]).every((block) => block.type === 'tool_result')
  );
}

/**
 * Whether `next` is the runner's next request after `turn`: the same params, and the same history
 * followed by the turn's reply and one message of results for the reply's tool calls.
 */
function continues(turn: Turn, next: Turn): boolean {
  const { messages, ...params } = turn.request as { messages: Json[] };
  const { messages: nextMessages, ...nextParams } = next.request as { messages: Json[] };
  if (turn.response.stop_reason !== 'tool_use' || !isDeepStrictEqual(params, nextParams)) return false;
  if (nextMessages.length !== messages.length + 2) return false;
  if (!isDeepStrictEqual(nextMessages.slice(0, messages.length), messages)) return false;
  if (!isDeepStrictEqual(nextMessages[messages.length], { role: turn.response.role, content: turn.response.content })) return false;
  const results = nextMessages[messages.length + 1];
  if (!isToolResults(results)) return false;
  const answered = (results.content as Json[]).map((block) => block.tool_use_id).sort();
  return isDeepStrictEqual(
    answered,
    toolUses(turn.response)
      .map((block) => block.id)
      .sort(),
  );
}

/** The recorded turns, in order, as chains of turns that continue each other. */
function chains(candidates: Turn[]): Turn[][] {
  const found: Turn[][] = [];
  for (const turn of candidates) {
    const last = found.at(-1);
    if (last !== undefined && continues(last.at(-1)!, turn)) last.push(turn);
    else found.push([turn]);
  }
  return found;
}

const conversations = chains(turns.filter((turn) => !LEFT_OUT.has(turn.index)));

/** The exchange as the replay server is to answer it. */
function replayed(turn: Turn): RecordedExchange {
  return {
    name: turn.name,
    request: { method: turn.method, path: turn.path, match: turn.request },
    response: {
      status: turn.status,
      headers: { 'content-type': 'application/json', 'request-id': `req_replay_${turn.name}` },
      body: turn.response,
    },
  };
}

/** What each tool call of the conversation returned, as the recorded next request shows, by tool name and input. */
function recordedResults(conversation: Turn[]): Map<string, unknown> {
  const results = new Map<string, unknown>();
  conversation.slice(0, -1).forEach((turn, k) => {
    const next = conversation[k + 1].request.messages as Json[];
    const blocks = next.at(-1)!.content as Json[];
    for (const use of toolUses(turn.response)) {
      const key = `${use.name} ${JSON.stringify(use.input)}`;
      const result = blocks.find((block) => block.tool_use_id === use.id);
      if (results.has(key) && !isDeepStrictEqual(results.get(key), result?.content)) throw new Error(`two results for ${key}`);
      results.set(key, result?.content);
    }
  });
  return results;
}

/** The recorded tool definitions, each a plain object with a `run` that answers as the recording shows. */
function runnableTools(conversation: Turn[], ran: string[]): Json[] {
  const results = recordedResults(conversation);
  return (conversation[0].request.tools as Json[]).map((definition) => ({
    ...definition,
    run: (input: unknown) => {
      const key = `${definition.name} ${JSON.stringify(input)}`;
      ran.push(key);
      if (!results.has(key)) throw new Error(`no recorded result for ${key}`);
      return results.get(key);
    },
  }));
}

function num(value: unknown): number {
  return typeof value === 'number' ? value : 0;
}

interface ChatExpectation {
  id: unknown;
  inputTokens: number;
  outputTokens: unknown;
  finishReasons: unknown[];
}

function expectedChat(response: Json): ChatExpectation {
  const usage = (response.usage ?? {}) as Json;
  return {
    id: response.id,
    inputTokens: num(usage.input_tokens) + num(usage.cache_read_input_tokens) + num(usage.cache_creation_input_tokens),
    outputTokens: usage.output_tokens,
    finishReasons: [response.stop_reason],
  };
}

function actualChat(span: ReadableSpan): ChatExpectation {
  return {
    id: span.attributes['gen_ai.response.id'],
    inputTokens: span.attributes['gen_ai.usage.input_tokens'] as number,
    outputTokens: span.attributes['gen_ai.usage.output_tokens'],
    finishReasons: span.attributes['gen_ai.response.finish_reasons'] as unknown[],
  };
}

/** A conversation's name in the test title: its turns and its first prompt, shortened. */
function title(conversation: Turn[]): string {
  const first = (conversation[0].request.messages as Json[])[0];
  const text = typeof first.content === 'string' ? first.content : JSON.stringify(first.content);
  const prompt = text.length > 60 ? `${text.slice(0, 57)}...` : text;
  return `turns ${conversation.map((turn) => turn.index).join(', ')}: ${JSON.stringify(prompt)}`;
}

describe.skipIf(!available)('real toolRunner recordings through the instrumented runner', () => {
  const replay = servedRecordings(
    'anthropic',
    turns.map(replayed),
    (url) => new Anthropic({ apiKey: 'test-key', baseURL: url, maxRetries: 0 }),
  );
  beforeEach(() => {
    instrumentation.enable();
    tracing.exporter.reset();
  });

  it('finds the ten recorded turns, and three runner conversations of two turns in those kept', () => {
    expect(turns).toHaveLength(10);
    expect(turns.every((turn) => turn.method === 'POST' && turn.path.startsWith('/v1/messages?') && turn.path.includes('beta=true'))).toBe(
      true,
    );
    expect(conversations.map((conversation) => conversation.map((turn) => turn.index))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    for (const conversation of conversations) {
      // Each starts from one user prompt, and ends with a reply that stops the runner.
      expect(conversation[0].request.messages).toHaveLength(1);
      expect(conversation.at(-1)!.response.stop_reason).toBe('end_turn');
      expect(conversation.every((turn) => turn.status === 200 && turn.request.stream === false)).toBe(true);
    }
  });

  for (const conversation of conversations) {
    it(`${title(conversation)}: one invoke_agent span over its chat and execute_tool spans`, async () => {
      const { messages, tools: _recordedTools, ...params } = conversation[0].request;
      const ran: string[] = [];
      const tools = runnableTools(conversation, ran);
      const last = conversation.at(-1)!.response;

      const final = await replay.client.beta.messages.toolRunner({
        ...(params as { model: string; max_tokens: number }),
        messages: messages as Json[] as never,
        tools: tools as never,
        // SDK 1.11 otherwise sends only new messages over a server-side thread; the recordings hold full histories.
        thread: false,
      });
      await settle();

      // The app gets the last recorded reply.
      expect({ id: final.id, content: final.content }).toEqual({ id: last.id, content: last.content });
      expect(final).toEqual(last);

      // Every turn went out as recorded and was answered by its own fixture (no 404).
      expect(replay.server.requests.map((request) => request.fixture)).toEqual(conversation.map((turn) => turn.name));

      // Every recorded call ran, once, with its recorded input.
      const calls = conversation.slice(0, -1).flatMap((turn) => toolUses(turn.response));
      expect([...ran].sort()).toEqual(calls.map((use) => `${use.name} ${JSON.stringify(use.input)}`).sort());

      const spans = tracing.genAISpans();
      const agents = spans.filter((span) => span.attributes['gen_ai.operation.name'] === 'invoke_agent');
      expect(agents).toHaveLength(1);
      const [agent] = agents;
      expect(agent.kind).toBe(SpanKind.INTERNAL);
      expect(agent.status.code).not.toBe(SpanStatusCode.ERROR);
      const agentId = agent.spanContext().spanId;
      const traceId = agent.spanContext().traceId;

      // One chat span per turn, in order, under the agent span, saying what the recorded reply says.
      const chats = [...tracing.inferenceSpans()].sort((a, b) => a.startTime[0] - b.startTime[0] || a.startTime[1] - b.startTime[1]);
      expect(chats).toHaveLength(conversation.length);
      chats.forEach((span, k) => {
        expect(span.name).toBe(`chat ${conversation[k].request.model}`);
        expect(span.kind).toBe(SpanKind.CLIENT);
        expect(span.status.code).toBe(SpanStatusCode.UNSET);
        expect(span.spanContext().traceId).toBe(traceId);
        expect(span.parentSpanContext?.spanId).toBe(agentId);
        expect(actualChat(span)).toEqual(expectedChat(conversation[k].response));
      });

      // One execute_tool span per recorded tool_use block, with the model's id, under the agent span.
      const descriptions = new Map((conversation[0].request.tools as Json[]).map((tool) => [tool.name, tool.description]));
      const toolSpans = tracing.toolSpans();
      const byId = (a: { id: unknown }, b: { id: unknown }) => String(a.id).localeCompare(String(b.id));
      expect(
        toolSpans
          .map((span) => ({
            id: span.attributes['gen_ai.tool.call.id'],
            name: span.attributes['gen_ai.tool.name'],
            spanName: span.name,
            type: span.attributes['gen_ai.tool.type'],
            description: span.attributes['gen_ai.tool.description'],
            error: span.attributes['error.type'],
          }))
          .sort(byId),
      ).toEqual(
        calls
          .map((use) => ({
            id: use.id,
            name: use.name,
            spanName: `execute_tool ${use.name}`,
            type: 'function',
            description: descriptions.get(use.name),
            error: undefined,
          }))
          .sort(byId),
      );
      for (const span of toolSpans) {
        expect(span.kind).toBe(SpanKind.INTERNAL);
        expect(span.status.code).toBe(SpanStatusCode.UNSET);
        expect(span.spanContext().traceId).toBe(traceId);
        expect(span.parentSpanContext?.spanId).toBe(agentId);
      }
      // The runner's calls are covered by explicit spans: none is inferred.
      expect(spans.filter((span) => span.attributes['otel_genai.tool.inferred'] !== undefined)).toEqual([]);
      // Nothing else: the agent, its chats and its tools.
      expect(spans).toHaveLength(1 + conversation.length + calls.length);

      // The agent's totals are the sums over the recorded turns.
      const wanted = conversation.map((turn) => expectedChat(turn.response));
      expect(agent.attributes).toMatchObject({
        'otel_genai.agent.model_calls': conversation.length,
        'otel_genai.agent.tool_calls': calls.length,
        'gen_ai.usage.input_tokens': wanted.reduce((sum, chat) => sum + chat.inputTokens, 0),
        'gen_ai.usage.output_tokens': wanted.reduce((sum, chat) => sum + num(chat.outputTokens), 0),
      });
    });
  }
});
