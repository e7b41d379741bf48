/**
 * The DaemonSet lifecycle as an XState v5 machine. The context holds the whole abstract world
 * (nodes, the DaemonSet, its pods and revisions, the clock, the controller's memory); every
 * event is applied by a named action that calls the pure rules in this directory, and the
 * lifecycle state is decided by named guards over the result:
 *
 *   absent ──DS_CREATED──▶ active ──DS_DELETED──▶ deleting ──(dependents gone)──▶ gone
 *
 * `active` re-classifies after every event (through the transient `settling` state) into
 * stable, stalled, rollingUpdate.noSurge / rollingUpdate.surge, or progressing. There are no
 * invocations, delays or timers (time is the TIME_ADVANCED event), so `xstate/graph` can
 * traverse the machine.
 */
import { assign, setup } from 'xstate';
import type { DsEvent } from './events.ts';
import { type ActivePhase, lifecyclePhase } from './quiescence.ts';
import { applyEvent } from './step.ts';
import { initialWorld, rejection, type World, type WorldInput } from './world.ts';

export interface MachineContext {
  readonly world: World;
}

const phases = new WeakMap<World, ActivePhase>();

/** lifecyclePhase, computed once per world (several guards ask in the same microstep). */
function phaseOf(world: World): ActivePhase {
  let phase = phases.get(world);
  if (phase === undefined) {
    phase = lifecyclePhase(world);
    phases.set(world, phase);
  }
  return phase;
}

/** Every action applies the event to the world; the names say which part of the cluster moves. */
const apply = assign<MachineContext, DsEvent, undefined, DsEvent, never>({
  world: ({ context, event }) => applyEvent(context.world, event),
});

export const daemonSetMachineSetup = setup({
  types: {
    context: {} as MachineContext,
    events: {} as DsEvent,
    input: {} as WorldInput | undefined,
  },
  guards: {
    /** The create passes API validation (and no object of that name exists). */
    isValidDaemonSet: ({ context, event }) => rejection(context.world, event) === undefined,
    /** The strategy change passes API validation. */
    isValidStrategyChange: ({ context, event }) => rejection(context.world, event) === undefined,
    isBackgroundDeletion: ({ event }) => event.type === 'DS_DELETED' && event.policy === 'Background',
    isForegroundDeletion: ({ event }) => event.type === 'DS_DELETED' && event.policy === 'Foreground',
    /** Quiet under a healthy environment and at the DaemonSet's goal (isIdeal). */
    isStable: ({ context }) => phaseOf(context.world) === 'stable',
    /** Quiet under a healthy environment but not at the goal: only a node or a user can unblock it. */
    isStalled: ({ context }) => phaseOf(context.world) === 'stalled',
    /** A RollingUpdate with surge has live out-of-date pods left. */
    isSurgeRollout: ({ context }) => phaseOf(context.world) === 'rollingUpdate.surge',
    /** A RollingUpdate without surge has live out-of-date pods left. */
    isRollout: ({ context }) => phaseOf(context.world) === 'rollingUpdate.noSurge',
    /** The object is gone and nothing references a DaemonSet any more. */
    isDeletionComplete: ({ context }) =>
      context.world.daemonSet === undefined &&
      !context.world.pods.some((p) => p.controllerUid !== undefined) &&
      !context.world.revisions.some((r) => r.controllerUid !== undefined),
  },
  actions: {
    createDaemonSet: apply,
    rejectWrite: apply,
    updateTemplate: apply,
    changeStrategy: apply,
    deleteDaemonSet: apply,
    changeNode: apply,
    changePod: apply,
    restartController: apply,
    breakWatches: apply,
    conflictStatus: apply,
    lagPodInformer: apply,
    duplicateEvents: apply,
    advanceClock: apply,
    syncDaemonSet: apply,
    runKubelets: apply,
    runScheduler: apply,
    collectGarbage: apply,
  },
});

/** Handlers shared by every state; `active` overrides them to re-classify afterwards. */
const environment = (target?: string) => {
  const t = target === undefined ? {} : { target };
  return {
    NODE_ADDED: { ...t, actions: 'changeNode' },
    NODE_REMOVED: { ...t, actions: 'changeNode' },
    NODE_LABEL_SET: { ...t, actions: 'changeNode' },
    NODE_LABEL_REMOVED: { ...t, actions: 'changeNode' },
    TAINT_ADDED: { ...t, actions: 'changeNode' },
    TAINT_REMOVED: { ...t, actions: 'changeNode' },
    NODE_CORDONED: { ...t, actions: 'changeNode' },
    NODE_UNCORDONED: { ...t, actions: 'changeNode' },
    NODE_READY: { ...t, actions: 'changeNode' },
    NODE_NOT_READY: { ...t, actions: 'changeNode' },
    POD_BECAME_READY: { ...t, actions: 'changePod' },
    POD_FAILED: { ...t, actions: 'changePod' },
    POD_DELETED_BY_USER: { ...t, actions: 'changePod' },
    ORPHAN_POD_APPEARED: { ...t, actions: 'changePod' },
    FOREIGN_POD_APPEARED: { ...t, actions: 'changePod' },
    POD_RELABELED: { ...t, actions: 'changePod' },
    POD_FINALIZER_ADDED: { ...t, actions: 'changePod' },
    POD_FINALIZER_REMOVED: { ...t, actions: 'changePod' },
    CONTROLLER_RESTARTED: { ...t, actions: 'restartController' },
    POD_CREATES_FAIL: { ...t, actions: 'changePod' },
    POD_DELETES_FAIL: { ...t, actions: 'changePod' },
    CONTROLLER_CRASHES: { ...t, actions: 'restartController' },
    // The model's controller always sees the cluster as it is: a relist changes nothing it knows.
    WATCH_RELISTED: { ...t, actions: 'breakWatches' },
    // The model's controller, as upstream's, reads the DaemonSet again and its retry succeeds.
    STATUS_WRITE_CONFLICTS: { ...t, actions: 'conflictStatus' },
    // The model's world is the cluster itself; the harness judges a lagging sync against the pods it saw.
    POD_INFORMER_LAGS: { ...t, actions: 'lagPodInformer' },
    // Delivered twice or once, an event says the same: nothing the model knows changes.
    WATCH_EVENTS_DUPLICATED: { ...t, actions: 'duplicateEvents' },
    TIME_ADVANCED: { ...t, actions: 'advanceClock' },
    TEMPLATE_UPDATED: { ...t, actions: 'updateTemplate' },
    CONTROLLER_SYNC: { ...t, actions: 'syncDaemonSet' },
    KUBELET_STEP: { ...t, actions: 'runKubelets' },
    SCHEDULER_STEP: { ...t, actions: 'runScheduler' },
    GC_STEP: { ...t, actions: 'collectGarbage' },
  } as const;
};

const create = [
  { guard: 'isValidDaemonSet', target: '#daemonset.active', actions: 'createDaemonSet' },
  { actions: 'rejectWrite' },
] as const;

export const daemonSetMachine = daemonSetMachineSetup.createMachine({
  id: 'daemonset',
  context: ({ input }) => ({ world: initialWorld(input ?? {}) }),
  initial: 'absent',
  on: {
    ...environment(),
    // Without an object these are NotFound; while it is being deleted, STRATEGY_CHANGED still applies.
    STRATEGY_CHANGED: { actions: 'changeStrategy' },
    DS_DELETED: { actions: 'deleteDaemonSet' },
    DS_CREATED: { actions: 'rejectWrite' },
  },
  states: {
    absent: {
      on: { DS_CREATED: [...create] },
    },
    active: {
      initial: 'settling',
      on: {
        ...environment('.settling'),
        STRATEGY_CHANGED: [
          { guard: 'isValidStrategyChange', target: '.settling', actions: 'changeStrategy' },
          { actions: 'rejectWrite' },
        ],
        DS_DELETED: [
          { guard: 'isBackgroundDeletion', target: '#daemonset.deleting.background', actions: 'deleteDaemonSet' },
          {
            guard: 'isForegroundDeletion',
            target: '#daemonset.deleting.foregroundWaitingForDependents',
            actions: 'deleteDaemonSet',
          },
          { target: '#daemonset.deleting.orphaning', actions: 'deleteDaemonSet' },
        ],
      },
      states: {
        /** Transient: decides where the DaemonSet stands after the event. */
        settling: {
          always: [
            { guard: 'isStable', target: 'stable' },
            { guard: 'isStalled', target: 'stalled' },
            { guard: 'isSurgeRollout', target: 'rollingUpdate.surge' },
            { guard: 'isRollout', target: 'rollingUpdate.noSurge' },
            { target: 'progressing' },
          ],
        },
        /** Pods are being created, deleted, scheduled, started or made ready; or a failed pod waits for its backoff. */
        progressing: {},
        /** Every node that should run the daemon runs one available, current pod, and nothing is left to do. */
        stable: {},
        /** Out-of-date pods are being replaced within maxUnavailable (noSurge) or maxSurge (surge). */
        rollingUpdate: {
          initial: 'noSurge',
          states: { noSurge: {}, surge: {} },
        },
        /** Nothing moves without a node recovering or a user acting (e.g. a rollout blocked by a NotReady node). */
        stalled: {},
      },
    },
    deleting: {
      // Only entered through an explicit child; `initial` is required by XState.
      initial: 'background',
      always: { guard: 'isDeletionComplete', target: 'gone' },
      states: {
        /** The object is gone; the garbage collector deletes the dependents. A new DaemonSet may be created. */
        background: { on: { DS_CREATED: [...create] } },
        /** deletionTimestamp + foregroundDeletion finalizer: dependents are deleted first, then the object. */
        foregroundWaitingForDependents: {},
        /** deletionTimestamp + orphan finalizer: dependents lose their owner reference, then the object goes. */
        orphaning: {},
      },
    },
    /** Deletion finished. A DaemonSet created now adopts any orphans that match it. */
    gone: {
      on: { DS_CREATED: [...create] },
    },
  },
});

export type DaemonSetMachine = typeof daemonSetMachine;
