/**
 * Two signs that a run measured the host's other tenants rather than the contenders, and so that
 * its verdicts on one SDK version judge nothing. A pinned process spreads by about ±3 %.
 */
const SPREAD = 0.03;

/**
 * Every traced contender does the bare SDK's work and more, the floor included: the contenders of
 * one workload on one SDK version whose CPU time came out more than the spread below the bare SDK's.
 */
export function belowBare(group) {
  const bare = group.find((row) => row.contender === 'bare' && row.status === 'ok');
  if (!bare?.cpuBestUs) return [];
  return group.filter((row) => row.contender !== 'bare' && row.status === 'ok' && row.cpuBestUs < bare.cpuBestUs * (1 - SPREAD));
}

/** The contenders whose rounds' CPU times differ by more than twice the spread (max over min). */
export function unsteady(group) {
  return group.filter((row) => row.status === 'ok' && row.cpuMinUs > 0 && row.cpuMaxUs / row.cpuMinUs > 1 + 2 * SPREAD);
}
