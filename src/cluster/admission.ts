/**
 * Admission for the simulated API server: what the real one does between decoding a request and
 * storing it, per kind. Defaulting (and the registry strategy's PrepareForCreate/PrepareForUpdate)
 * mutates the object in place; validation returns field errors, which the store turns into a 422.
 * ControllerRevisions are admitted as sent.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { type FieldError, formatFieldError } from './apiError.js';
import {
  prepareDaemonSetForCreate,
  prepareDaemonSetForUpdate,
  preparePodForCreate,
  setDefaultsNode,
  setDefaultsPod,
} from './defaults.js';
import type { AnyObject, Kind, Node, Pod } from './objects.js';
import type { Admission } from './store.js';
import {
  validateDaemonSet,
  validateDaemonSetStatusUpdate,
  validateDaemonSetUpdate,
  validateNode,
  validateNodeUpdate,
  validatePod,
  validatePodUpdate,
} from './validation.js';

/**
 * The API server's message lists each distinct error once (ErrorList.ToAggregate), which matters
 * because DaemonSet update validation runs the spec rules twice, as upstream does.
 */
function distinct(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const text = formatFieldError(e);
    if (seen.has(text)) return false;
    seen.add(text);
    return true;
  });
}

export const kubernetesAdmission: Admission = {
  defaultOnCreate(kind: Kind, obj: AnyObject): void {
    if (kind === 'DaemonSet') prepareDaemonSetForCreate(obj as DaemonSet);
    else if (kind === 'Pod') preparePodForCreate(obj as Pod);
    else if (kind === 'Node') setDefaultsNode(obj as Node);
  },

  defaultOnUpdate(kind: Kind, obj: AnyObject, old: AnyObject): void {
    if (kind === 'DaemonSet') prepareDaemonSetForUpdate(obj as DaemonSet, old as DaemonSet);
    else if (kind === 'Pod') setDefaultsPod(obj as Pod);
    else if (kind === 'Node') setDefaultsNode(obj as Node);
  },

  validateCreate(kind: Kind, obj: AnyObject): FieldError[] {
    if (kind === 'DaemonSet') return distinct(validateDaemonSet(obj as DaemonSet));
    if (kind === 'Pod') return distinct(validatePod(obj as Pod));
    if (kind === 'Node') return distinct(validateNode(obj as Node));
    return [];
  },

  validateUpdate(kind: Kind, obj: AnyObject, old: AnyObject): FieldError[] {
    if (kind === 'DaemonSet') return distinct(validateDaemonSetUpdate(obj as DaemonSet, old as DaemonSet));
    if (kind === 'Pod') return distinct(validatePodUpdate(obj as Pod));
    if (kind === 'Node') return distinct(validateNodeUpdate(obj as Node));
    return [];
  },

  validateStatusUpdate(kind: Kind, obj: AnyObject, old: AnyObject): FieldError[] {
    if (kind === 'DaemonSet') return distinct(validateDaemonSetStatusUpdate(obj as DaemonSet, old as DaemonSet));
    return [];
  },
};
