/**
 * dsconform's specification of DaemonSet semantics. Import from here; nothing in `model/`
 * depends on the implementation under `src/`.
 */
export * from './controller.ts';
export * from './coverage.ts';
export * from './deletion.ts';
export * from './eligibility.ts';
export * from './events.ts';
export * from './garbageCollector.ts';
export * from './history.ts';
export * from './invariants.ts';
export * from './kubelet.ts';
export * from './liveness.ts';
export * from './machine.ts';
export * from './manage.ts';
export * from './observation.ts';
export * from './oracle.ts';
export * from './paths.ts';
export * from './placement.ts';
export * from './pods.ts';
export * from './quiescence.ts';
export * from './render.ts';
export * from './rollout.ts';
export * from './rules.ts';
export * from './scheduler.ts';
export * from './status.ts';
export * from './step.ts';
export * from './types.ts';
export * from './universe.ts';
export * from './validation.ts';
export * from './world.ts';
