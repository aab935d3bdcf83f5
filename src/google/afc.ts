/**
 * Automatic function calling (AFC) of `@google/genai`: `models.generateContent` /
 * `generateContentStream` (and so a chat's `sendMessage` / `sendMessageStream`) with callable tools
 * in `config.tools` (`mcpToTool(client)`, or any object with `tool()` and `callTool(functionCalls)`)
 * runs the model, the tools and the model again inside the SDK. Such a call is one agent run: an
 * `invoke_agent` span parenting its `generate_content` spans (one per request, see instrumentation.ts)
 * and one `execute_tool` span per function call.
 *
 * The SDK reads the tools from the params it is given: it gets a view of the app's params (writes go
 * to the app's objects, as without us; see views.ts) whose callable tools are views of the app's
 * tools. A view's `callTool` runs the app's tool (with the tool itself as `this`) in an
 * `execute_tool` span per function call: a call that hands one tool several function calls at once
 * (the non-streaming loop does) becomes one `callTool` per function call, in order, as the SDK's
 * streaming loop makes them and as `mcpToTool`'s tool runs them; a tool is handed only the calls
 * it declared (from its `tool()`, which the SDK asks first), as the streaming loop hands them.
 */
import { context, diag, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Context } from '@opentelemetry/api';
import { heldBy, released } from '../abandonment';
import type { Abandonable } from '../abandonment';
import { AgentRun } from '../agent';
import { guard } from '../errors';
import { ATTR_ABANDONED, ATTR_ERROR_TYPE, ERROR_TYPE_TOOL_ERROR } from '../semconv';
import { runOwnedTool, toolCallLedger, withToolContent } from '../tools';
import type { ToolContent } from '../tools';
import { asRecord, nonEmptyString } from '../values';
import { viewOf } from '../views';
import { callKey } from './models';

type Method = (this: unknown, ...args: unknown[]) => unknown;

function isCallableTool(tool: unknown): boolean {
  return typeof asRecord(tool)?.callTool === 'function';
}

/** Whether the SDK runs this call as an AFC loop: callable tools, and AFC not turned off. */
export function runsFunctions(params: Record<string, unknown> | undefined): boolean {
  const config = asRecord(params?.config);
  if (config === undefined || !Array.isArray(config.tools) || !config.tools.some(isCallableTool)) return false;
  return asRecord(config.automaticFunctionCalling)?.disable !== true;
}

/** The function names a tool declared, from what its `tool()` resolved to. */
function declaredNames(tool: unknown): Map<string, string | undefined> | undefined {
  const declarations = asRecord(tool)?.functionDeclarations;
  if (!Array.isArray(declarations)) return undefined;
  const names = new Map<string, string | undefined>();
  for (const declaration of declarations) {
    const name = nonEmptyString(asRecord(declaration)?.name);
    if (name !== undefined) names.set(name, nonEmptyString(asRecord(declaration)?.description));
  }
  return names;
}

/**
 * A tool that answered with an error (`mcpToTool`'s answer to an MCP result with `isError`, or the
 * app's own `{ error }`) did not throw: its span, active while it runs, says it failed (`tool_error`).
 */
function markedFailures(run: () => unknown): () => unknown {
  return () => {
    const span = trace.getActiveSpan();
    const result = run();
    const check = (parts: unknown) => {
      guard(() => {
        const failed =
          Array.isArray(parts) && parts.some((part) => asRecord(asRecord(asRecord(part)?.functionResponse)?.response)?.error !== undefined);
        if (failed && span !== undefined) {
          span.setAttribute(ATTR_ERROR_TYPE, ERROR_TYPE_TOOL_ERROR);
          span.setStatus({ code: SpanStatusCode.ERROR });
        }
      });
      return parts;
    };
    return result instanceof Promise ? result.then(check) : check(result);
  };
}

/** One function call run in an `execute_tool` span under `content`'s settings. */
function traceCall(content: ToolContent, call: Record<string, unknown>, description: string | undefined, run: () => unknown): unknown {
  const name = nonEmptyString(call.name) ?? 'unknown';
  const id = nonEmptyString(call.id);
  // A call without an id waits in the ledger under a key of its own (see models.ts): covered here, no span is inferred for it.
  if (id === undefined)
    guard(() => {
      const key = callKey(call);
      if (key !== undefined) toolCallLedger.cover(key);
    });
  return runOwnedTool(content, { name, callId: id, description, arguments: call.args }, markedFailures(run));
}

/** A view of one callable tool whose `callTool` traces each function call. */
function toolView(tool: Record<string, unknown>, content: ToolContent): object {
  let declared: Map<string, string | undefined> | undefined;
  const learn = (resolved: unknown) => {
    try {
      declared = declaredNames(resolved);
    } catch {
      declared = undefined;
    }
    return resolved;
  };
  return viewOf(tool, ['tool', 'callTool'], (key, value) => {
    if (typeof value !== 'function') return value;
    if (key === 'tool') {
      return function tool(this: unknown, ...args: unknown[]) {
        const result = (value as Method).apply(tool, args);
        return result instanceof Promise ? result.then(learn) : learn(result);
      };
    }
    if (key !== 'callTool') return value;
    return function callTool(this: unknown, ...args: unknown[]) {
      const original = () => (value as Method).apply(tool, args);
      let calls: Array<Record<string, unknown>>;
      try {
        calls = (Array.isArray(args[0]) ? args[0] : []).map((call) => asRecord(call) ?? {});
      } catch (problem) {
        diag.error('otel-genai: could not trace the function calls of a callable tool', problem);
        return original();
      }
      const mine = declared === undefined ? calls : calls.filter((call) => typeof call.name === 'string' && declared!.has(call.name));
      const describe = (call: Record<string, unknown>) => (typeof call.name === 'string' ? declared?.get(call.name) : undefined);
      if (mine.length === 0) return original();
      // One call of its own: the tool is called as the SDK called it, in one span.
      if (mine.length === 1) return traceCall(content, mine[0], describe(mine[0]), original);
      return (async () => {
        const parts: unknown[] = [];
        for (const call of mine) {
          const answered = await traceCall(content, call, describe(call), () => (value as Method).call(tool, [call]));
          if (Array.isArray(answered)) parts.push(...answered);
          else if (answered !== undefined) parts.push(answered);
        }
        return parts;
      })();
    };
  });
}

/** The app's params as the SDK reads them, with views of its callable tools. */
function paramsView(params: Record<string, unknown>, content: ToolContent): object {
  const views = new WeakMap<unknown[], unknown[]>();
  const configs = new WeakMap<object, object>();
  return viewOf(params, ['config'], (key, value) => {
    const config = asRecord(value);
    if (key !== 'config' || config === undefined) return value;
    let view = configs.get(config);
    if (view === undefined) {
      view = viewOf(config, ['tools'], (field, tools) => {
        if (field !== 'tools' || !Array.isArray(tools)) return tools;
        let mapped = views.get(tools);
        if (mapped === undefined)
          views.set(
            tools,
            (mapped = tools.map((tool) => (isCallableTool(tool) ? toolView(tool as Record<string, unknown>, content) : tool))),
          );
        return mapped;
      });
      configs.set(config, view);
    }
    return view;
  });
}

/**
 * Runs one AFC call (`original`, the SDK's `generateContent` or `generateContentStream`) as an
 * agent run. Its span ends when the call settles, or for a stream when the stream ends. If tracing
 * cannot start, the call runs untraced.
 */
export function runFunctionCalling(original: Method, models: unknown, args: unknown[], content: ToolContent, stream: boolean): unknown {
  let run: AgentRun;
  let given: unknown[];
  let inner: Context;
  try {
    const params = asRecord(args[0]) as Record<string, unknown>;
    run = new AgentRun({ model: nonEmptyString(params.model) });
    inner = withToolContent(run.context, content);
    given = [paramsView(params, content), ...args.slice(1)];
  } catch (problem) {
    diag.error('otel-genai: could not trace an automatic function calling run', problem);
    return original.apply(models, args);
  }
  const agent = run;
  let result: unknown;
  try {
    result = context.with(inner, original, models, ...given);
  } catch (error) {
    agent.end(error);
    throw error;
  }
  if (!(result instanceof Promise)) {
    agent.end();
    return result;
  }
  return result.then(
    (value: unknown) => {
      try {
        if (!stream || !endsWith(value, agent, inner)) agent.end();
      } catch (problem) {
        diag.error('otel-genai: could not follow the stream of an automatic function calling run', problem);
        agent.end();
      }
      return value;
    },
    (error: unknown) => {
      agent.end(error);
      throw error;
    },
  );
}

/**
 * Ends `run` when the stream `value` (an async generator of the SDK's) ends, fails or is left
 * (`return()`): its `next` / `return` / `throw` observed in place, the same object handed on, and
 * run in the run's context (`inner`): the generator's body, which makes the run's model and tool
 * calls, runs inside the app's `next()` calls. A stream the app drops unfinished ends the run,
 * marked abandoned, when it is collected (abandonment.ts). False when `value` is no iterator.
 */
function endsWith(value: unknown, run: AgentRun, inner: Context): boolean {
  const iterator = asRecord(value);
  if (iterator === undefined || typeof iterator.next !== 'function') return false;
  const next = iterator.next as Method;
  const held: Abandonable = {
    holder: undefined,
    abandon: () => {
      guard(() => run.span.setAttribute(ATTR_ABANDONED, true));
      run.end();
    },
  };
  const end = (error?: unknown) => {
    released(held);
    run.end(error);
  };
  heldBy(iterator, held, 'iterator');
  const own = (key: string) => Object.getOwnPropertyDescriptor(iterator, key)?.enumerable ?? false;
  const define = (key: string, method: Method) =>
    Object.defineProperty(iterator, key, { value: method, writable: true, configurable: true, enumerable: own(key) });
  define('next', function (this: unknown, ...args: unknown[]) {
    return (context.with(inner, () => next.apply(this, args)) as Promise<IteratorResult<unknown>>).then(
      (result) => {
        if (result?.done) end();
        return result;
      },
      (error: unknown) => {
        end(error);
        throw error;
      },
    );
  });
  for (const key of ['return', 'throw'] as const) {
    const method = iterator[key];
    if (typeof method !== 'function') continue;
    define(key, function (this: unknown, ...args: unknown[]) {
      end(key === 'throw' ? args[0] : undefined);
      return context.with(inner, () => (method as Method).apply(this, args));
    });
  }
  return true;
}
