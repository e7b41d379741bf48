/**
 * Profiles: which part of DaemonSet behaviour a campaign exercises. Each is a set of event
 * weights plus the features it needs from the implementation; an implementation that declares it
 * lacks a feature gets the profiles that need it reported as skipped, not failed.
 */
import { type DsEventType, FAULT_EVENT_TYPES } from '../../model/events.ts';
import { DEFAULT_WEIGHTS } from './arbitraries.js';

export type ProfileName = 'core' | 'taints' | 'rolling-update' | 'deletion' | 'all' | 'faults';
export const PROFILE_NAMES: readonly ProfileName[] = ['core', 'taints', 'rolling-update', 'deletion', 'all', 'faults'];

/** What an implementation may declare it does not support (protocol capabilities). */
export interface Features {
  taints: boolean;
  rollingUpdate: boolean;
  surge: boolean;
  revisions: boolean;
}

export const ALL_FEATURES: Features = { taints: true, rollingUpdate: true, surge: true, revisions: true };

export interface Profile {
  name: ProfileName;
  description: string;
  weights: Record<DsEventType, number>;
  /** Features without which the profile cannot run at all. */
  requires: (keyof Features)[];
}

const off = (types: DsEventType[]): Partial<Record<DsEventType, number>> =>
  Object.fromEntries(types.map((t) => [t, 0]));

export const TAINT_EVENTS: DsEventType[] = [
  'TAINT_ADDED',
  'TAINT_REMOVED',
  'NODE_CORDONED',
  'NODE_UNCORDONED',
  'NODE_READY',
  'NODE_NOT_READY',
];
export const ROLLOUT_EVENTS: DsEventType[] = ['TEMPLATE_UPDATED', 'STRATEGY_CHANGED'];
const DELETION_EVENTS: DsEventType[] = ['DS_DELETED'];

function weights(changes: Partial<Record<DsEventType, number>>): Record<DsEventType, number> {
  return { ...DEFAULT_WEIGHTS, ...changes };
}

export const PROFILES: Record<ProfileName, Profile> = {
  core: {
    name: 'core',
    description:
      'placement on node add/remove and label churn, pod failures and deletions, adoption and release (pods relabelled), pods of other controllers, controller restarts',
    weights: weights({ ...off([...TAINT_EVENTS, ...ROLLOUT_EVENTS, ...DELETION_EVENTS]), POD_RELABELED: 2 }),
    requires: [],
  },
  taints: {
    name: 'taints',
    description: 'taints and tolerations: NoSchedule keeps, NoExecute evicts, cordon, NotReady and unreachable nodes',
    weights: weights({
      ...off([...ROLLOUT_EVENTS, ...DELETION_EVENTS]),
      TAINT_ADDED: 6,
      TAINT_REMOVED: 4,
      NODE_NOT_READY: 3,
      NODE_READY: 3,
    }),
    requires: ['taints'],
  },
  'rolling-update': {
    name: 'rolling-update',
    description:
      'template updates under RollingUpdate (maxUnavailable, maxSurge) and OnDelete, rollbacks, revision history',
    weights: weights({
      ...off([...TAINT_EVENTS, ...DELETION_EVENTS]),
      TEMPLATE_UPDATED: 6,
      STRATEGY_CHANGED: 2,
      TIME_ADVANCED: 3,
    }),
    requires: ['rollingUpdate'],
  },
  deletion: {
    name: 'deletion',
    description: 'deleting the DaemonSet with Background, Foreground and Orphan propagation, and re-adoption',
    weights: weights({
      ...off([...TAINT_EVENTS, ...ROLLOUT_EVENTS]),
      DS_DELETED: 4,
      DS_CREATED: 4,
      ORPHAN_POD_APPEARED: 2,
    }),
    requires: [],
  },
  all: {
    name: 'all',
    description: 'everything at once, API faults and crashes included at a low rate',
    // Each fault at weight 1: about one event in ten is a fault.
    weights: weights(Object.fromEntries(FAULT_EVENT_TYPES.map((t) => [t, 1]))),
    requires: [],
  },
  faults: {
    name: 'faults',
    description:
      "API faults and crashes (issue 15): pod creates that fail part-way (500, 429, or a timeout, perhaps after the server did the work) through a sync (against slow start and expectations), pod deletes that fail, controller crashes part-way through a sync's writes (each followed by a restart), broken watches that relist (deletions seen only as tombstones), status writes that conflict with someone else's update, a pod informer that lags a step behind, and watch events delivered twice",
    weights: weights({
      ...off([...TAINT_EVENTS, ...DELETION_EVENTS]),
      POD_CREATES_FAIL: 4,
      POD_DELETES_FAIL: 3,
      CONTROLLER_CRASHES: 3,
      WATCH_RELISTED: 3,
      STATUS_WRITE_CONFLICTS: 3,
      POD_INFORMER_LAGS: 3,
      WATCH_EVENTS_DUPLICATED: 2,
      NODE_ADDED: 6,
    }),
    requires: [],
  },
};

/** The profile's weights with the events an implementation's missing features rule out switched off. */
export function weightsFor(profile: Profile, features: Features): Record<DsEventType, number> {
  const w = { ...profile.weights };
  if (!features.taints) for (const t of TAINT_EVENTS) w[t] = 0;
  if (!features.rollingUpdate) for (const t of ROLLOUT_EVENTS) w[t] = 0;
  return w;
}

/** The features a profile lacks on this implementation (empty: it can run). */
export function missingFeatures(profile: Profile, features: Features): (keyof Features)[] {
  return profile.requires.filter((f) => !features[f]);
}
