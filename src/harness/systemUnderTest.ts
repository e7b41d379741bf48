/**
 * What the case runner drives: the model's events go in, observations in the model's terms come
 * out. The simulated cluster with a controller (SimulatedSystem) is one; a real cluster behind an
 * API server (src/k8s/kubeSystem.ts) is another.
 */
import type { DsEvent } from '../../model/events.ts';
import type { Observation } from '../../model/observation.ts';
import type { ApplyOutcome, SystemSettleResult } from './system.js';

export interface SystemUnderTest {
  /** The system now, in the model's vocabulary (a real cluster's is the last one polled). */
  observe(): Observation;
  /** Applies one model event; events that cannot apply are no-ops, as in the model. */
  apply(event: DsEvent): Promise<ApplyOutcome>;
  /** Lets the system settle as the model's healthy environment would. */
  quiesce(options?: { maxAdvanceSeconds?: number }): Promise<SystemSettleResult>;
  /** Releases (or deletes) everything the case used. */
  dispose(): Promise<void>;
  /**
   * The controller runs on its own and its informers may lag behind what the harness observes,
   * unseen (a real cluster, a served controller): which of two pods on a node survives can depend
   * on that lag, so the prediction at quiescence starts again from each change seen while settling,
   * as it does after a sync the harness knows was lagging.
   */
  readonly controllerMayLag?: boolean;
  /** Called after each controller step seen while settling, with observe() showing it. */
  onControllerStep: ((before: Observation) => void | Promise<void>) | undefined;
}
