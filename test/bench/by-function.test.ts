import { beforeAll, describe, expect, it } from 'vitest';

type ByFunction = typeof import('../../bench/lib/by-function.mjs', { with: { 'resolution-mode': 'import' } });
let lib: ByFunction;
beforeAll(async () => {
  lib = await import('../../bench/lib/by-function.mjs');
});

/** callgrind_annotate's output in the shape it prints, with annotated source after the listing. */
function annotate(rows: Array<[number, string]>): string {
  const total = rows.reduce((sum, [count]) => sum + count, 0);
  return [
    '--------------------------------------------------------------------------------',
    'Ir                     ',
    '--------------------------------------------------------------------------------',
    `${total.toLocaleString('en')} (100.0%)  PROGRAM TOTALS`,
    '',
    '--------------------------------------------------------------------------------',
    'Ir                    file:function',
    '--------------------------------------------------------------------------------',
    ...rows.map(([count, name]) => `${count.toLocaleString('en')} ( 1.00%)  ${name}`),
    '',
    '--------------------------------------------------------------------------------',
    '-- Auto-annotated source: /usr/include/x86_64-linux-gnu/bits/string_fortified.h',
    '--------------------------------------------------------------------------------',
    '3,000 ( 0.00%)    return __builtin___memcpy_chk (__dest, __src, __len, __bos0 (__dest));',
  ].join('\n');
}

describe('bench: instructions by function', () => {
  it('reads the function listing only: the totals line and annotated source are not functions', () => {
    const functions = lib.parseAnnotate(
      annotate([
        [5_000, '???:0x000000000d0a5bc0 [???]'],
        [2_000, '???:0x000000000d0b2980 [???]'],
        [1_234_567, '???:Builtins_PromisePrototypeThen [/usr/bin/node]'],
        [42, 'string_fortified.h:memcpy [/usr/lib/x86_64-linux-gnu/libc.so.6]'],
      ]),
    );
    expect([...functions]).toEqual([
      [lib.JIT_CODE, 7_000],
      ['Builtins_PromisePrototypeThen', 1_234_567],
      ['string_fortified.h:memcpy', 42],
    ]);
  });

  it('tells the garbage collector and its write barrier from the rest', () => {
    expect(lib.isCollector('v8::internal::MarkCompactCollector::ProcessMarkingWorklist(unsigned long)')).toBe(true);
    expect(
      lib.isCollector('void v8::internal::MarkingVisitorBase<v8::internal::MainMarkingVisitor<v8::internal::MarkingState>>::VisitPointers'),
    ).toBe(true);
    expect(
      lib.isCollector('heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(x)'),
    ).toBe(true);
    expect(lib.isCollector('v8::internal::Sweeper::RawSweep(v8::internal::Page*)')).toBe(true);
    expect(lib.isCollector('Builtins_RecordWriteSaveFP')).toBe(true);
    expect(lib.isCollector('Builtins_PromisePrototypeThen')).toBe(false);
    expect(lib.isCollector('int v8::internal::BinarySearch<(v8::internal::SearchMode)0, v8::internal::TransitionArray>(x)')).toBe(false);
    expect(lib.isCollector(lib.JIT_CODE)).toBe(false);
    expect(
      lib.isScavenge('heap::base::SlotCallbackResult v8::internal::Scavenger::ScavengeObject<v8::internal::FullHeapObjectSlot>(x)'),
    ).toBe(true);
    expect(lib.isScavenge('v8::internal::EvacuationAllocator::AllocateInNewSpace(int, v8::internal::AllocationOrigin)')).toBe(true);
    expect(lib.isScavenge('v8::internal::MarkCompactCollector::ProcessMarkingWorklist(unsigned long)')).toBe(false);
  });

  it("divides each function's N1→N2 growth by the units between, and sorts the contender's excess by size", () => {
    const map = (entries: Record<string, number>) => new Map(Object.entries(entries));
    const THEN = 'Builtins_PromisePrototypeThen';
    const MARK = 'v8::internal::MarkCompactCollector::ProcessMarkingWorklist(unsigned long)';
    const SCAVENGE = 'v8::internal::Scavenger::Process(v8::JobDelegate*)';
    const { rows, total, collector, scavenges } = lib.excessByFunction(
      {
        baseline: {
          n1: map({ [THEN]: 1_000, [MARK]: 0, [SCAVENGE]: 0, sdk: 10_000 }),
          n2: map({ [THEN]: 3_000, [MARK]: 4_000, [SCAVENGE]: 500, sdk: 30_000 }),
        },
        contender: {
          n1: map({ [THEN]: 1_500, [SCAVENGE]: 0, sdk: 10_000, ours: 100 }),
          n2: map({ [THEN]: 5_500, [SCAVENGE]: 1_500, sdk: 30_000, ours: 2_100 }),
        },
      },
      100,
    );
    expect(rows.map((row) => [row.name, row.baseline, row.contender, row.excess, row.collector])).toEqual([
      [MARK, 40, 0, -40, true],
      [THEN, 20, 40, 20, false],
      ['ours', 0, 20, 20, false],
      [SCAVENGE, 5, 15, 10, true],
      ['sdk', 200, 200, 0, false],
    ]);
    expect(total).toBe(10);
    expect(collector).toBe(-30);
    expect(scavenges).toBe(10);
  });
});
