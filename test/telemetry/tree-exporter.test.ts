import { SpanStatusCode } from '@opentelemetry/api';
import type { Attributes, HrTime } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { GenAITreeExporter } from '../../src';
import type { TreeSpan } from '../../src/tree-exporter';

const TRACE = '0af7651916cd43dd8448eb211c80319c';

function span(
  id: string,
  parent: string | undefined,
  name: string,
  startMs: number,
  durationMs: number,
  attributes: Attributes,
  error?: string,
): TreeSpan {
  const ms = (value: number): HrTime => [Math.floor(value / 1000), (value % 1000) * 1e6];
  return {
    name,
    spanContext: () => ({ traceId: TRACE, spanId: id, traceFlags: 1 }),
    parentSpanContext: parent === undefined ? undefined : { traceId: TRACE, spanId: parent, traceFlags: 1 },
    startTime: ms(startMs),
    duration: ms(durationMs),
    attributes: error === undefined ? attributes : { ...attributes, 'error.type': error },
    status: { code: error === undefined ? SpanStatusCode.UNSET : SpanStatusCode.ERROR },
  };
}

const chat = (input: number, output: number, reason: string) => ({
  'gen_ai.operation.name': 'chat',
  'gen_ai.usage.input_tokens': input,
  'gen_ai.usage.output_tokens': output,
  'gen_ai.response.finish_reasons': [reason],
});
const tool = { 'gen_ai.operation.name': 'execute_tool' };

// Children end (and are exported) before their parents, in any order.
const agentTrace = [
  span('c2', 'a1', 'chat claude-sonnet-5-5', 1400, 1200, chat(702, 18, 'end_turn')),
  span('t1', 'a1', 'execute_tool get_weather', 1310, 80, { ...tool, 'otel_genai.tool.inferred': true }),
  span('t2', 'a1', 'execute_tool convert_currency', 1320, 5, tool, 'Error'),
  span('c1', 'a1', 'chat claude-sonnet-5-5', 1000, 300, chat(583, 64, 'tool_use')),
  span('a1', undefined, 'invoke_agent weather', 990, 1620, {
    'gen_ai.operation.name': 'invoke_agent',
    'gen_ai.usage.input_tokens': 1285,
    'gen_ai.usage.output_tokens': 82,
  }),
];

function capture(options: { colors?: boolean; durations?: boolean } = {}) {
  const output: string[] = [];
  const exporter = new GenAITreeExporter({ colors: false, ...options, write: (text) => output.push(text) });
  return { exporter, output };
}

describe('the tree exporter', () => {
  it('prints a finished trace as a tree: children in start order, totals on the root, errors marked', () => {
    const { exporter, output } = capture();
    const results: number[] = [];
    exporter.export(agentTrace.slice(0, 4), (result) => results.push(result.code));
    expect(output).toEqual([]); // the root has not ended yet
    exporter.export(agentTrace.slice(4), (result) => results.push(result.code));
    expect(results).toEqual([0, 0]);
    expect(output.join('')).toBe(
      [
        'invoke_agent weather                      1.62 s  in 1285    out 82     (trace total)',
        '├─ chat claude-sonnet-5-5                 300 ms  in 583     out 64     tool_use',
        '├─ execute_tool get_weather (inferred)     80 ms',
        '├─ execute_tool convert_currency            5 ms  ✗ Error',
        '└─ chat claude-sonnet-5-5                 1.20 s  in 702     out 18     end_turn',
        '',
      ].join('\n'),
    );
  });

  it('without durations, and in colour on a TTY', () => {
    const plain = capture({ durations: false });
    plain.exporter.export(agentTrace, () => {});
    expect(plain.output.join('').split('\n')[0]).toBe('invoke_agent weather                    in 1285    out 82     (trace total)');
    const coloured = capture({ colors: true });
    coloured.exporter.export(agentTrace, () => {});
    const text = coloured.output.join('');
    expect(text).toContain('\u001b[31m✗ Error\u001b[0m');
    expect(text).toContain('\u001b[36m');
    // eslint-disable-next-line no-control-regex -- the ANSI escapes the coloured output is made of
    expect(text.replace(/\u001b\[\d+m/g, '')).toBe(capture().exporter.render(agentTrace));
  });

  it('prints traces whose root never came on forceFlush', async () => {
    const { exporter, output } = capture({ durations: false });
    exporter.export([span('c9', 'remote', 'chat gpt-4o-mini', 0, 10, chat(31, 8, 'stop'))], () => {});
    expect(output).toEqual([]);
    await exporter.forceFlush();
    expect(output.join('')).toBe('chat gpt-4o-mini  in 31      out 8      stop\n');
  });
});
