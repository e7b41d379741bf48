/** The reference controller (src/controller) as a ControllerDriver, in-process. */
import type { SimulatedCluster } from '../cluster/cluster.js';
import { objectKey } from '../cluster/objects.js';
import { DaemonSetController, type DaemonSetControllerOptions } from '../controller/controller.js';
import type { ControllerDriver } from './driver.js';

export class ReferenceDriver implements ControllerDriver {
  readonly name: string = 'daemonset-controller';
  readonly writesOneByOne = true;
  #controller: DaemonSetController;
  readonly #cluster: SimulatedCluster;
  readonly #options: DaemonSetControllerOptions;
  /** WATCH_RELISTED: the informers LIST again just before the next step (as a protocol process's next sync does). */
  #relistAtNextStep = false;
  /** POD_INFORMER_LAGS: the next step consumes no pod watch events. */
  #lagPodsAtNextStep = false;
  /** WATCH_EVENTS_DUPLICATED: the next step consumes each pending event twice. */
  #duplicateAtNextStep = false;

  constructor(cluster: SimulatedCluster, options: DaemonSetControllerOptions = {}) {
    this.#cluster = cluster;
    this.#options = options;
    this.#controller = new DaemonSetController(cluster.store, options);
  }

  get controller(): DaemonSetController {
    return this.#controller;
  }

  step(): boolean {
    if (this.#relistAtNextStep) this.#controller.relist();
    const lag = this.#lagPodsAtNextStep && !this.#relistAtNextStep;
    const duplicate = this.#duplicateAtNextStep && !this.#relistAtNextStep;
    this.#relistAtNextStep = false;
    this.#lagPodsAtNextStep = false;
    this.#duplicateAtNextStep = false;
    return this.#controller.step({ holdPodEvents: lag, duplicateEvents: duplicate });
  }

  duplicateEvents(): void {
    this.#duplicateAtNextStep = true;
  }

  lagPodEvents(): void {
    this.#lagPodsAtNextStep = true;
  }

  restart(): void {
    this.#relistAtNextStep = false;
    this.#lagPodsAtNextStep = false;
    this.#duplicateAtNextStep = false;
    this.#controller.stop();
    this.#controller = new DaemonSetController(this.#cluster.store, this.#options);
  }

  relist(): boolean {
    this.#relistAtNextStep = true;
    return true;
  }

  /** Every cached DaemonSet's update handler runs again: each is enqueued. */
  resync(): void {
    this.#controller.processEvents();
    for (const ds of this.#controller.cache.daemonSets.list()) this.#controller.enqueue(objectKey(ds.metadata ?? {}));
  }

  nextWakeupMs(): number | undefined {
    return this.#controller.nextDelayedMs();
  }

  dispose(): void {
    this.#controller.stop();
  }
}
