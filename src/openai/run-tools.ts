/**
 * `chat.completions.runTools()` (in openai 4.x `beta.chat.completions.runTools()`): one
 * `invoke_agent` span per run, parenting the run's chat spans, and one `execute_tool` span per tool
 * invocation. The runner calls each tool as `fn(args, runner, toolContext)`, without the call id;
 * the id is the first not yet claimed call of that tool name in the runner's last assistant message
 * (the runner starts the calls in that message's order).
 */
import { runAsAgent } from '../agent';
import type { AgentRun, RunnerTracing } from '../agent';
import { runTool } from '../tools';
import { nonEmptyString, record, withProperty } from '../values';

type Method = (this: unknown, ...args: unknown[]) => unknown;
type ToolFunction = (this: unknown, args: unknown, runner: unknown, ...rest: unknown[]) => unknown;

interface Runner {
  messages?: unknown[];
  on?: (event: string, listener: () => void) => unknown;
  _emit?: (event: string, ...args: unknown[]) => unknown;
}

/** The id of the next unclaimed call of `name` in the runner's last assistant message. */
function claimCallId(runner: Runner, name: string, claimed: Set<string>): string | undefined {
  const messages = Array.isArray(runner?.messages) ? runner.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = record(messages[i]);
    if (message?.role !== 'assistant' || !Array.isArray(message.tool_calls)) continue;
    for (const toolCall of message.tool_calls) {
      const fields = record(toolCall);
      const id = nonEmptyString(fields?.id);
      if (id !== undefined && !claimed.has(id) && record(fields?.function)?.name === name) {
        claimed.add(id);
        return id;
      }
    }
    return undefined;
  }
  return undefined;
}

function tracedToolFunction(fn: ToolFunction, name: string, description: string | undefined, claimed: Set<string>): ToolFunction {
  return function tracedTool(this: unknown, args: unknown, runner: unknown, ...rest: unknown[]) {
    const callId = claimCallId(runner as Runner, name, claimed);
    return runTool({ name, callId, description, arguments: args }, () => fn.call(this, args, runner, ...rest));
  };
}

/** A tool definition whose function runs in an `execute_tool` span; others are returned as they are. */
function traceRunnableTool(tool: unknown, claimed: Set<string>): unknown {
  const fields = record(tool);
  if (fields === undefined) return tool;
  const definition = record(fields.function);
  // zod / `zodFunction()` tools: the runner calls `$callback`.
  if (typeof fields.$callback === 'function') {
    const name = nonEmptyString(definition?.name) ?? 'unknown';
    return withProperty(fields, '$callback', tracedToolFunction(fields.$callback as ToolFunction, name, nonEmptyString(definition?.description), claimed));
  }
  if (fields.type !== 'function' || definition === undefined || typeof definition.function !== 'function') return tool;
  const fn = definition.function as ToolFunction & { name?: string };
  const name = nonEmptyString(definition.name) ?? nonEmptyString(fn.name) ?? 'unknown';
  const traced = tracedToolFunction(fn, name, nonEmptyString(definition.description), claimed);
  return withProperty(fields, 'function', withProperty(definition, 'function', traced));
}

/** Ends the run's span when the runner ends, with the error it ended on; adds no listener that changes its error handling. */
function observeRunner(runner: Runner, run: AgentRun): void {
  let failure: unknown;
  const emit = runner._emit;
  if (typeof emit === 'function') {
    runner._emit = function observedEmit(this: unknown, event: string, ...args: unknown[]) {
      if (event === 'error' || event === 'abort') failure ??= args[0];
      return emit.call(this, event, ...args);
    };
  }
  if (typeof runner.on !== 'function') {
    run.end();
    return;
  }
  runner.on('end', () => run.end(failure));
}

export function wrapRunTools(original: Method, provider: (resource: unknown) => string): Method {
  const tracing: RunnerTracing = {
    method: 'runTools()',
    agent(owner, args) {
      const params = record(args[0]);
      if (!Array.isArray(params?.tools)) return undefined;
      // The runner sends every request of the run with the params it was given: one model per run.
      return { provider: provider(owner), model: nonEmptyString(params.model) };
    },
    args(args) {
      const params = record(args[0]) as Record<string, unknown> & { tools: unknown[] };
      const claimed = new Set<string>();
      return [{ ...params, tools: params.tools.map((tool) => traceRunnableTool(tool, claimed)) }, ...args.slice(1)];
    },
    observe: (runner, run) => observeRunner(runner as Runner, run),
  };
  return function runTools(this: unknown, ...args: unknown[]) {
    return runAsAgent(tracing, original, this, args);
  };
}
