/**
 * Liveness, stated as a bound (issue 14 item 2, Anvil's eventually-stable reconciliation): once
 * the environment stops changing, a correct controller brings the cluster to the oracle's goal
 * within a number of productive controller steps and a span of virtual time that depend only on
 * the cluster it starts from, and then stays there (a converged sync writes nothing: DS-SYNC-01).
 *
 * Why these bounds hold for upstream's algorithm, and for any controller that makes progress
 * whenever it acts: every productive step changes a pod (create, delete, adopt, release), a
 * revision or the status. A pod is created at most once per node and rollout wave and deleted at
 * most once; each pod's life moves the status a bounded number of times (scheduled, started,
 * ready, available, updated, gone); revisions change once per history write. Waves: a rollout
 * replaces at least one pod per wave (maxUnavailable or maxSurge is at least 1). Time: readiness
 * waits minReadySeconds per wave, a failed pod waits out its backoff (at most 15 minutes), and
 * unsatisfied expectations expire after 5 minutes.
 */
import { BACKOFF_MAX_SECONDS } from './manage.ts';
import type { Observation } from './observation.ts';

/** Expectations older than this are treated as satisfied (ControllerExpectations' TTL). */
export const EXPECTATIONS_TIMEOUT_SECONDS = 5 * 60;

export interface SettleBound {
  /** Controller steps that write anything, at most. */
  readonly productiveSteps: number;
  /** Virtual seconds the clock may need to move, at most. */
  readonly seconds: number;
}

/** What settling from `obs` may take, at most. */
export function settleBound(obs: Observation): SettleBound {
  const nodes = obs.nodes.length;
  const pods = obs.pods.length;
  const revisions = obs.revisions.length;
  // Rollout waves: one pod per wave at least, one per node at most; plus the settling itself.
  const waves = nodes + 1;
  // Per pod that exists or will: create, adopt or release, delete, and six status moves.
  const perPod = 9;
  const podsInPlay = pods + nodes * waves;
  const productiveSteps = perPod * podsInPlay + 2 * revisions + 2 * waves + 10;
  const minReady = obs.daemonSet?.spec.minReadySeconds ?? 0;
  const seconds = BACKOFF_MAX_SECONDS + EXPECTATIONS_TIMEOUT_SECONDS + waves * (minReady + 1);
  return { productiveSteps, seconds };
}
