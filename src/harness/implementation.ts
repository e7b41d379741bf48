/**
 * The implementation under test, whatever it is: the in-process reference controller (optionally
 * a mutant of it), a process speaking the controller protocol, or a real cluster (src/k8s). Each
 * gives a fresh system under test per case, and declares the features it supports.
 */

import type { DsEventType } from '../../model/events.ts';
import { CLOCK_ORIGIN_MS, toTimestamp } from '../cluster/clock.js';
import type { ObjectStore } from '../cluster/store.js';
import type { DaemonSetControllerOptions } from '../controller/controller.js';
import { ControllerProcess, type ControllerProcessOptions } from '../protocol/controllerProcess.js';
import { ProcessDriver } from '../protocol/processDriver.js';
import { ALL_FEATURES, type Features } from './profiles.js';
import { ReferenceDriver } from './referenceDriver.js';
import { SimulatedSystem } from './system.js';
import type { SystemUnderTest } from './systemUnderTest.js';

/**
 * `S` is what one case runs on: the simulated implementations give a SimulatedSystem (scenario
 * runs need its cluster); campaigns accept any SystemUnderTest, a real cluster's included.
 */
export interface Implementation<S extends SystemUnderTest = SimulatedSystem> {
  /** For reports: "reference", a mutant's name, or the command line. */
  readonly name: string;
  readonly kind: 'reference' | 'process' | 'cluster';
  readonly features: Features;
  /**
   * Events it can apply although implementations of its kind cannot (a served controller can be
   * restarted, a real cluster's cannot): the campaign draws them with the profile's weight.
   */
  readonly alsoSupports?: readonly DsEventType[];
  makeSystem(): S | Promise<S>;
  close(): Promise<void>;
}

/** The reference controller in-process; `options` may be a function of the store (mutants wrap its writes). */
export function referenceImplementation(
  name = 'reference',
  options: DaemonSetControllerOptions | ((store: ObjectStore) => DaemonSetControllerOptions) = {},
): Implementation {
  const optionsFor = typeof options === 'function' ? options : () => options;
  return {
    name,
    kind: 'reference',
    features: ALL_FEATURES,
    makeSystem: () => new SimulatedSystem((cluster) => new ReferenceDriver(cluster, optionsFor(cluster.store))),
    close: async () => {},
  };
}

/** Starts the command once; every case resets it. */
export async function processImplementation(
  command: string,
  options: ControllerProcessOptions = {},
): Promise<Implementation> {
  const proc = await ControllerProcess.start(command, toTimestamp(CLOCK_ORIGIN_MS), options);
  const c = proc.capabilities;
  return {
    name: proc.implementation.name === 'unknown' ? command : `${proc.implementation.name} (${command})`,
    kind: 'process',
    features: { taints: c.taints, rollingUpdate: c.rollingUpdate, surge: c.surge, revisions: c.revisions },
    makeSystem: () => new SimulatedSystem((cluster) => new ProcessDriver(proc, cluster)),
    close: () => proc.close(),
  };
}
