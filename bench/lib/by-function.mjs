// Instructions by function, for `bench/instructions.mjs --by-function`: what one contender executes
// per warm call or chunk beyond another, function by function. A whole-run difference mixes the
// contenders' own work with where V8's collector happened to run a major collection in the counted
// window; by function, the two come apart. Scavenges are told apart from the rest of the collector:
// they follow what each contender allocates.

/**
 * callgrind_annotate's function listing as a map from function to instructions; V8's generated code
 * has no symbols and is one row. Annotated source, which follows the listing, is not read.
 */
export function parseAnnotate(text) {
  const functions = new Map();
  let listing = false;
  for (const line of text.split('\n')) {
    if (!listing) {
      listing = /^Ir\s+file:function/.test(line);
      continue;
    }
    if (line.startsWith('-- ')) break;
    const match = /^\s*([\d,]+) \([^)]*\)\s+(.+)$/.exec(line);
    if (match === null) continue;
    const name = match[2].startsWith('???:0x') ? JIT_CODE : match[2].replace(/^\?\?\?:/, '').replace(/ \[[^\]]*\]$/, '');
    functions.set(name, (functions.get(name) ?? 0) + Number(match[1].replaceAll(',', '')));
  }
  return functions;
}

export const JIT_CODE = 'code V8 compiled at run time (JavaScript, IC handlers)';

/** V8's own garbage collector: its marking, sweeping, evacuation, scavenges. */
const COLLECTOR =
  /^(?:void |int |bool |unsigned long |heap::base::\S+ )?(?:v8::internal::|heap::base::)\S*(?:Mark|Sweep|Evacuat|Scaveng|RememberedSet|LiveObject|WriteBarrier|Worklist|IteratePointers|RecordMigratedSlot|HeapObject::SizeFromMap|Heap::)/;

/**
 * The collector, and the write barrier's out-of-line part (`RecordWrite`), whose cost depends on
 * whether incremental marking is under way.
 */
export function isCollector(name) {
  return COLLECTOR.test(name) || name.startsWith('Builtins_RecordWrite');
}

/** The young generation's collections, whose count follows allocation rather than when a major collection ran. */
const SCAVENGE = /Scaveng|EvacuationAllocator::AllocateInNewSpace|EvacuateInPlace/;

export function isScavenge(name) {
  return isCollector(name) && SCAVENGE.test(name);
}

/**
 * Per unit (call or chunk) of the N1→N2 difference, for the contender and the baseline, and the
 * contender's excess, largest first. `contender` and `baseline` each hold their N1 and N2 listings.
 */
export function excessByFunction({ contender, baseline }, units) {
  const perUnit = ({ n1, n2 }) => {
    const result = new Map();
    for (const name of new Set([...n1.keys(), ...n2.keys()])) result.set(name, ((n2.get(name) ?? 0) - (n1.get(name) ?? 0)) / units);
    return result;
  };
  const ours = perUnit(contender);
  const base = perUnit(baseline);
  const rows = [];
  for (const name of new Set([...ours.keys(), ...base.keys()])) {
    const value = ours.get(name) ?? 0;
    const baseValue = base.get(name) ?? 0;
    rows.push({ name, baseline: baseValue, contender: value, excess: value - baseValue, collector: isCollector(name) });
  }
  rows.sort((a, b) => Math.abs(b.excess) - Math.abs(a.excess));
  const sum = (pick) => rows.reduce((total, row) => total + pick(row), 0);
  return {
    rows,
    total: sum((row) => row.excess),
    collector: sum((row) => (row.collector ? row.excess : 0)),
    scavenges: sum((row) => (isScavenge(row.name) ? row.excess : 0)),
  };
}
