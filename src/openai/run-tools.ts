/**
 * `chat.completions.runTools()` (in openai 4.x `beta.chat.completions.runTools()`): one
 * `invoke_agent` span per run, parenting the run's chat spans, and one `execute_tool` span per tool
 * invocation. The runner calls each tool as `fn(args, runner, toolContext)`, without the call id;
 * the id is the first not yet claimed call of that tool name in the runner's last assistant message
 * (the runner starts the calls in that message's order).
 *
 * The runner is built from the app's own params, never a copy. It reads them when its loop starts
 * (a timer after `runTools()` returns), in `runner._runTools(client, params, …)`: for that one call
 * the runner gets, in place of each runnable tool, a view of the app's tool whose function runs in an
 * `execute_tool` span. The view lives only in the loop's own variables: the app keeps seeing its
 * params, its tools and its functions as they are, and a tool function runs with the app's tool
 * definition as `this`, as without us.
 */
import { diag } from '@opentelemetry/api';
import { runAsAgent } from '../agent';
import type { AgentRun, RunnerTracing } from '../agent';
import { runTool } from '../tools';
import { asRecord, nonEmptyString } from '../values';
import { viewOf } from '../views';

type Method = (this: unknown, ...args: unknown[]) => unknown;
type ToolFunction = Method;

interface Runner {
  messages?: unknown[];
  on?: (event: string, listener: () => void) => unknown;
  _emit?: (event: string, ...args: unknown[]) => unknown;
  _runTools?: Method;
}

/** The id of the next unclaimed call of `name` in the runner's last assistant message. */
function claimCallId(runner: Runner, name: string, claimed: Set<string>): string | undefined {
  const messages = Array.isArray(runner?.messages) ? runner.messages : [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = asRecord(messages[i]);
    if (message?.role !== 'assistant' || !Array.isArray(message.tool_calls)) continue;
    for (const toolCall of message.tool_calls) {
      const fields = asRecord(toolCall);
      const id = nonEmptyString(fields?.id);
      if (id !== undefined && !claimed.has(id) && asRecord(fields?.function)?.name === name) {
        claimed.add(id);
        return id;
      }
    }
    return undefined;
  }
  return undefined;
}

/** Gives `wrapper` the `name` and `length` of `original`: the runner names a tool without a `name` after its function. */
function likeOriginal(wrapper: Method, original: Method): void {
  try {
    Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
    Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  } catch {
    // A function whose name cannot be read: the wrapper keeps its own.
  }
}

/** What one `_runTools()` call traces its tools with: the runner (for call ids) and the ids claimed so far. */
interface ToolTracing {
  runner: Runner;
  claimed: Set<string>;
}

/**
 * `fn` in an `execute_tool` span. `self` maps the `this` it is called with to the one `fn` gets:
 * the runner calls `definition.function(…)` on the view it was given, and the app's function gets
 * its own definition object, as without us.
 */
function tracedFunction(
  tracing: ToolTracing,
  fn: ToolFunction,
  name: () => string,
  description: () => string | undefined,
  self: (called: unknown) => unknown,
): ToolFunction {
  const traced = function tracedTool(this: unknown, ...args: unknown[]) {
    const target = self(this);
    const run = () => fn.apply(target, args);
    let options: Parameters<typeof runTool>[0];
    try {
      const toolName = name();
      options = {
        name: toolName,
        callId: claimCallId(tracing.runner, toolName, tracing.claimed),
        description: description(),
        arguments: args[0],
      };
    } catch (problem) {
      diag.error('otel-genai: could not trace a runTools() tool call', problem);
      return run();
    }
    return runTool(options, run);
  };
  likeOriginal(traced as Method, fn as Method);
  return traced as ToolFunction;
}

/**
 * A view of the app's function definition (`{ name, function, parse, … }`) whose `function` runs in
 * an `execute_tool` span, and whose `parse` gets the app's definition as `this`.
 */
function definitionView(tracing: ToolTracing, definition: Record<string, unknown>): object {
  const traced = new WeakMap<ToolFunction, ToolFunction>();
  const name = () =>
    nonEmptyString(definition.name) ?? nonEmptyString((definition.function as { name?: unknown } | undefined)?.name) ?? 'unknown';
  const description = () => nonEmptyString(definition.description);
  return viewOf(definition, ['function', 'parse'], (key, value, isView) => {
    if (typeof value !== 'function') return value;
    const self = (called: unknown) => (isView(called) ? definition : called);
    if (key === 'function') {
      let made = traced.get(value as ToolFunction);
      if (made === undefined)
        traced.set(value as ToolFunction, (made = tracedFunction(tracing, value as ToolFunction, name, description, self)));
      return made;
    }
    if (key === 'parse') {
      return function parse(this: unknown, ...args: unknown[]) {
        return (value as Method).apply(self(this), args);
      };
    }
    return value;
  });
}

/**
 * What the runner gets in place of one of the app's tools: a view whose function (or zod
 * `$callback`) runs in an `execute_tool` span; other tools as they are.
 */
function toolView(tracing: ToolTracing, tool: unknown): unknown {
  const fields = asRecord(tool);
  if (fields === undefined) return tool;
  // zod / `zodFunction()` tools: the runner calls `$callback`, on an object of its own.
  if (typeof fields.$callback === 'function') {
    const traced = new WeakMap<ToolFunction, ToolFunction>();
    const name = () => nonEmptyString(asRecord(fields.function)?.name) ?? 'unknown';
    const description = () => nonEmptyString(asRecord(fields.function)?.description);
    return viewOf(fields, ['$callback'], (key, value) => {
      if (key !== '$callback' || typeof value !== 'function') return value;
      let made = traced.get(value as ToolFunction);
      if (made === undefined)
        traced.set(value as ToolFunction, (made = tracedFunction(tracing, value as ToolFunction, name, description, (called) => called)));
      return made;
    });
  }
  const definition = asRecord(fields.function);
  if (fields.type !== 'function' || definition === undefined || typeof definition.function !== 'function') return tool;
  const view = definitionView(tracing, definition);
  return viewOf(fields, ['function'], (key, value) => (key === 'function' && value === definition ? view : value));
}

/**
 * Traces the tools of the runner's loop: `runner._runTools(client, params, …)` (called by the
 * runner's timer, after `runTools()` returned) gets a view of the app's params whose tools are
 * views of the app's tools. The method is the runner's own again as soon as it is called.
 */
function observeTools(runner: Runner): void {
  const runTools = runner._runTools;
  if (typeof runTools !== 'function') {
    diag.debug('otel-genai: this runTools() runner has no _runTools(): its tools are not traced (their spans are inferred)');
    return;
  }
  const observed = function (this: unknown, ...args: unknown[]) {
    if (runner._runTools === observed) delete runner._runTools;
    let traced = args;
    try {
      const params = asRecord(args[1]);
      if (params !== undefined && Array.isArray(params.tools)) {
        const tracing: ToolTracing = { runner, claimed: new Set() };
        // The app's params as the loop reads them (some fields on each turn), with views of its tools.
        const views = new WeakMap<unknown[], unknown[]>();
        const view = viewOf(params, ['tools'], (key, value) => {
          if (key !== 'tools' || !Array.isArray(value)) return value;
          let mapped = views.get(value);
          if (mapped === undefined) views.set(value, (mapped = value.map((tool) => toolView(tracing, tool))));
          return mapped;
        });
        traced = [args[0], view, ...args.slice(2)];
      }
    } catch (problem) {
      diag.error("otel-genai: could not trace a runTools() runner's tools", problem);
      traced = args;
    }
    return runTools.apply(this, traced);
  };
  likeOriginal(observed, runTools);
  Object.defineProperty(runner, '_runTools', { value: observed, writable: true, enumerable: false, configurable: true });
}

/** Ends the run's span when the runner ends, with the error it ended on; adds no listener that changes its error handling. */
function observeRunner(runner: Runner, run: AgentRun): void {
  observeTools(runner);
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

export function wrapRunTools(original: Method): Method {
  const tracing: RunnerTracing = {
    method: 'runTools()',
    agent(_owner, args) {
      const params = asRecord(args[0]);
      if (!Array.isArray(params?.tools)) return undefined;
      // The runner sends every request of the run with the params it was given: one model per run.
      return { model: nonEmptyString(params.model) };
    },
    observe: (runner, run) => observeRunner(runner as Runner, run),
  };
  return function runTools(this: unknown, ...args: unknown[]) {
    return runAsAgent(tracing, original, this, args);
  };
}
