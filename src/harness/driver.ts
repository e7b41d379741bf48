/**
 * A controller under test, as the simulated cluster drives it: one step consumes what its
 * informers would see and issues its writes. The reference controller runs in-process; other
 * implementations run behind a process boundary (src/protocol) with the same shape.
 */
export interface ControllerDriver {
  readonly name: string;
  /**
   * Each write's outcome is known before the next write is issued (the in-process reference), so
   * the controller can stop its slow-start creates after a failure (DS-SYNC-03). A protocol
   * process sends a step's writes as one list and learns their outcomes on its next step.
   */
  readonly writesOneByOne?: boolean;
  /** One reconcile step; true if it wrote anything. */
  step(): Promise<boolean> | boolean;
  /** The controller process restarts: in-memory state (expectations, backoff, queues) is lost. */
  restart(): Promise<void> | void;
  /**
   * The informers' periodic resync (every 12–24 h upstream): every DaemonSet is seen as updated
   * again, so a controller that missed an event gets another chance. Quiescence ends with one.
   */
  resync(): void;
  /**
   * The controller's watches broke since its last step (WATCH_RELISTED): the events in between
   * are lost, and before its next step its informers LIST again, inferring deletions
   * (tombstones). False if the implementation cannot be told (a process that does not declare
   * the `relist` capability): its events then arrive as usual.
   */
  relist(): boolean;
  /**
   * The controller's pod informer falls one step behind (POD_INFORMER_LAGS): its next step gets
   * none of the pod watch events since its previous step; they come, in order, with the step
   * after. Every implementation can be told (it only delays what it is given).
   */
  lagPodEvents(): void;
  /** Its next step gets every watch event since its previous step twice (WATCH_EVENTS_DUPLICATED). */
  duplicateEvents(): void;
  /** Virtual time (ms) at which the controller next wants to run without any new event, if any. */
  nextWakeupMs(): number | undefined;
  /** Releases whatever the driver holds (watches, processes). */
  dispose(): Promise<void> | void;
}
