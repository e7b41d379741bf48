/**
 * The API objects the simulated cluster stores, typed with `kubernetes-types` (wire format:
 * timestamps are RFC 3339 strings, optional fields may be absent).
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';

export type { ControllerRevision, DaemonSet, Node, ObjectMeta, OwnerReference, Pod };

export interface KindMap {
  Node: Node;
  Pod: Pod;
  DaemonSet: DaemonSet;
  ControllerRevision: ControllerRevision;
}
export type Kind = keyof KindMap;
export type AnyObject = KindMap[Kind];

export const KINDS: readonly Kind[] = ['Node', 'Pod', 'DaemonSet', 'ControllerRevision'];

export const API_VERSION: Record<Kind, string> = {
  Node: 'v1',
  Pod: 'v1',
  DaemonSet: 'apps/v1',
  ControllerRevision: 'apps/v1',
};

export const NAMESPACED: Record<Kind, boolean> = {
  Node: false,
  Pod: true,
  DaemonSet: true,
  ControllerRevision: true,
};

/** Well-known label, annotation and finalizer names (upstream constants). */
export const ControllerRevisionHashLabel = 'controller-revision-hash';
export const PodTemplateGenerationLabel = 'pod-template-generation';
export const TemplateGenerationAnnotation = 'deprecated.daemonset.template.generation';
export const FinalizerOrphan = 'orphan';
export const FinalizerForeground = 'foregroundDeletion';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

/** `namespace/name` for namespaced objects, `name` for cluster-scoped ones (like cache.MetaNamespaceKeyFunc). */
export function objectKey(meta: { namespace?: string | undefined; name?: string | undefined }): string {
  return meta.namespace ? `${meta.namespace}/${meta.name ?? ''}` : (meta.name ?? '');
}

export function metaOf(obj: AnyObject): ObjectMeta {
  return obj.metadata ?? {};
}

/** The ownerReference with `controller: true`, if any (metav1.GetControllerOf). */
export function controllerRefOf(obj: { metadata?: ObjectMeta | undefined }): OwnerReference | undefined {
  return obj.metadata?.ownerReferences?.find((ref) => ref.controller === true);
}

/** A controller reference to `owner`, as metav1.NewControllerRef builds it. */
export function newControllerRef(owner: DaemonSet): OwnerReference {
  return {
    apiVersion: 'apps/v1',
    kind: 'DaemonSet',
    name: owner.metadata?.name ?? '',
    uid: owner.metadata?.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Deep copy through JSON: API objects are plain JSON, and copies must never share structure. */
export function deepCopy<T>(value: T): T {
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

export function isTerminating(obj: { metadata?: ObjectMeta | undefined }): boolean {
  return obj.metadata?.deletionTimestamp != null;
}
