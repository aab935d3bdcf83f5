/**
 * `beta.messages.toolRunner()`: one `invoke_agent` span per run, parenting the run's chat spans,
 * and one `execute_tool` span per tool invocation.
 *
 * The runner is built from the app's own params: it sees (and shows in `runner.params`) the app's
 * tools array and tool objects, never copies. A tool is traced where the runner calls it,
 * `tool.run(input, { toolUse, toolUseBlock, signal })` (a toolset: `run({ toolUse, … }, toolUse)`):
 * while a traced run holds a tool, its `run` is a wrapper with the same `name` and `length`, put back
 * as it was when the last run holding it ends. The wrapper traces only the calls a traced runner
 * makes for one of its own tool-use ids, or makes in its run's context; any other call (the app's
 * own, another runner's) runs the tool untraced.
 *
 * The runner does its work when it is iterated (`for await`, `await runner`, `runUntilDone()`), in
 * the iterating caller's context: each step of the iteration runs in the run's context, and the
 * span ends when the iteration does. `runner.generateToolResponse()`, which the app may call from
 * its loop body, runs in the run's context too; so do the calls a streaming `runToolsEagerly` runner
 * starts while the app reads the stream (found by their tool-use id). A runner that is never
 * iterated keeps its span open.
 */
import { context, diag } from '@opentelemetry/api';
import { agentRunOf, runAsAgent } from '../agent';
import type { AgentRun, RunnerTracing } from '../agent';
import { runTool } from '../tools';
import { asRecord, nonEmptyString } from '../values';

type Method = (this: unknown, ...args: unknown[]) => unknown;

/** A tool `run` wrapped in place, shared by every traced run that holds the tool. */
interface WrappedRun {
  wrapper: Method;
  /** The tool's own `run` property we replaced; undefined when `run` was inherited (a class method). */
  own: PropertyDescriptor | undefined;
  /** The traced runs that hold the tool; the wrapper comes off when the last one ends. */
  holders: Set<RunnerTools>;
}

const wrappedTools = new WeakMap<object, WrappedRun>();

/** Gives `wrapper` the `name` and `length` of `original`, which apps and SDKs may read. */
function likeOriginal(wrapper: Method, original: Method): void {
  try {
    Object.defineProperty(wrapper, 'name', { value: original.name, configurable: true });
    Object.defineProperty(wrapper, 'length', { value: original.length, configurable: true });
  } catch {
    // A function whose name cannot be read: the wrapper keeps its own.
  }
}

/** The tool-use block a runner passes to a tool, with the arguments the tool gets; undefined for a call of the app's own. */
function runnerCall(args: unknown[]): { toolUse: Record<string, unknown>; input: unknown } | undefined {
  // A function tool: run(input, { toolUse, toolUseBlock, signal }).
  const options = asRecord(args[1]);
  const toolUse = asRecord(options?.toolUseBlock) ?? asRecord(options?.toolUse);
  if (toolUse !== undefined) return { toolUse, input: args[0] };
  // A toolset: run({ toolUse, toolUseBlock, signal }, toolUse).
  const first = asRecord(args[0]);
  const member = asRecord(first?.toolUseBlock) ?? asRecord(first?.toolUse);
  return member === undefined ? undefined : { toolUse: member, input: member.input };
}

function newWrapper(tool: Record<string, unknown>, original: Method): Method {
  const wrapper = function run(this: unknown, ...args: unknown[]): unknown {
    let holder: RunnerTools | undefined;
    let call: ReturnType<typeof runnerCall>;
    try {
      call = runnerCall(args);
      if (call !== undefined) holder = holderOf(tool, nonEmptyString(call.toolUse.id));
    } catch (problem) {
      diag.error('otel-genai: could not tell which tool runner called a tool', problem);
      holder = undefined;
    }
    if (holder === undefined || call === undefined) return original.apply(this, args);
    const { toolUse, input } = call;
    const options = {
      name: nonEmptyString(toolUse.name) ?? nonEmptyString(tool.name) ?? 'unknown',
      callId: nonEmptyString(toolUse.id),
      description: nonEmptyString(tool.description),
      arguments: input,
    };
    const traced = () => runTool(options, () => original.apply(this, args));
    // A call started outside the run's context (from the app's loop body) joins the run all the same.
    return agentRunOf(context.active()) === holder.run ? traced() : context.with(holder.run.context, traced);
  };
  likeOriginal(wrapper, original);
  return wrapper;
}

/**
 * The traced run a call of `tool` belongs to: the run whose context the call is made in, if its
 * runner knows the call's tool-use id; else the run whose runner knows it (a call started from the
 * app's loop body, or from another run's tool); else the run whose context the call is made in.
 * Undefined: not a traced runner's call.
 */
function holderOf(tool: object, callId: string | undefined): RunnerTools | undefined {
  const holders = wrappedTools.get(tool)?.holders;
  if (holders === undefined || holders.size === 0) return undefined;
  const active = agentRunOf(context.active());
  let inContext: RunnerTools | undefined;
  if (active !== undefined) for (const holder of holders) if (holder.run === active) inContext = holder;
  if (callId === undefined || inContext?.knowsCall(callId)) return inContext;
  for (const holder of holders) if (holder !== inContext && holder.knowsCall(callId)) return holder;
  return inContext;
}

/** The descriptor `object` inherits for `key`, from the nearest prototype that has it. */
function inheritedDescriptor(object: object, key: string): PropertyDescriptor | undefined {
  for (let proto = Object.getPrototypeOf(object) as object | null; proto !== null; proto = Object.getPrototypeOf(proto) as object | null) {
    const descriptor = Object.getOwnPropertyDescriptor(proto, key);
    if (descriptor !== undefined) return descriptor;
  }
  return undefined;
}

/** Wraps `tool.run` in place for `holder`, or adds `holder` to the runs the wrapper already serves. */
function holdTool(tool: unknown, holder: RunnerTools): void {
  const fields = asRecord(tool);
  if (fields === undefined || typeof fields.run !== 'function') return;
  const wrapped = wrappedTools.get(fields);
  if (wrapped !== undefined && fields.run === wrapped.wrapper) {
    wrapped.holders.add(holder);
    holder.tools.add(fields);
    return;
  }
  // Not wrapped yet, or the app gave the tool another `run` since: that one is wrapped, for every run holding the tool.
  const own = Object.getOwnPropertyDescriptor(fields, 'run');
  // A getter (own or inherited), or a `run` that cannot be replaced (a frozen tool): left untraced.
  const found = own ?? inheritedDescriptor(fields, 'run');
  if (found === undefined || !('value' in found) || (own !== undefined && !own.writable && !own.configurable)) return;
  const original = found.value as Method;
  if (typeof original !== 'function') return;
  const wrapper = newWrapper(fields, original);
  try {
    Object.defineProperty(fields, 'run', {
      value: wrapper,
      writable: own?.writable ?? true,
      enumerable: own?.enumerable ?? false,
      configurable: own?.configurable ?? true,
    });
  } catch {
    return;
  }
  const holders = wrapped?.holders ?? new Set<RunnerTools>();
  holders.add(holder);
  wrappedTools.set(fields, { wrapper, own, holders });
  holder.tools.add(fields);
}

/** Takes `holder` off its tools; a tool no run holds any more gets its own `run` back, unless the app replaced it. */
function releaseTools(holder: RunnerTools): void {
  for (const tool of holder.tools) {
    const wrapped = wrappedTools.get(tool);
    if (wrapped === undefined || !wrapped.holders.delete(holder) || wrapped.holders.size > 0) continue;
    wrappedTools.delete(tool);
    if (tool.run !== wrapped.wrapper) continue;
    try {
      if (wrapped.own === undefined) delete tool.run;
      else Object.defineProperty(tool, 'run', wrapped.own);
    } catch (problem) {
      diag.error("otel-genai: could not put a tool's run back", problem);
    }
  }
  holder.tools.clear();
}

/** Whether a message's content has a `tool_use` block with this id. */
function hasToolUse(message: unknown, id: string): boolean {
  const content = asRecord(message)?.content;
  return Array.isArray(content) && content.some((block) => asRecord(block)?.type === 'tool_use' && asRecord(block)?.id === id);
}

/** One traced run's view of its runner: the tools it holds, and the tool-use ids its runner knows. */
class RunnerTools {
  readonly tools = new Set<Record<string, unknown>>();
  /** What the runner's iteration yielded last: a message, or a message stream. */
  last: unknown;
  private ended = false;

  constructor(
    private readonly runner: Record<string, unknown>,
    readonly run: AgentRun,
  ) {}

  /** Holds the runnable tools of the runner's params as they are now (setMessagesParams() may change them). */
  adopt(): void {
    if (this.ended) return;
    try {
      const tools = asRecord(this.runner.params)?.tools;
      if (Array.isArray(tools)) for (const tool of tools) holdTool(tool, this);
    } catch (problem) {
      diag.error("otel-genai: could not trace a toolRunner()'s tools", problem);
    }
  }

  /** Whether `id` is a tool-use id of the reply the runner is handling (yielded, streaming, or in its params). */
  knowsCall(id: string): boolean {
    const last = asRecord(this.last);
    if (hasToolUse(last, id)) return true;
    // A message stream: the reply so far, or the replies it has received.
    if (last !== undefined && !Array.isArray(last.content)) {
      if (hasToolUse(last.currentMessage, id)) return true;
      const received = last.receivedMessages;
      if (Array.isArray(received) && received.some((message) => hasToolUse(message, id))) return true;
    }
    // A history that ends in the call (the app's own, before the first turn).
    const messages = asRecord(this.runner.params)?.messages;
    if (!Array.isArray(messages)) return false;
    for (let i = messages.length - 1; i >= 0; i--) {
      if (asRecord(messages[i])?.role === 'assistant') return hasToolUse(messages[i], id);
    }
    return false;
  }

  end(error?: unknown): void {
    this.ended = true;
    releaseTools(this);
    this.run.end(error);
  }
}

interface Runner {
  [Symbol.asyncIterator]?: () => AsyncIterator<unknown>;
  generateToolResponse?: Method;
}

/**
 * `runner.generateToolResponse()` in the run's context, with the runner's tools held: the tools it
 * runs join the run. The runner keeps the response it made, and uses it rather than running them again.
 */
function observeToolResponses(runner: Runner, tools: RunnerTools): () => void {
  const generate = runner.generateToolResponse;
  if (typeof generate !== 'function') return () => {};
  const observed = function generateToolResponse(this: unknown, ...args: unknown[]) {
    tools.adopt();
    return context.with(tools.run.context, () => generate.apply(this, args));
  };
  likeOriginal(observed, generate);
  Object.defineProperty(runner, 'generateToolResponse', { value: observed, writable: true, enumerable: false, configurable: true });
  // Once the run has ended, the runner's own method again.
  return () => {
    if (runner.generateToolResponse === observed) delete runner.generateToolResponse;
  };
}

/** Runs every step of the runner's iteration in the run's context, and ends the run with it. */
function observeRunner(runner: Runner, run: AgentRun): void {
  const tools = new RunnerTools(runner as Record<string, unknown>, run);
  const iterate = runner[Symbol.asyncIterator];
  if (typeof iterate !== 'function') {
    tools.end();
    return;
  }
  let restoreToolResponses = () => {};
  try {
    restoreToolResponses = observeToolResponses(runner, tools);
  } catch (problem) {
    // The tools the app runs through it then run outside the run; the runner's own are traced.
    diag.error('otel-genai: could not observe generateToolResponse() of a toolRunner()', problem);
  }
  const end = (error?: unknown) => {
    restoreToolResponses();
    tools.end(error);
  };
  runner[Symbol.asyncIterator] = function observedIteration(this: unknown) {
    tools.adopt();
    const inner = context.with(run.context, () => iterate.call(this));
    const step = (method: 'next' | 'return' | 'throw', value?: unknown): Promise<IteratorResult<unknown>> => {
      const call = inner[method];
      if (typeof call !== 'function') return Promise.resolve({ done: true, value });
      // The tools as they are now: the loop body may have changed them with setMessagesParams().
      tools.adopt();
      return context
        .with(run.context, () => call.call(inner, value))
        .then(
          (result) => {
            if (result.done) end();
            else tools.last = result.value;
            return result;
          },
          (error: unknown) => {
            end(error);
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
  /** Called before the runner is built: false leaves this run to the SDK's own tracing. */
  traceRun: (resource: unknown) => boolean,
): Method {
  const tracing: RunnerTracing = {
    method: 'toolRunner()',
    // A thread's toolRunner() may take no params at all: its tools were given to the thread. No
    // gen_ai.request.model: setMessagesParams() can change the model mid-run.
    agent: (owner) => (traceRun(owner) ? {} : undefined),
    observe: (runner, run) => observeRunner(runner as Runner, run),
  };
  return function toolRunner(this: unknown, ...args: unknown[]) {
    return runAsAgent(tracing, original, this, args);
  };
}
