/** The simulated cluster's public surface: the store and its helpers, and the actors around the DaemonSet controller. */
export * from './admission.js';
export * from './apiError.js';
export * from './clock.js';
export * from './cluster.js';
export * from './component.js';
export * from './garbageCollector.js';
export * from './kubelet.js';
export * from './labels.js';
export * from './nodeAffinity.js';
export * from './nodeLifecycle.js';
export * from './objects.js';
export * from './podGC.js';
export * from './scheduler.js';
export * from './store.js';
export * from './taintEviction.js';
export * from './taints.js';
