/** What the adapter adds on the way to the cluster, it removes on the way back: the model never sees it. */
import { describe, expect, it } from 'vitest';
import { daemonSetManifestFor, observeNode, observeTemplate, podTemplateSpecFor } from '../../src/harness/translate.js';
import { ModelView } from '../../src/k8s/modelView.js';
import { CASE_LABEL, caseNames, KWOK_TAINT, RUN_LABEL } from '../../src/k8s/names.js';

const view = new ModelView(caseNames('abc123', 4));

const TEMPLATE = {
  image: 'v2',
  nodeSelector: { zone: 'a' },
  tolerations: [{ key: 'dedicated', operator: 'Exists' as const, effect: 'NoSchedule' as const }],
  hostNetwork: false,
  nodeName: 'n1',
  requiredNodeAffinity: [{ matchFields: [{ key: 'metadata.name', operator: 'In' as const, values: ['n0', 'n2'] }] }],
};

describe('ModelView', () => {
  it('names the case: namespace dsconform-<run>-<case>, nodes prefixed with it', () => {
    expect(view.names).toEqual({
      runId: 'abc123',
      caseId: '4',
      namespace: 'dsconform-abc123-4',
      nodePrefix: 'dsconform-abc123-4-',
    });
    expect(view.nodeToCluster('n0')).toBe('dsconform-abc123-4-n0');
    expect(view.nodeToModel('dsconform-abc123-4-n0')).toBe('n0');
    expect(view.nodeSelector).toBe(`${RUN_LABEL}=abc123,${CASE_LABEL}=4`);
  });

  it('a template goes to the cluster confined to the case, kwok-tolerant, with real node names, and comes back unchanged', () => {
    const model = podTemplateSpecFor(TEMPLATE, 'ds');
    const cluster = view.templateToCluster(model);
    expect(cluster.metadata?.labels).toEqual({ app: 'ds', [RUN_LABEL]: 'abc123', [CASE_LABEL]: '4' });
    expect(cluster.spec?.nodeSelector).toEqual({ zone: 'a', [CASE_LABEL]: '4' });
    expect(cluster.spec?.tolerations).toContainEqual({
      key: 'kwok.x-k8s.io/node',
      operator: 'Exists',
      effect: 'NoSchedule',
    });
    expect(cluster.spec?.nodeName).toBe('dsconform-abc123-4-n1');
    expect(
      cluster.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms[0]
        ?.matchFields?.[0]?.values,
    ).toEqual(['dsconform-abc123-4-n0', 'dsconform-abc123-4-n2']);
    expect(observeTemplate(view.templateToModel(cluster))).toEqual(observeTemplate(model));
    // The model's own template is left alone.
    expect(model.spec?.nodeName).toBe('n1');
  });

  it('a DaemonSet goes to the case namespace with the run labels', () => {
    const ds = view.daemonSetToCluster(daemonSetManifestFor({ ...SPEC }, 'ds'));
    expect(ds.metadata).toEqual({
      name: 'ds',
      namespace: 'dsconform-abc123-4',
      labels: { [RUN_LABEL]: 'abc123', [CASE_LABEL]: '4' },
    });
    expect(view.daemonSetToModelView(ds).metadata?.namespace).toBe('default');
  });

  it("a node is created as kwok expects, and the model sees only the model's labels and taints", () => {
    const node = view.newNode('n0', { zone: 'a' }, [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }]);
    expect(node.metadata?.name).toBe('dsconform-abc123-4-n0');
    expect(node.metadata?.annotations?.['kwok.x-k8s.io/node']).toBe('fake');
    expect(node.metadata?.labels).toEqual({ zone: 'a', [RUN_LABEL]: 'abc123', [CASE_LABEL]: '4', type: 'kwok' });
    expect(node.spec?.taints).toContainEqual(KWOK_TAINT);
    expect(observeNode(view.nodeToModelView(node))).toEqual({
      name: 'n0',
      labels: { zone: 'a' },
      taints: [{ key: 'dedicated', value: 'x', effect: 'NoExecute' }],
      unschedulable: false,
      ready: 'True',
    });
  });
});

const SPEC = {
  template: TEMPLATE,
  updateStrategy: { type: 'RollingUpdate' as const, maxUnavailable: 1, maxSurge: 0 },
  minReadySeconds: 0,
  revisionHistoryLimit: 10,
};
