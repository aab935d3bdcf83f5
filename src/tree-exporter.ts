/**
 * A span exporter that prints each finished trace as a tree in the terminal: agent, model and tool
 * spans with their duration, tokens, estimated cost (while cost is on), finish reason and errors,
 * children in start order, and the token and cost totals of the whole trace on its root. Colours
 * when the output is a TTY, plain text otherwise.
 *
 * A trace is printed when its root span (one with no parent here) is exported; spans whose root
 * never comes (a remote parent) are printed on `forceFlush()` / `shutdown()`.
 */
import type { Attributes, HrTime, SpanContext } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_GEN_AI_OPERATION_NAME,
  ATTR_GEN_AI_RESPONSE_FINISH_REASONS,
  ATTR_GEN_AI_USAGE_INPUT_TOKENS,
  ATTR_GEN_AI_USAGE_OUTPUT_TOKENS,
  ATTR_TOOL_INFERRED,
  ATTR_USAGE_COST,
  GEN_AI_OPERATION_CHAT,
  GEN_AI_OPERATION_EMBEDDINGS,
  GEN_AI_OPERATION_EXECUTE_TOOL,
  GEN_AI_OPERATION_INVOKE_AGENT,
  GEN_AI_OPERATION_GENERATE_CONTENT,
  GEN_AI_OPERATION_TEXT_COMPLETION,
} from './semconv';

/** What the exporter reads of an SDK `ReadableSpan`. */
export interface TreeSpan {
  name: string;
  spanContext(): SpanContext;
  parentSpanContext?: SpanContext;
  startTime: HrTime;
  duration: HrTime;
  attributes: Attributes;
  status: { code: SpanStatusCode; message?: string };
}

export interface TreeExporterOptions {
  /** Where the trees go. Default: process.stdout. */
  write?: (text: string) => void;
  /** ANSI colours. Default: whether process.stdout is a TTY. */
  colors?: boolean;
  /** Print durations (tests that compare output exactly turn them off). Default true. */
  durations?: boolean;
}

interface Node {
  span: TreeSpan;
  children: Node[];
}

const COLORS = {
  reset: '\u001b[0m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  red: '\u001b[31m',
  cyan: '\u001b[36m',
  magenta: '\u001b[35m',
  yellow: '\u001b[33m',
};
const OPERATION_COLOR: Record<string, string> = {
  [GEN_AI_OPERATION_INVOKE_AGENT]: COLORS.magenta,
  [GEN_AI_OPERATION_CHAT]: COLORS.cyan,
  [GEN_AI_OPERATION_EMBEDDINGS]: COLORS.cyan,
  [GEN_AI_OPERATION_GENERATE_CONTENT]: COLORS.cyan,
  [GEN_AI_OPERATION_TEXT_COMPLETION]: COLORS.cyan,
  [GEN_AI_OPERATION_EXECUTE_TOOL]: COLORS.yellow,
};
/** The model calls, whose tokens a trace's total adds up. */
const MODEL_OPERATIONS: ReadonlySet<string> = new Set([
  GEN_AI_OPERATION_CHAT,
  GEN_AI_OPERATION_EMBEDDINGS,
  GEN_AI_OPERATION_GENERATE_CONTENT,
  GEN_AI_OPERATION_TEXT_COMPLETION,
]);
const NAME_WIDTH_LIMIT = 60;

function nanos(time: HrTime): number {
  return time[0] * 1e9 + time[1];
}

export function formatDuration(duration: HrTime): string {
  const ms = nanos(duration) / 1e6;
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function tokens(span: TreeSpan): [number, number] {
  const input = span.attributes[ATTR_GEN_AI_USAGE_INPUT_TOKENS];
  const output = span.attributes[ATTR_GEN_AI_USAGE_OUTPUT_TOKENS];
  return [typeof input === 'number' ? input : 0, typeof output === 'number' ? output : 0];
}

/** Tokens of the model calls in a subtree (an agent span's own totals would count them twice). */
function modelTokens(node: Node): [number, number] {
  const operation = node.span.attributes[ATTR_GEN_AI_OPERATION_NAME];
  const own: [number, number] = MODEL_OPERATIONS.has(operation as string) ? tokens(node.span) : [0, 0];
  return node.children.reduce<[number, number]>((sum, child) => {
    const [input, output] = modelTokens(child);
    return [sum[0] + input, sum[1] + output];
  }, own);
}

/** A model call's estimated cost, or undefined when it has none. */
function cost(span: TreeSpan): number | undefined {
  const usd = span.attributes[ATTR_USAGE_COST];
  return typeof usd === 'number' ? usd : undefined;
}

/** What the model calls of a subtree cost; `complete` is false when one of them reported tokens and got no cost. */
function modelCost(node: Node): { usd: number | undefined; complete: boolean } {
  let usd: number | undefined;
  let complete = true;
  const visit = (each: Node) => {
    if (MODEL_OPERATIONS.has(each.span.attributes[ATTR_GEN_AI_OPERATION_NAME] as string)) {
      const own = cost(each.span);
      if (own !== undefined) usd = (usd ?? 0) + own;
      else if (tokens(each.span).some((count) => count > 0)) complete = false;
    }
    each.children.forEach(visit);
  };
  visit(node);
  return { usd, complete };
}

/** Made on the first cost printed: a trace without one (cost off) never needs it. */
let usdFormat: Intl.NumberFormat | undefined;

/** Four significant digits, never in exponent form: `$0.005749`, `$0.0000002`, `$12.35`. */
function formatCost(usd: number): string {
  usdFormat ??= new Intl.NumberFormat('en-US', { maximumSignificantDigits: 4, maximumFractionDigits: 20, useGrouping: false });
  return `$${usdFormat.format(usd)}`;
}

export class GenAITreeExporter {
  private readonly pending = new Map<string, TreeSpan[]>();
  private readonly write: (text: string) => void;
  private readonly colors: boolean;
  private readonly durations: boolean;

  constructor(options: TreeExporterOptions = {}) {
    this.write = options.write ?? ((text) => process.stdout.write(text));
    this.colors = options.colors ?? process.stdout.isTTY === true;
    this.durations = options.durations ?? true;
  }

  export(spans: TreeSpan[], resultCallback: (result: { code: number; error?: Error }) => void): void {
    try {
      const complete = new Set<string>();
      for (const span of spans) {
        const traceId = span.spanContext().traceId;
        let trace = this.pending.get(traceId);
        if (trace === undefined) this.pending.set(traceId, (trace = []));
        trace.push(span);
        if (span.parentSpanContext === undefined) complete.add(traceId);
      }
      for (const traceId of complete) this.print(traceId);
      resultCallback({ code: 0 });
    } catch (error) {
      resultCallback({ code: 1, error: error as Error });
    }
  }

  forceFlush(): Promise<void> {
    for (const traceId of [...this.pending.keys()]) this.print(traceId);
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }

  private print(traceId: string): void {
    const spans = this.pending.get(traceId) ?? [];
    this.pending.delete(traceId);
    this.write(this.render(spans));
  }

  /** The trees of one trace's spans, as text. */
  render(spans: TreeSpan[]): string {
    const nodes = new Map<string, Node>();
    for (const span of spans) nodes.set(span.spanContext().spanId, { span, children: [] });
    const roots: Node[] = [];
    for (const node of nodes.values()) {
      const parent = node.span.parentSpanContext ? nodes.get(node.span.parentSpanContext.spanId) : undefined;
      (parent?.children ?? roots).push(node);
    }
    const byStart = (a: Node, b: Node) => nanos(a.span.startTime) - nanos(b.span.startTime);
    const sortTree = (list: Node[]) => {
      list.sort(byStart);
      for (const node of list) sortTree(node.children);
    };
    sortTree(roots);
    const rows: Array<{ prefix: string; node: Node; root: boolean }> = [];
    const walk = (node: Node, prefix: string, childPrefix: string, root: boolean) => {
      rows.push({ prefix, node, root });
      node.children.forEach((child, index) => {
        const last = index === node.children.length - 1;
        walk(child, `${childPrefix}${last ? '└─ ' : '├─ '}`, `${childPrefix}${last ? '   ' : '│  '}`, false);
      });
    };
    for (const root of roots) walk(root, '', '', true);
    const width = Math.min(NAME_WIDTH_LIMIT, Math.max(...rows.map((row) => row.prefix.length + this.label(row.node.span).length)));
    return `${rows.map((row) => this.row(row.prefix, row.node, row.root, width)).join('\n')}\n`;
  }

  private label(span: TreeSpan): string {
    return span.attributes[ATTR_TOOL_INFERRED] === true ? `${span.name} (inferred)` : span.name;
  }

  private row(prefix: string, node: Node, root: boolean, width: number): string {
    const span = node.span;
    const label = this.label(span);
    const failed = span.status.code === SpanStatusCode.ERROR;
    const totals = root && node.children.length > 0;
    const columns: string[] = [];
    if (this.durations) columns.push(formatDuration(span.duration).padStart(8));
    const [input, output] = totals ? modelTokens(node) : tokens(span);
    if (input > 0 || output > 0) columns.push(`in ${input}`.padEnd(9), `out ${output}`.padEnd(9));
    // A total that leaves out a call the prices did not cover is only a lower bound, and says so.
    const { usd, complete } = totals ? modelCost(node) : { usd: cost(span), complete: true };
    if (usd !== undefined) columns.push(`${complete ? '' : '≥ '}${formatCost(usd)}`.padEnd(10));
    const reasons = span.attributes[ATTR_GEN_AI_RESPONSE_FINISH_REASONS];
    if (failed) {
      columns.push(this.paint(COLORS.red, `✗ ${String(span.attributes[ATTR_ERROR_TYPE] ?? span.status.message ?? 'error')}`));
    } else if (Array.isArray(reasons)) {
      columns.push(reasons.join(','));
    }
    if (totals) columns.push(this.paint(COLORS.dim, '(trace total)'));
    const name = label.padEnd(width - prefix.length);
    const color = failed ? COLORS.red : (OPERATION_COLOR[span.attributes[ATTR_GEN_AI_OPERATION_NAME] as string] ?? '');
    return `${this.paint(COLORS.dim, prefix)}${this.paint(color, root ? this.paint(COLORS.bold, name) : name)}  ${columns.join('  ')}`.trimEnd();
  }

  private paint(color: string, text: string): string {
    return this.colors && color !== '' && text !== '' ? `${color}${text}${COLORS.reset}` : text;
  }
}
