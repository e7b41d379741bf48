/**
 * The two views of one case on a real cluster. The model speaks of nodes n0, n1, ... and of the
 * DaemonSet `ds` in `default`; the cluster holds `<prefix>n0` nodes and a DaemonSet in the case's
 * own namespace, carrying the adapter's run labels, kwok's taint, the toleration for it, and a
 * nodeSelector that keeps the DaemonSet on the case's nodes. Going to the cluster adds all of
 * that; coming back removes it, so the model sees exactly what it would have made itself.
 */
import type { ControllerRevision, DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, NodeSelectorTerm, Pod, PodTemplateSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import { deepCopy } from '../cluster/objects.js';
import { HARNESS_NAMESPACE } from '../harness/translate.js';
import {
  CASE_LABEL,
  type CaseNames,
  KWOK_TAINT,
  KWOK_TOLERATION,
  KWOK_TYPE_LABEL,
  KWOK_TYPE_VALUE,
  RUN_LABEL,
} from './names.js';

/** The field a pod's node affinity pins it to its node with. */
const NODE_NAME_FIELD = 'metadata.name';

export class ModelView {
  readonly names: CaseNames;

  constructor(names: CaseNames) {
    this.names = names;
  }

  /** The labels every object the adapter creates carries. */
  get runLabels(): Record<string, string> {
    return { [RUN_LABEL]: this.names.runId, [CASE_LABEL]: this.names.caseId };
  }

  /** The selector that finds this case's nodes. */
  get nodeSelector(): string {
    return `${RUN_LABEL}=${this.names.runId},${CASE_LABEL}=${this.names.caseId}`;
  }

  nodeToCluster(name: string): string {
    return `${this.names.nodePrefix}${name}`;
  }

  nodeToModel(name: string): string {
    return name.startsWith(this.names.nodePrefix) ? name.slice(this.names.nodePrefix.length) : name;
  }

  // --- model → cluster ---------------------------------------------------------------------------

  /** A fake node as kwok expects it, with the case's labels and kwok's taint on top of the model's. */
  newNode(name: string, labels: Readonly<Record<string, string>>, taints: readonly Taint[]): Node {
    return {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: {
        name: this.nodeToCluster(name),
        labels: { ...labels, ...this.runLabels, [KWOK_TYPE_LABEL]: KWOK_TYPE_VALUE },
        annotations: { 'kwok.x-k8s.io/node': 'fake', 'node.alpha.kubernetes.io/ttl': '0' },
      },
      spec: { taints: [...taints.map((t) => ({ ...t })), { ...KWOK_TAINT }] },
    };
  }

  templateToCluster(template: PodTemplateSpec): PodTemplateSpec {
    const out = deepCopy(template);
    out.metadata = { ...(out.metadata ?? {}), labels: { ...(out.metadata?.labels ?? {}), ...this.runLabels } };
    const spec = out.spec ?? { containers: [] };
    out.spec = spec;
    spec.nodeSelector = { ...(spec.nodeSelector ?? {}), [CASE_LABEL]: this.names.caseId };
    spec.tolerations = [...(spec.tolerations ?? []), { ...KWOK_TOLERATION }];
    if (spec.nodeName) spec.nodeName = this.nodeToCluster(spec.nodeName);
    mapNodeFields(spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms, (n) =>
      this.nodeToCluster(n),
    );
    return out;
  }

  daemonSetToCluster(ds: DaemonSet): DaemonSet {
    const out = deepCopy(ds);
    out.metadata = {
      ...(out.metadata ?? {}),
      namespace: this.names.namespace,
      labels: { ...(out.metadata?.labels ?? {}), ...this.runLabels },
    };
    if (out.spec?.template) out.spec.template = this.templateToCluster(out.spec.template);
    return out;
  }

  // --- cluster → model ---------------------------------------------------------------------------

  nodeToModelView(node: Node): Node {
    const out = deepCopy(node);
    out.metadata = { ...(out.metadata ?? {}), name: this.nodeToModel(out.metadata?.name ?? '') };
    const labels = { ...(out.metadata.labels ?? {}) };
    delete labels[RUN_LABEL];
    delete labels[CASE_LABEL];
    if (labels[KWOK_TYPE_LABEL] === KWOK_TYPE_VALUE) delete labels[KWOK_TYPE_LABEL];
    out.metadata.labels = labels;
    if (out.spec?.taints) {
      const taints = out.spec.taints.filter((t) => !(t.key === KWOK_TAINT.key && t.effect === KWOK_TAINT.effect));
      if (taints.length > 0) out.spec.taints = taints;
      else delete out.spec.taints;
    }
    return out;
  }

  templateToModel(template: PodTemplateSpec | undefined): PodTemplateSpec | undefined {
    if (template === undefined) return undefined;
    const out = deepCopy(template);
    if (out.metadata?.labels) {
      const labels = { ...out.metadata.labels };
      delete labels[RUN_LABEL];
      delete labels[CASE_LABEL];
      out.metadata = { ...out.metadata, labels };
    }
    const spec = out.spec;
    if (spec) {
      if (spec.nodeSelector) {
        const selector = { ...spec.nodeSelector };
        delete selector[CASE_LABEL];
        if (Object.keys(selector).length > 0) spec.nodeSelector = selector;
        else delete spec.nodeSelector;
      }
      if (spec.tolerations) {
        const at = spec.tolerations.findIndex(isKwokToleration);
        const tolerations = at < 0 ? spec.tolerations : spec.tolerations.filter((_, i) => i !== at);
        if (tolerations.length > 0) spec.tolerations = tolerations;
        else delete spec.tolerations;
      }
      if (spec.nodeName) spec.nodeName = this.nodeToModel(spec.nodeName);
      mapNodeFields(
        spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
        (n) => this.nodeToModel(n),
      );
    }
    return out;
  }

  daemonSetToModelView(ds: DaemonSet): DaemonSet {
    const out = deepCopy(ds);
    out.metadata = { ...(out.metadata ?? {}), namespace: HARNESS_NAMESPACE };
    if (out.spec?.template) out.spec.template = this.templateToModel(out.spec.template) as PodTemplateSpec;
    return out;
  }

  podToModelView(pod: Pod): Pod {
    const out = deepCopy(pod);
    out.metadata = { ...(out.metadata ?? {}), namespace: HARNESS_NAMESPACE };
    if (out.spec?.nodeName) out.spec.nodeName = this.nodeToModel(out.spec.nodeName);
    mapNodeFields(
      out.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
      (n) => this.nodeToModel(n),
    );
    return out;
  }

  revisionToModelView(revision: ControllerRevision): ControllerRevision {
    const out = deepCopy(revision);
    out.metadata = { ...(out.metadata ?? {}), namespace: HARNESS_NAMESPACE };
    const data = out.data as { spec?: { template?: PodTemplateSpec } } | undefined;
    if (data?.spec?.template) data.spec.template = this.templateToModel(data.spec.template) as PodTemplateSpec;
    return out;
  }
}

function isKwokToleration(t: Toleration): boolean {
  return (
    t.key === KWOK_TOLERATION.key && t.operator === KWOK_TOLERATION.operator && t.effect === KWOK_TOLERATION.effect
  );
}

/** Rewrites, in place, the node names that `metadata.name` field requirements list. */
function mapNodeFields(terms: NodeSelectorTerm[] | undefined, map: (name: string) => string): void {
  for (const term of terms ?? []) {
    for (const field of term.matchFields ?? []) {
      if (field.key === NODE_NAME_FIELD && field.values) field.values = field.values.map(map);
    }
  }
}
