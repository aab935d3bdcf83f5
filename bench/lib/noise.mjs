/**
 * Every traced contender does the bare SDK's work and more, the floor included. One whose CPU time
 * came out below the bare SDK's, by more than the ±3 % a pinned process spreads, measured the host's
 * other tenants rather than itself, and so may every other row of its SDK version in that run.
 */
const SPREAD = 0.03;

/** The contenders of one workload on one SDK version that measured below its bare SDK. */
export function belowBare(group) {
  const bare = group.find((row) => row.contender === 'bare' && row.status === 'ok');
  if (!bare?.cpuBestUs) return [];
  return group.filter((row) => row.contender !== 'bare' && row.status === 'ok' && row.cpuBestUs < bare.cpuBestUs * (1 - SPREAD));
}
