/**
 * Ports of pkg/controller/daemon/util/daemonset_util_test.go (catalogue §8.3 of the semantics note).
 */
import type { Affinity, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ControllerRevisionHashLabel, PodTemplateGenerationLabel } from '../../src/cluster/objects.js';
import {
  createPodTemplate,
  getTargetNodeName,
  isPodUpdated,
  replaceDaemonSetPodNodeNameNodeAffinity,
} from '../../src/controller/podTemplate.js';

function newPod(podName: string, nodeName: string, labels: Record<string, string> | undefined): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: podName, namespace: 'default', ...(labels ? { labels } : {}) },
    spec: { nodeName, containers: [{ name: 'foo', image: 'foo/bar' }] },
  };
}

describe('TestIsPodUpdated', () => {
  const templateGeneration = 12345n;
  const badGeneration = 12350n;
  const hash = '55555';
  const labels = { [PodTemplateGenerationLabel]: String(templateGeneration), [ControllerRevisionHashLabel]: hash };
  const labelsNoHash = { [PodTemplateGenerationLabel]: String(templateGeneration) };
  const cases: { test: string; generation: bigint; pod: Pod; hash: string; isUpdated: boolean }[] = [
    {
      test: 'templateGeneration and hash both match',
      generation: templateGeneration,
      pod: newPod('pod1', 'node1', labels),
      hash,
      isUpdated: true,
    },
    {
      test: "templateGeneration matches, hash doesn't",
      generation: templateGeneration,
      pod: newPod('pod1', 'node1', labels),
      hash: `${hash}123`,
      isUpdated: true,
    },
    {
      test: 'templateGeneration matches, no hash label, has hash',
      generation: templateGeneration,
      pod: newPod('pod1', 'node1', labelsNoHash),
      hash,
      isUpdated: true,
    },
    {
      test: 'templateGeneration matches, no hash label, no hash',
      generation: templateGeneration,
      pod: newPod('pod1', 'node1', labelsNoHash),
      hash: '',
      isUpdated: true,
    },
    {
      test: 'templateGeneration matches, has hash label, no hash',
      generation: templateGeneration,
      pod: newPod('pod1', 'node1', labels),
      hash: '',
      isUpdated: true,
    },
    {
      test: "templateGeneration doesn't match, hash does",
      generation: badGeneration,
      pod: newPod('pod1', 'node1', labels),
      hash,
      isUpdated: true,
    },
    {
      test: "templateGeneration and hash don't match",
      generation: badGeneration,
      pod: newPod('pod1', 'node1', labels),
      hash: `${hash}123`,
      isUpdated: false,
    },
    {
      test: 'empty labels, no hash',
      generation: templateGeneration,
      pod: newPod('pod1', 'node1', {}),
      hash: '',
      isUpdated: false,
    },
    { test: 'empty labels', generation: templateGeneration, pod: newPod('pod1', 'node1', {}), hash, isUpdated: false },
    {
      test: 'no labels',
      generation: templateGeneration,
      pod: newPod('pod1', 'node1', undefined),
      hash,
      isUpdated: false,
    },
  ];
  for (const c of cases) {
    it(c.test, () => {
      expect(isPodUpdated(c.pod, c.hash, c.generation)).toBe(c.isUpdated);
    });
  }
});

describe('TestCreatePodTemplate', () => {
  const cases = [
    { templateGeneration: 1n, hash: '', expectUniqueLabel: false },
    { templateGeneration: 2n, hash: '3242341807', expectUniqueLabel: true },
  ];
  for (const c of cases) {
    it(`generation ${c.templateGeneration}, hash "${c.hash}"`, () => {
      const template = createPodTemplate({}, c.templateGeneration, c.hash);
      const labels = template.metadata?.labels ?? {};
      expect(labels[PodTemplateGenerationLabel]).toBe(String(c.templateGeneration));
      if (c.expectUniqueLabel) expect(labels[ControllerRevisionHashLabel]).toBe(c.hash);
      else expect(ControllerRevisionHashLabel in labels).toBe(false);
    });
  }
});

describe('TestReplaceDaemonSetPodNodeNameNodeAffinity', () => {
  const pinnedTo = (host: string): Affinity => ({
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [host] }] }],
      },
    },
  });
  const hostnameIn = (host: string) => ({
    matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [host] }],
  });
  const cases: { name: string; affinity: Affinity | undefined; hostname: string; expected: Affinity }[] = [
    { name: 'nil affinity', affinity: undefined, hostname: 'host_1', expected: pinnedTo('host_1') },
    {
      name: 'required hostname expression is replaced',
      affinity: {
        nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [hostnameIn('host_1')] } },
      },
      hostname: 'host_1',
      expected: pinnedTo('host_1'),
    },
    {
      name: 'preferred terms are kept, required term added',
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: hostnameIn('host_1') }],
        },
      },
      hostname: 'host_1',
      expected: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, preference: hostnameIn('host_1') }],
          requiredDuringSchedulingIgnoredDuringExecution:
            pinnedTo('host_1').nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution,
        },
      } as Affinity,
    },
    {
      name: 'matchFields with two hosts narrowed to one',
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host_1', 'host_2'] }] },
            ],
          },
        },
      },
      hostname: 'host_1',
      expected: pinnedTo('host_1'),
    },
    { name: 'nil affinity again', affinity: undefined, hostname: 'host_1', expected: pinnedTo('host_1') },
    {
      name: 'two terms (expressions, fields for another host) become one',
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [
              { matchExpressions: [{ key: 'hostname', operator: 'In', values: ['host_1'] }] },
              { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['host_2'] }] },
            ],
          },
        },
      },
      hostname: 'host_1',
      expected: pinnedTo('host_1'),
    },
    {
      name: 'NotIn another host becomes In this host',
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['host_2'] }] }],
          },
        },
      },
      hostname: 'host_1',
      expected: pinnedTo('host_1'),
    },
    {
      name: 'an unknown field key is replaced',
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.foo', operator: 'In', values: ['bar'] }] }],
          },
        },
      },
      hostname: 'host_1',
      expected: pinnedTo('host_1'),
    },
  ];
  cases.forEach((c, i) => {
    it(`case ${i}: ${c.name}`, () => {
      const before = structuredClone(c.affinity);
      expect(replaceDaemonSetPodNodeNameNodeAffinity(c.affinity, c.hostname)).toEqual(c.expected);
      expect(c.affinity).toEqual(before); // the input is not modified
    });
  });
});

describe('TestGetTargetNodeName', () => {
  // Upstream wraps the table in forEachFeatureGate with no gates, so its body never runs (semantics
  // note §8.3); here it does.
  const inFields = (...values: string[]): PodSpec => ({
    containers: [],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values }] }],
        },
      },
    },
  });
  const cases: { name: string; pod: Pod; nodeName?: string; expectedErr?: boolean }[] = [
    {
      name: 'pod1: nodeName set',
      pod: { metadata: { name: 'pod1', namespace: 'default' }, spec: { nodeName: 'node-1', containers: [] } },
      nodeName: 'node-1',
    },
    {
      name: 'pod2: single-value matchFields',
      pod: { metadata: { name: 'pod2', namespace: 'default' }, spec: inFields('node-1') },
      nodeName: 'node-1',
    },
    {
      name: 'pod3: two values',
      pod: { metadata: { name: 'pod3', namespace: 'default' }, spec: inFields('node-1', 'node-2') },
      expectedErr: true,
    },
    {
      name: 'pod4: nothing',
      pod: { metadata: { name: 'pod4', namespace: 'default' }, spec: { containers: [] } },
      expectedErr: true,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const got = getTargetNodeName(c.pod);
      if (c.expectedErr) expect(got).toBeUndefined();
      else expect(got).toBe(c.nodeName);
    });
  }
});
