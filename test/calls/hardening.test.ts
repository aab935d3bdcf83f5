/**
 * Defects found by attacking the instrumentation (issue 18), each pinned by a test that failed
 * before its fix: spans that never ended, tracer failures thrown into the app.
 */
import { trace } from '@opentelemetry/api';
import { beforeEach, describe, expect, it } from 'vitest';
import { runTool, traceTool, withAgent } from '../../src';
import { messagesContent } from '../../src/anthropic/content';
import { ContentRecorder } from '../../src/content';
import { fingerprint, toolCallLedger } from '../../src/tools';
import { registerProvider, setupTracing } from '../helpers/tracing';

const tracing = setupTracing();
beforeEach(() => tracing.exporter.reset());

describe('a tool span ends whatever its content does', () => {
  // Tool calls that belong to no instrumentation record content under their own `content` option.
  const content = { captureMessageContent: true };

  const circular = (): Record<string, unknown> => {
    const response: Record<string, unknown> = { status: 200 };
    response.self = response;
    return response;
  };

  for (const [what, value] of [
    ['a circular result (an HTTP client response)', circular()],
    ['a BigInt result (a database row count)', { rows: 10n }],
    [
      'a result whose toJSON throws',
      {
        toJSON: () => {
          throw new Error('no JSON for you');
        },
      },
    ],
  ] as const) {
    it(`with capture on: ${what}`, async () => {
      expect(runTool({ name: 'sync_tool', content }, () => value)).toBe(value);
      await expect(runTool({ name: 'async_tool', content }, async () => value)).resolves.toBe(value);
      expect(tracing.toolSpans().map((span) => [span.name, span.attributes['gen_ai.tool.call.result']])).toEqual([
        ['execute_tool sync_tool', undefined],
        ['execute_tool async_tool', undefined],
      ]);
    });
  }

  it('with capture on: circular or BigInt arguments', () => {
    const args = circular();
    expect(runTool({ name: 'lookup', arguments: args, content }, () => 'ok')).toBe('ok');
    expect(traceTool({ name: 'count', content }, (rows: bigint) => Number(rows))(3n)).toBe(3);
    expect(tracing.toolSpans().map((span) => span.name)).toEqual(['execute_tool lookup', 'execute_tool count']);
  });

  it('with a redact hook that throws', async () => {
    const redacting = {
      captureMessageContent: true,
      redact: () => {
        throw new Error('redact broke');
      },
    };
    await expect(runTool({ name: 'search', arguments: { q: 'x' }, content: redacting }, async () => ({ hits: 1 }))).resolves.toEqual({
      hits: 1,
    });
    expect(
      tracing
        .toolSpans()
        .map((span) => [span.name, span.attributes['gen_ai.tool.call.arguments'], span.attributes['gen_ai.tool.call.result']]),
    ).toEqual([['execute_tool search', undefined, undefined]]);
  });
});

describe('a tracer that throws', () => {
  it('withAgent runs the agent untraced, sync and async, and returns what it returns', async () => {
    trace.disable();
    const broken = () => {
      throw new Error('tracer broke');
    };
    trace.setGlobalTracerProvider({ getTracer: () => ({ startSpan: broken, startActiveSpan: broken }) } as never);
    try {
      expect(withAgent({ name: 'planner' }, () => 42)).toBe(42);
      await expect(withAgent({ name: 'planner' }, async () => 'planned')).resolves.toBe('planned');
      const failure = new RangeError('gave up');
      await expect(withAgent({ name: 'planner' }, () => Promise.reject(failure))).rejects.toBe(failure);
    } finally {
      trace.disable();
      registerProvider(tracing.provider);
    }
  });
});

describe('base64 payloads nested in tool results, with captureBinaryContent off', () => {
  const SCREENSHOT = Buffer.alloc(3000, 7).toString('base64');
  const PDF = Buffer.alloc(1200, 1).toString('base64');
  const recorder = ContentRecorder.from({ captureMessageContent: true })!;
  const keeping = ContentRecorder.from({ captureMessageContent: true, captureBinaryContent: true })!;

  const request = {
    model: 'claude-sonnet-5-5',
    max_tokens: 100,
    messages: [
      { role: 'user', content: 'Take a screenshot and read the attached contract.' },
      { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'computer', input: { action: 'screenshot' } }] },
      {
        role: 'user',
        content: [
          {
            type: 'tool_result',
            tool_use_id: 'toolu_1',
            content: [
              { type: 'text', text: 'Here it is.' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: SCREENSHOT } },
            ],
          },
        ],
      },
      {
        role: 'assistant',
        content: [
          {
            type: 'web_fetch_tool_result',
            tool_use_id: 'srvtoolu_1',
            content: { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF } },
          },
        ],
      },
    ],
  };

  it('an Anthropic tool_result screenshot and a server tool result PDF: their sizes, not their payloads', () => {
    const recorded = JSON.stringify(recorder.inputAttributes(messagesContent.input(request)));
    expect(recorded).not.toContain(SCREENSHOT.slice(0, 100));
    expect(recorded).not.toContain(PDF.slice(0, 100));
    expect(recorded).toContain('Here it is.');
    expect(recorded).toContain('\\"size\\":3000');
    expect(recorded).toContain('\\"size\\":1200');
    // Asked for, they are kept.
    const kept = JSON.stringify(keeping.inputAttributes(messagesContent.input(request)));
    expect(kept).toContain(SCREENSHOT.slice(0, 100));
    expect(kept).toContain(PDF.slice(0, 100));
  });

  it('a runTool result holding a data: URL or a base64 source', () => {
    const result = {
      screenshot: `data:image/png;base64,${SCREENSHOT}`,
      attachment: { mime_type: 'application/pdf', data: PDF },
      note: 'ok',
    };
    const recorded = recorder.toolValue(result, 'result')!;
    expect(recorded).not.toContain(SCREENSHOT.slice(0, 100));
    expect(recorded).not.toContain(PDF.slice(0, 100));
    expect(JSON.parse(recorded)).toEqual({
      screenshot: 'data:image/png;base64,[3000 bytes]',
      attachment: { mime_type: 'application/pdf', size: 1200 },
      note: 'ok',
    });
    // The app's object is left as it was.
    expect(result.attachment.data).toBe(PDF);
  });
});

describe('the work per response with capture off is bounded', () => {
  it('arguments over 64 KiB get no fingerprint (their repeats are not counted); smaller ones still do', () => {
    const big = JSON.stringify({ rows: 'x'.repeat(14 * 1024 * 1024) });
    expect(fingerprint(big)).toBeUndefined();
    expect(fingerprint({ rows: Array.from({ length: 100_000 }, (_, index) => index) })).toBeUndefined();
    expect(fingerprint({ location: 'Lisbon' })).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(fingerprint('x'.repeat(60 * 1024))).toMatch(/^[A-Za-z0-9_-]{16}$/);
  });

  it('a response asking for 50,000 tool calls: the ledger takes its last 1,024, the first 128 of those fingerprinted', () => {
    const calls = Array.from({ length: 50_000 }, (_, index) => ({ id: `bulk_${index}`, name: 'noop', arguments: { index } }));
    toolCallLedger.expect(calls, Date.now());
    expect(toolCallLedger.take('bulk_48975')).toBeUndefined();
    expect(toolCallLedger.take('bulk_48976')?.fingerprint).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(toolCallLedger.take('bulk_49103')?.fingerprint).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(toolCallLedger.take('bulk_49104')).toMatchObject({ name: 'noop', fingerprint: undefined });
    expect(toolCallLedger.take('bulk_49999')).toMatchObject({ name: 'noop', fingerprint: undefined });
  });
});
