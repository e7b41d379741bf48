/**
 * Limits on what dsconform accepts as input (scenarios, cluster descriptions, `--nodes`), so that
 * a typo or a hostile file is refused in one line instead of crashing (a stack overflow, an
 * invalid date) or running for hours. docs/limits.md lists them all and why they are where they are.
 */
export const INPUT_LIMITS = {
  /**
   * Nodes in one simulated cluster (a scenario's, a cluster description's, `simulate --nodes`):
   * the largest cluster Kubernetes supports (https://kubernetes.io/docs/setup/best-practices/cluster-large/).
   */
  maxNodes: 5_000,
  /** Steps in one scenario. */
  maxSteps: 10_000,
  /**
   * Any one span of virtual time a scenario gives (an `advance`, a settle's `advanceTime`, a
   * quiesce's `maxAdvanceSeconds`, a grace period, a kubelet delay): a year. With at most
   * maxSteps steps the virtual clock stays a valid date (JavaScript dates end in the year 275760).
   */
  maxSeconds: 31_536_000,
  /** A settle's `maxRounds`. */
  maxRounds: 100_000,
} as const;

/** "at most 5000 nodes"-style message for a limit. */
export function atMost(limit: number, what: string): string {
  return `at most ${limit} ${what} (docs/limits.md)`;
}
