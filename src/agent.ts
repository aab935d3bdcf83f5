/**
 * Agent runs: one `invoke_agent` span as the active context of everything the run does, and the
 * loop and budget signals gathered from the model and tool calls inside it. Budgets only annotate
 * the span; they never stop the agent. The span is the conventions' in-process (INTERNAL) one, which
 * has no `gen_ai.agent.id`, `.agent.version`, `gen_ai.provider.name` or cache token sums
 * (semantic-conventions-genai #242, #322, #289, #469; spans.yaml @88eccb15).
 */
import { context, createContextKey, diag, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Attributes, Context, Span } from '@opentelemetry/api';
import { roundUsd } from './cost';
import type { Estimate } from './cost';
import { errorTypeOf, globalLogger, guard, messageOf, recordException } from './errors';
import { nonEmptyString, putString, spanSeconds } from './values';
import { RunMetrics } from './metrics';
import {
  ATTR_AGENT_BUDGETS_EXCEEDED,
  ATTR_AGENT_MAX_TOOL_REPEATS,
  ATTR_AGENT_MODEL_CALLS,
  ATTR_AGENT_TOOL_CALLS,
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_AGENT_DESCRIPTION,
  ATTR_GEN_AI_AGENT_NAME,
  ATTR_GEN_AI_CONVERSATION_ID,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_REQUEST_MODEL,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_USAGE_COST,
  ATTR_USAGE_COST_SOURCE,
  EVENT_AGENT_BUDGET_EXCEEDED,
  GEN_AI_OPERATION_INVOKE_AGENT,
} from './semconv';
import { PACKAGE_NAME, PACKAGE_VERSION } from './version';

export interface AgentOptions {
  /** `gen_ai.agent.name`; the span is `invoke_agent {name}`. */
  name?: string;
  description?: string;
  /** A real conversation or thread id, never a generated one. */
  conversationId?: string;
  /**
   * `gen_ai.request.model`, on the span and the run's duration metric: only for an agent that can
   * use this one model, never for one that picks among models.
   */
  model?: string;
  /** Annotate the span when the run makes more model calls than this. */
  maxModelCalls?: number;
  /** Annotate the span when the run makes more tool calls than this. */
  maxToolCalls?: number;
  /** Annotate the span when one tool is called this many times with the same arguments. */
  repeatThreshold?: number;
}

const AGENT_RUN = createContextKey('otel-genai agent run');

export class AgentRun {
  readonly span: Span;
  readonly context: Context;
  private modelCalls = 0;
  private toolCalls = 0;
  /** Undefined until a model call reports them: a run whose calls reported no usage gets none (never zeros). */
  private inputTokens: number | undefined;
  private outputTokens: number | undefined;
  /** Undefined until a model call is priced; the sources of its costs, in the order they came. */
  private costUsd: number | undefined;
  private readonly costSources: string[] = [];
  /** Model calls that reported usage no price covered: the run's cost is then unknown, and it gets none. */
  private unpricedCalls = 0;
  private maxRepeats = 0;
  private finishReasons: string[] | undefined;
  private readonly repeats = new Map<string, number>();
  private readonly exceeded: string[] = [];
  private ended = false;
  private readonly startedAt = performance.now();

  constructor(
    private readonly options: AgentOptions,
    parent: Context = context.active(),
  ) {
    const attributes: Attributes = { [ATTR_GEN_AI_OPERATION_NAME]: GEN_AI_OPERATION_INVOKE_AGENT };
    const agentName = nonEmptyString(options.name);
    if (agentName) attributes[ATTR_GEN_AI_AGENT_NAME] = agentName;
    putString(attributes, ATTR_GEN_AI_AGENT_DESCRIPTION, options.description);
    putString(attributes, ATTR_GEN_AI_CONVERSATION_ID, options.conversationId);
    putString(attributes, ATTR_GEN_AI_REQUEST_MODEL, options.model);
    const name = agentName ? `${GEN_AI_OPERATION_INVOKE_AGENT} ${agentName}` : GEN_AI_OPERATION_INVOKE_AGENT;
    this.span = trace.getTracer(PACKAGE_NAME, PACKAGE_VERSION).startSpan(name, { kind: SpanKind.INTERNAL, attributes }, parent);
    this.context = trace.setSpan(parent, this.span).setValue(AGENT_RUN, this);
  }

  /** `gen_ai.agent.name`, which the tool calls inside the run carry on their metric. */
  get name(): string | undefined {
    return nonEmptyString(this.options.name);
  }

  /** A model call's end; the last one's finish reasons are the run's, on its span. */
  recordModelCall(
    inputTokens: number | undefined,
    outputTokens: number | undefined,
    finishReasons: string[] | undefined,
    cost?: Estimate,
  ): void {
    this.modelCalls++;
    if (finishReasons !== undefined) this.finishReasons = finishReasons;
    if (inputTokens !== undefined) this.inputTokens = (this.inputTokens ?? 0) + inputTokens;
    if (outputTokens !== undefined) this.outputTokens = (this.outputTokens ?? 0) + outputTokens;
    if (cost === null) this.unpricedCalls++;
    else if (cost !== undefined) {
      this.costUsd = (this.costUsd ?? 0) + cost.usd;
      if (!this.costSources.includes(cost.source)) this.costSources.push(cost.source);
    }
    this.checkBudget('model_calls', this.options.maxModelCalls, this.modelCalls === (this.options.maxModelCalls ?? 0) + 1);
  }

  recordToolCall(fingerprint: string | undefined): void {
    this.toolCalls++;
    this.checkBudget('tool_calls', this.options.maxToolCalls, this.toolCalls === (this.options.maxToolCalls ?? 0) + 1);
    if (fingerprint === undefined) return;
    const repeats = (this.repeats.get(fingerprint) ?? 0) + 1;
    this.repeats.set(fingerprint, repeats);
    if (repeats > this.maxRepeats) this.maxRepeats = repeats;
    this.checkBudget('tool_repeats', this.options.repeatThreshold, repeats === this.options.repeatThreshold);
  }

  end(error?: unknown, failed = error !== undefined): void {
    if (this.ended) return;
    this.ended = true;
    const endedAt = performance.now();
    guard(() => {
      this.span.setAttributes({
        [ATTR_AGENT_MODEL_CALLS]: this.modelCalls,
        [ATTR_AGENT_TOOL_CALLS]: this.toolCalls,
        [ATTR_AGENT_MAX_TOOL_REPEATS]: this.maxRepeats,
      });
      if (this.inputTokens !== undefined) this.span.setAttribute(ATTR_GEN_AI_USAGE_INPUT_TOKENS, this.inputTokens);
      if (this.outputTokens !== undefined) this.span.setAttribute(ATTR_GEN_AI_USAGE_OUTPUT_TOKENS, this.outputTokens);
      if (this.costUsd !== undefined && this.unpricedCalls === 0) {
        this.span.setAttribute(ATTR_USAGE_COST, roundUsd(this.costUsd));
        this.span.setAttribute(ATTR_USAGE_COST_SOURCE, this.costSources.join(','));
      }
      if (this.finishReasons !== undefined) this.span.setAttribute(ATTR_GEN_AI_RESPONSE_FINISH_REASONS, this.finishReasons);
      if (this.exceeded.length > 0) this.span.setAttribute(ATTR_AGENT_BUDGETS_EXCEEDED, this.exceeded);
    });
    if (failed) {
      guard(() => this.span.setAttribute(ATTR_ERROR_TYPE, errorTypeOf(error)));
      guard(() => this.span.setStatus({ code: SpanStatusCode.ERROR, message: messageOf(error) }));
      guard(() => recordException(this.span, error, { logger: globalLogger, name: undefined }));
    }
    // Apart, so that a failure in recording what the run did never leaves its span open.
    guard(() => this.span.end());
    guard(() => {
      const metrics = RunMetrics.global();
      if (metrics === undefined) return;
      const seconds = spanSeconds(this.span) ?? (endedAt - this.startedAt) / 1000;
      const named: Attributes = {};
      if (this.name !== undefined) named[ATTR_GEN_AI_AGENT_NAME] = this.name;
      const attributes: Attributes = { ...named };
      putString(attributes, ATTR_GEN_AI_REQUEST_MODEL, this.options.model);
      if (failed) attributes[ATTR_ERROR_TYPE] = errorTypeOf(error);
      metrics.recordAgent(seconds, { inference: this.modelCalls, tool: this.toolCalls }, attributes, named);
    });
  }

  /** When a budget is first crossed: an event now, and the budget named on the span at its end. */
  private checkBudget(budget: string, limit: number | undefined, crossed: boolean): void {
    if (limit === undefined || !crossed || this.exceeded.includes(budget)) return;
    this.exceeded.push(budget);
    guard(() => this.span.addEvent(EVENT_AGENT_BUDGET_EXCEEDED, { budget, limit }));
  }
}

/** The agent run whose context `ctx` is in, if any. */
export function agentRunOf(ctx: Context): AgentRun | undefined {
  return ctx.getValue(AGENT_RUN) as AgentRun | undefined;
}

/**
 * Runs `fn` as one agent run: an `invoke_agent {name}` span is the active context for everything
 * inside, model calls and tool calls included. Sync and async functions alike; what `fn` throws or
 * rejects with is recorded and passed on unchanged, and what it returns is returned (for a promise,
 * a promise of the same value).
 */
export function withAgent<T>(options: AgentOptions, fn: () => T): T {
  let run: AgentRun;
  try {
    run = new AgentRun(options);
  } catch (problem) {
    // A tracer that fails must not keep the agent from running: it runs untraced.
    diag.error('otel-genai: could not start an agent run; running it untraced', problem);
    return fn();
  }
  let result: T;
  try {
    result = context.with(run.context, fn);
  } catch (error) {
    run.end(error, true);
    throw error;
  }
  if (isPromiseLike(result)) {
    return Promise.resolve(result).then(
      (value) => {
        run.end();
        return value;
      },
      (error: unknown) => {
        run.end(error, true);
        throw error;
      },
    ) as T;
  }
  run.end();
  return result;
}

export function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  try {
    return typeof (value as PromiseLike<unknown> | null)?.then === 'function';
  } catch {
    // A proxy, or a `then` getter that throws: not a promise we can follow; the app gets it as it is.
    return false;
  }
}

/** How an SDK tool runner becomes one agent run: what it is called, and how its calls and end are seen. */
export interface RunnerTracing {
  /** `toolRunner()`, `runTools()`: for diag messages. */
  method: string;
  /** The run's agent options, or undefined to leave this call untraced. */
  agent(owner: unknown, args: unknown[]): AgentOptions | undefined;
  /** Traces the runner's tool calls and ends the run when the runner ends. */
  observe(runner: unknown, run: AgentRun): void;
}

/**
 * Builds an SDK tool runner as one agent run: the runner is created in the run's context with the
 * app's own arguments (never copies: the app may compare or change its params and tools), and
 * observed to trace its tools and end the run. If tracing fails, the runner is built untraced.
 */
export function runAsAgent(
  tracing: RunnerTracing,
  original: (this: unknown, ...args: unknown[]) => unknown,
  owner: unknown,
  args: unknown[],
): unknown {
  let run: AgentRun | undefined;
  try {
    const options = tracing.agent(owner, args);
    if (options !== undefined) run = new AgentRun(options);
  } catch (problem) {
    diag.error(`otel-genai: could not trace ${tracing.method}`, problem);
    run?.end();
    run = undefined;
  }
  if (run === undefined) return original.apply(owner, args);
  const agent = run;
  let runner: unknown;
  try {
    runner = context.with(agent.context, () => original.apply(owner, args));
  } catch (error) {
    agent.end(error, true);
    throw error;
  }
  try {
    tracing.observe(runner, agent);
  } catch (problem) {
    diag.error(`otel-genai: could not observe a ${tracing.method} runner`, problem);
    agent.end();
  }
  return runner;
}
