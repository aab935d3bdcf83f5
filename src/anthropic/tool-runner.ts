/**
 * `beta.messages.toolRunner()`: one `invoke_agent` span per run, parenting the run's chat spans,
 * and one `execute_tool` span per tool invocation. The runner calls each tool as
 * `tool.run(input, { toolUseBlock, … })`, so the span carries the model's tool-use id.
 *
 * The runner does its work when it is iterated (`for await`, `await runner`, `runUntilDone()`), in
 * the iterating caller's context: each step of the iteration runs in the run's context, and the
 * span ends when the iteration does. A runner that is never iterated keeps its span open.
 */
import { context } from '@opentelemetry/api';
import { runAsAgent } from '../agent';
import type { AgentRun, RunnerTracing } from '../agent';
import { runTool } from '../tools';
import { nonEmptyString, record, withProperty } from '../values';

type Method = (this: unknown, ...args: unknown[]) => unknown;
type Run = (this: unknown, input: unknown, toolContext?: unknown, ...rest: unknown[]) => unknown;

/** A runnable tool whose `run` executes in an `execute_tool` span; other tools are returned as they are. */
export function traceRunnableTool(tool: unknown): unknown {
  const fields = record(tool);
  if (fields === undefined || typeof fields.run !== 'function') return tool;
  const run = fields.run as Run;
  const name = nonEmptyString(fields.name) ?? 'unknown';
  const description = nonEmptyString(fields.description);
  return withProperty(fields, 'run', function tracedRun(this: unknown, input: unknown, toolContext?: unknown, ...rest: unknown[]) {
    const toolUse = record(record(toolContext)?.toolUseBlock) ?? record(record(toolContext)?.toolUse);
    return runTool({ name, callId: nonEmptyString(toolUse?.id), description, arguments: input }, () =>
      run.call(this, input, toolContext, ...rest),
    );
  });
}

interface Runner {
  [Symbol.asyncIterator]?: () => AsyncIterator<unknown>;
}

/** Runs every step of the runner's iteration in the run's context, and ends the run with it. */
function observeRunner(runner: Runner, run: AgentRun): void {
  const iterate = runner[Symbol.asyncIterator];
  if (typeof iterate !== 'function') {
    run.end();
    return;
  }
  runner[Symbol.asyncIterator] = function observedIteration(this: unknown) {
    const inner = context.with(run.context, () => iterate.call(this));
    const step = (method: 'next' | 'return' | 'throw', value?: unknown): Promise<IteratorResult<unknown>> => {
      const call = inner[method];
      if (typeof call !== 'function') return Promise.resolve({ done: true, value });
      return context.with(run.context, () => call.call(inner, value)).then(
        (result) => {
          if (result.done) run.end();
          return result;
        },
        (error: unknown) => {
          run.end(error);
          throw error;
        },
      );
    };
    return {
      next: (value?: unknown) => step('next', value),
      return: (value?: unknown) => step('return', value),
      throw: (error?: unknown) => step('throw', error),
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  };
}

export function wrapToolRunner(
  original: Method,
  provider: (resource: unknown) => string,
  /** Called before the runner is built: false leaves this run to the SDK's own tracing. */
  traceRun: (resource: unknown) => boolean,
): Method {
  const tracing: RunnerTracing = {
    method: 'toolRunner()',
    // A thread's toolRunner() may take no params at all: its tools were given to the thread. No
    // gen_ai.request.model: setMessagesParams() can change the model mid-run.
    agent: (owner) => (traceRun(owner) ? { provider: provider(owner) } : undefined),
    args(args) {
      const params = record(args[0]);
      return Array.isArray(params?.tools) ? [{ ...params, tools: params.tools.map(traceRunnableTool) }, ...args.slice(1)] : args;
    },
    observe: (runner, run) => observeRunner(runner as Runner, run),
  };
  return function toolRunner(this: unknown, ...args: unknown[]) {
    return runAsAgent(tracing, original, this, args);
  };
}
