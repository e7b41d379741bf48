/**
 * Ports of pkg/controller/daemon/update_test.go (catalogue §8.2 of the semantics note). Each
 * expectSyncDaemonSets is one sync after clearExpectations; "ready" steps mark pods Ready.
 */
import type { DaemonSet, DaemonSetSpec } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import {
  type ControllerRevision,
  ControllerRevisionHashLabel,
  controllerRefOf,
  newControllerRef,
  PodTemplateGenerationLabel,
} from '../../src/cluster/objects.js';
import { effectiveBudgets } from '../../src/controller/budgets.js';
import { getTargetNodeName, isPodReady } from '../../src/controller/podTemplate.js';
import { updatedDesiredNodeCounts } from '../../src/controller/rollingUpdate.js';
import { REFERENCE_RULES } from '../../src/controller/rules.js';
import { nodeShouldRunDaemonPod } from '../../src/controller/shouldRun.js';
import type { SyncContext } from '../../src/controller/syncContext.js';
import {
  newDaemonSet,
  newNode,
  newPod,
  newUpdateSurge,
  newUpdateUnavailable,
  readyCondition,
  simpleDaemonSetLabel,
  TestController,
  writable,
} from './harness.js';

function specOf(ds: DaemonSet): DaemonSetSpec {
  if (ds.spec === undefined) throw new Error('DaemonSet without spec');
  return ds.spec;
}

function podSpecOf(ds: DaemonSet): PodSpec {
  const template = specOf(ds).template;
  template.spec ??= { containers: [] };
  return template.spec;
}

function setImage(ds: DaemonSet, image: string): void {
  const container = podSpecOf(ds).containers[0];
  if (container === undefined) throw new Error('template without container');
  container.image = image;
}

/** Sets a RollingUpdate strategy with maxUnavailable. */
function rollingUpdate(ds: DaemonSet, maxUnavailable: number): void {
  specOf(ds).updateStrategy = { type: 'RollingUpdate', rollingUpdate: { maxUnavailable } };
}

/** A sequence of syncs, each after clearExpectations, with (creates, deletes) and 0 events. */
function steps(tc: TestController, ds: DaemonSet, ...counts: ([number, number] | 'ready')[]): void {
  for (const step of counts) {
    if (step === 'ready') {
      tc.markPodsReady();
      continue;
    }
    tc.clearExpectations(ds);
    tc.expectSyncDaemonSets(ds, step[0], step[1], 0);
  }
}

function readyPodNames(tc: TestController): Set<string> {
  return new Set(
    tc
      .pods()
      .filter(isPodReady)
      .map((p) => p.metadata?.name ?? ''),
  );
}

describe('TestDaemonSetUpdatesPods', () => {
  it('maxUnavailable 2', () => {
    const tc = new TestController();
    let ds = tc.addDaemonSet(newDaemonSet('foo'));
    const maxUnavailable = 2;
    tc.addNodes(0, 5);
    tc.expectSyncDaemonSets(ds, 5, 0, 0);
    tc.markPodsReady();

    ds = tc.updateDaemonSet(ds, (d) => {
      setImage(d, 'foo2/bar2');
      rollingUpdate(d, maxUnavailable);
    });
    steps(tc, ds, [0, maxUnavailable], [maxUnavailable, 0], 'ready');
    steps(tc, ds, [0, maxUnavailable], [maxUnavailable, 0], 'ready');
    steps(tc, ds, [0, 1], [1, 0], 'ready');
    steps(tc, ds, [0, 0]);
    tc.clearExpectations(ds);
  });
});

describe('TestDaemonSetUpdatesPodsWithMaxSurge', () => {
  it('maxSurge 2', () => {
    const tc = new TestController();
    let ds = tc.addDaemonSet(newDaemonSet('foo'));
    tc.addNodes(0, 5);
    tc.expectSyncDaemonSets(ds, 5, 0, 0);
    tc.markPodsReady();

    // surge is the controlling amount
    const maxSurge = 2;
    ds = tc.updateDaemonSet(ds, (d) => {
      setImage(d, 'foo2/bar2');
      specOf(d).updateStrategy = newUpdateSurge(maxSurge);
    });
    steps(tc, ds, [maxSurge, 0], [0, 0], 'ready');
    steps(tc, ds, [maxSurge, maxSurge], [0, 0], 'ready');
    steps(tc, ds, [5 % maxSurge, maxSurge], [0, 0], 'ready');
    steps(tc, ds, [0, 5 % maxSurge], [0, 0]);
  });
});

describe('TestDaemonSetUpdatesPodsNotMatchTainstWithMaxSurge', () => {
  it('maxSurge 1, new template no longer tolerates node-0', () => {
    const tc = new TestController();
    const maxSurge = 1;
    const initial = newDaemonSet('foo');
    specOf(initial).updateStrategy = newUpdateSurge(maxSurge);
    podSpecOf(initial).tolerations = [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists' }];
    let ds = tc.addDaemonSet(initial);

    // five nodes, node-0 tainted as a control-plane node
    const tainted: Node = newNode('node-0');
    tainted.spec = { taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }] };
    tc.addNode(tainted);
    tc.addNodes(1, 4);

    // the DaemonSet tolerates the taint: five pods
    tc.expectSyncDaemonSets(ds, 5, 0, 0);
    tc.markPodsReady();

    // roll out a template without the toleration
    ds = tc.updateDaemonSet(ds, (d) => {
      delete podSpecOf(d).tolerations;
    });
    steps(tc, ds, [maxSurge, 1], [0, 0], 'ready');
    steps(tc, ds, [maxSurge, maxSurge], [0, 0], 'ready');
    steps(tc, ds, [maxSurge, maxSurge], [0, 0], 'ready');
    steps(tc, ds, [maxSurge, maxSurge], [0, 0], 'ready');
    steps(tc, ds, [0, maxSurge], [0, 0]);
  });
});

describe('TestDaemonSetUpdatesWhenNewPodIsNotReady', () => {
  it('maxUnavailable 3', () => {
    const tc = new TestController();
    let ds = tc.addDaemonSet(newDaemonSet('foo'));
    const maxUnavailable = 3;
    tc.addNodes(0, 5);
    tc.expectSyncDaemonSets(ds, 5, 0, 0);
    tc.markPodsReady();

    ds = tc.updateDaemonSet(ds, (d) => {
      setImage(d, 'foo2/bar2');
      rollingUpdate(d, maxUnavailable);
    });
    // new pods never become ready: numUnavailable reaches maxUnavailable
    steps(tc, ds, [0, maxUnavailable], [maxUnavailable, 0], [0, 0]);
    tc.clearExpectations(ds);
  });
});

describe('TestDaemonSetUpdatesSomeOldPodsNotReady', () => {
  it('maxUnavailable 2', () => {
    const tc = new TestController();
    let ds = tc.addDaemonSet(newDaemonSet('foo'));
    const maxUnavailable = 2;
    tc.addNodes(0, 5);
    tc.expectSyncDaemonSets(ds, 5, 0, 0);
    tc.markPodsReady();

    ds = tc.updateDaemonSet(ds, (d) => {
      setImage(d, 'foo2/bar2');
      rollingUpdate(d, maxUnavailable);
    });
    // all old pods are available: update 2
    steps(tc, ds, [0, maxUnavailable], [maxUnavailable, 0], [0, 0]);
    tc.clearExpectations(ds);

    // another update: the 2 unready pods are replaced, the 3 available ones stay untouched
    ds = tc.updateDaemonSet(ds, (d) => setImage(d, 'foo2/bar3'));
    steps(tc, ds, [0, maxUnavailable], [maxUnavailable, 0], [0, 0]);
    tc.clearExpectations(ds);

    expect(readyPodNames(tc).size).toBe(5 - maxUnavailable);
  });
});

describe('TestDaemonSetUpdatesSaveOldHealthyPods', () => {
  it('20 nodes: ready old pods are never touched while the unavailable ones are replaced', () => {
    const tc = new TestController();
    let ds = tc.addDaemonSet(newDaemonSet('foo'));
    tc.addNodes(0, 20);
    tc.expectSyncDaemonSets(ds, 20, 0, 0);
    tc.markPodsReady();

    // first update: 10 old pods which should never be touched
    let maxUnavailable = 10;
    ds = tc.updateDaemonSet(ds, (d) => {
      setImage(d, 'foo2/bar2');
      rollingUpdate(d, maxUnavailable);
    });
    steps(tc, ds, [0, maxUnavailable], [maxUnavailable, 0], [0, 0]);
    tc.clearExpectations(ds);

    const oldReadyPods = readyPodNames(tc);
    expect(oldReadyPods.size).toBe(10);

    // Upstream draws maxUnavailable at random from [0, 10); we walk through every value.
    for (let i = 0; i < 10; i++) {
      ds = tc.updateDaemonSet(ds, (d) => {
        rollingUpdate(d, i);
        setImage(d, `foo2/bar3-${i}`);
      });
      // only the 10 unavailable pods may be replaced
      steps(tc, ds, [0, 10], [10, 0], [0, 0]);
      tc.clearExpectations(ds);
      const ready = readyPodNames(tc);
      for (const name of oldReadyPods) expect(ready.has(name), `iteration ${i}: ${name} was replaced`).toBe(true);
    }

    maxUnavailable = 11;
    ds = tc.updateDaemonSet(ds, (d) => {
      rollingUpdate(d, maxUnavailable);
      setImage(d, 'foo2/bar4');
    });
    steps(tc, ds, [0, maxUnavailable], [maxUnavailable, 0], [0, 0]);
    tc.clearExpectations(ds);
    expect(readyPodNames(tc).size).toBe(9);
  });
});

describe('TestDaemonSetUpdatesAllOldNotReadyPodsAndNewNotReadyPods', () => {
  it('100 nodes, maxUnavailable 10', () => {
    const tc = new TestController();
    let ds = tc.addDaemonSet(newDaemonSet('foo'));
    tc.addNodes(0, 100);
    tc.expectSyncDaemonSets(ds, 100, 0, 0);
    tc.markPodsReady();
    // the first revision's labels, used later to fake old pods
    const first = tc.pods()[0] as Pod;
    const hash1 = first.metadata?.labels?.[ControllerRevisionHashLabel] ?? '';
    const generation1 = first.metadata?.labels?.[PodTemplateGenerationLabel] ?? '';

    const maxUnavailable = 10;
    ds = tc.updateDaemonSet(ds, (d) => {
      setImage(d, 'foo2/bar2');
      rollingUpdate(d, maxUnavailable);
    });
    // 10 rounds of 10 reach the whole rollout
    for (let i = 0; i < 10; i++) steps(tc, ds, [0, maxUnavailable], [maxUnavailable, 0], 'ready');
    steps(tc, ds, [0, 0]);
    tc.clearExpectations(ds);

    // craft: 10 available old pods, 2 unavailable old pods, 88 unavailable new pods
    const oldUnavailablePods = new Set<string>();
    tc.pods().forEach((pod, i) => {
      let current = pod;
      if (i >= 10) {
        current = tc.setPodStatus(current, (p) => {
          p.status = { ...(p.status ?? {}), conditions: [readyCondition(false, tc.nowTimestamp())] };
        });
      }
      if (i < 12) {
        tc.relabelAsRevision(current, hash1, generation1);
        if (i >= 10) oldUnavailablePods.add(pod.metadata?.name ?? '');
      }
    });

    steps(tc, ds, [0, 2], [2, 0], [0, 0]);
    tc.clearExpectations(ds);
    const remaining = new Set(tc.pods().map((p) => p.metadata?.name ?? ''));
    for (const name of oldUnavailablePods) expect(remaining.has(name), `${name} was not replaced`).toBe(false);
  });
});

describe('TestDaemonSetUpdatesAllOldPodsNotReady', () => {
  it('maxUnavailable 3', () => {
    const tc = new TestController();
    let ds = tc.addDaemonSet(newDaemonSet('foo'));
    const maxUnavailable = 3;
    tc.addNodes(0, 5);
    tc.expectSyncDaemonSets(ds, 5, 0, 0);

    ds = tc.updateDaemonSet(ds, (d) => {
      setImage(d, 'foo2/bar2');
      rollingUpdate(d, maxUnavailable);
    });
    // all old pods are unavailable, so all are replaced
    steps(tc, ds, [0, 5], [5, 0], [0, 0]);
    tc.clearExpectations(ds);
  });
});

describe('TestDaemonSetUpdatesAllOldPodsNotReadyMaxSurge', () => {
  it('maxSurge 3, then minReadySeconds 15', () => {
    const tc = new TestController({ startMs: 0 });
    let ds = tc.addDaemonSet(newDaemonSet('foo'));
    tc.addNodes(0, 5);
    tc.expectSyncDaemonSets(ds, 5, 0, 0);

    const maxSurge = 3;
    ds = tc.updateDaemonSet(ds, (d) => {
      setImage(d, 'foo2/bar2');
      specOf(d).updateStrategy = newUpdateSurge(maxSurge);
    });

    // all old pods are unavailable, so all surge
    tc.advanceToSeconds(100);
    steps(tc, ds, [5, 0]);

    // waiting for pods to go ready: the old ones are deleted
    tc.advanceToSeconds(200);
    steps(tc, ds, [0, 5]);

    tc.setPodReadiness(true, 5, () => true);
    ds = tc.updateDaemonSet(ds, (d) => {
      specOf(d).minReadySeconds = 15;
      setImage(d, 'foo3/bar3');
    });

    tc.advanceToSeconds(300);
    steps(tc, ds, [3, 0]);

    const hash = tc.currentHash(ds);
    const currentPods = tc.podsByNodeMatchingHash(hash);
    // two updated pods go ready at 300
    tc.setPodReadiness(true, 2, (pod) => pod.metadata?.labels?.[ControllerRevisionHashLabel] === hash);
    // one old pod on a node without an updated pod goes unready
    tc.setPodReadiness(false, 1, (pod) => {
      const node = getTargetNodeName(pod) ?? '';
      return pod.metadata?.labels?.[ControllerRevisionHashLabel] !== hash && (currentPods.get(node) ?? []).length === 0;
    });

    // the new pods still wait for minReadySeconds, so one pod replaces the unready old one
    tc.advanceToSeconds(310);
    steps(tc, ds, [1, 0]);

    // the new pods are available now: the old ones go
    tc.advanceToSeconds(320);
    steps(tc, ds, [1, 3]);

    // every updated pod goes ready at 320
    tc.setPodReadiness(true, 3, (pod) => pod.metadata?.labels?.[ControllerRevisionHashLabel] === hash);

    tc.advanceToSeconds(340);
    steps(tc, ds, [0, 2]);

    // the update is complete
    tc.advanceToSeconds(350);
    steps(tc, ds, [0, 0]);
  });
});

describe('TestDaemonSetUpdatesNoTemplateChanged', () => {
  it('OnDelete to RollingUpdate without a template change replaces nothing', () => {
    const tc = new TestController();
    let ds = tc.addDaemonSet(newDaemonSet('foo'));
    tc.addNodes(0, 5);
    tc.expectSyncDaemonSets(ds, 5, 0, 0);
    ds = tc.updateDaemonSet(ds, (d) => rollingUpdate(d, 3));
    steps(tc, ds, [0, 0]);
    tc.clearExpectations(ds);
  });
});

describe('TestGetUnavailableNumbers', () => {
  const readyPod = (name: string, node: string, terminating = false): Pod => {
    const pod = newPod(name, node, simpleDaemonSetLabel);
    pod.metadata = { ...(pod.metadata ?? {}), name };
    writable(pod).status = { conditions: [readyCondition(true)] };
    if (terminating) writable(pod.metadata).deletionTimestamp = '2025-01-01T00:00:00Z';
    return pod;
  };
  const nodes = (count: number): Node[] => Array.from({ length: count }, (_, i) => newNode(`node-${i}`));
  const withStrategy = (strategy: NonNullable<DaemonSetSpec['updateStrategy']>): DaemonSet => {
    const ds = newDaemonSet('x');
    specOf(ds).updateStrategy = strategy;
    return ds;
  };
  const cases: {
    name: string;
    nodes: number;
    ds: DaemonSet;
    nodeToPods: () => Map<string, Pod[]>;
    maxSurge: number;
    maxUnavailable: number;
    desiredNumberScheduled: number;
    emptyNodes: number;
  }[] = [
    {
      name: 'No nodes',
      nodes: 0,
      ds: withStrategy(newUpdateUnavailable(0)),
      nodeToPods: () => new Map(),
      maxSurge: 0,
      maxUnavailable: 0,
      desiredNumberScheduled: 0,
      emptyNodes: 0,
    },
    {
      name: 'Two nodes with ready pods',
      nodes: 2,
      ds: withStrategy(newUpdateUnavailable(1)),
      nodeToPods: () =>
        new Map([
          ['node-0', [readyPod('pod-0', 'node-0')]],
          ['node-1', [readyPod('pod-1', 'node-1')]],
        ]),
      maxSurge: 0,
      maxUnavailable: 1,
      desiredNumberScheduled: 2,
      emptyNodes: 0,
    },
    {
      name: 'Two nodes, one node without pods',
      nodes: 2,
      ds: withStrategy(newUpdateUnavailable(0)),
      nodeToPods: () => new Map([['node-0', [readyPod('pod-0', 'node-0')]]]),
      maxSurge: 0,
      maxUnavailable: 1,
      desiredNumberScheduled: 2,
      emptyNodes: 1,
    },
    {
      name: 'Two nodes, one node without pods, surge',
      nodes: 2,
      ds: withStrategy(newUpdateSurge(0)),
      nodeToPods: () => new Map([['node-0', [readyPod('pod-0', 'node-0')]]]),
      maxSurge: 0,
      maxUnavailable: 1,
      desiredNumberScheduled: 2,
      emptyNodes: 1,
    },
    {
      name: 'Two nodes with pods, MaxUnavailable in percents',
      nodes: 2,
      ds: withStrategy(newUpdateUnavailable('50%')),
      nodeToPods: () =>
        new Map([
          ['node-0', [readyPod('pod-0', 'node-0')]],
          ['node-1', [readyPod('pod-1', 'node-1')]],
        ]),
      maxSurge: 0,
      maxUnavailable: 1,
      desiredNumberScheduled: 2,
      emptyNodes: 0,
    },
    {
      name: 'Two nodes with pods, MaxUnavailable in percents, surge',
      nodes: 2,
      ds: withStrategy(newUpdateSurge('50%')),
      nodeToPods: () =>
        new Map([
          ['node-0', [readyPod('pod-0', 'node-0')]],
          ['node-1', [readyPod('pod-1', 'node-1')]],
        ]),
      maxSurge: 1,
      maxUnavailable: 0,
      desiredNumberScheduled: 2,
      emptyNodes: 0,
    },
    {
      name: 'Two nodes with pods, MaxUnavailable is 100%, surge',
      nodes: 2,
      ds: withStrategy(newUpdateSurge('100%')),
      nodeToPods: () =>
        new Map([
          ['node-0', [readyPod('pod-0', 'node-0')]],
          ['node-1', [readyPod('pod-1', 'node-1')]],
        ]),
      maxSurge: 2,
      maxUnavailable: 0,
      desiredNumberScheduled: 2,
      emptyNodes: 0,
    },
    {
      name: 'Two nodes with pods, MaxUnavailable in percents, pod terminating',
      nodes: 3,
      ds: withStrategy(newUpdateUnavailable('50%')),
      nodeToPods: () =>
        new Map([
          ['node-0', [readyPod('pod-0', 'node-0')]],
          ['node-1', [readyPod('pod-1', 'node-1', true)]],
        ]),
      maxSurge: 0,
      maxUnavailable: 2,
      desiredNumberScheduled: 3,
      emptyNodes: 1,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const nodeToPods = c.nodeToPods();
      // updatedDesiredNodeCounts reads only the DaemonSet and the eligibility, budget and node-order rules.
      const rules = { ...REFERENCE_RULES, shouldRun: nodeShouldRunDaemonPod, budgets: effectiveBudgets };
      const ctx = { ds: c.ds, rules } as unknown as SyncContext;
      const { maxSurge, maxUnavailable, desired, entries } = updatedDesiredNodeCounts(ctx, nodes(c.nodes), nodeToPods);
      expect({ maxSurge, maxUnavailable, desired }).toEqual({
        maxSurge: c.maxSurge,
        maxUnavailable: c.maxUnavailable,
        desired: c.desiredNumberScheduled,
      });
      // Upstream counts the empty entries it adds to the map; here they are the entries listed.
      const empty = entries.filter(([, pods]) => pods.length === 0).length;
      expect(empty).toBe(c.emptyNodes);
    });
  }
});

describe('TestControlledHistories', () => {
  const revision = (
    name: string,
    namespace: string,
    labels: Record<string, string>,
    owner?: DaemonSet,
  ): ControllerRevision => ({
    apiVersion: 'apps/v1',
    kind: 'ControllerRevision',
    metadata: {
      name,
      namespace,
      labels: { ...labels },
      ...(owner ? { ownerReferences: [newControllerRef(owner)] } : {}),
    },
    revision: 0,
  });

  it('controller revision in the same namespace', () => {
    const tc = new TestController();
    const ds1 = tc.addDaemonSet(newDaemonSet('ds1'));
    tc.store.create('ControllerRevision', revision('ds1-x1', 'default', simpleDaemonSetLabel, ds1));
    tc.store.create('ControllerRevision', revision('ds1-x2', 'default', simpleDaemonSetLabel));
    tc.controller.processEvents();
    const cached = tc.controller.cache.daemonSets.get(tc.key(ds1)) as DaemonSet;
    const list = tc.controller.controlledHistories(cached);
    expect(list.map((r) => r.metadata?.name).sort()).toEqual(['ds1-x1', 'ds1-x2']);
    // the orphan was adopted
    const adopted = tc.store.get('ControllerRevision', 'default', 'ds1-x2');
    expect(adopted ? controllerRefOf(adopted)?.uid : undefined).toBe(ds1.metadata?.uid);
  });

  it('Skip adopting the controller revision in namespace other than the one in which DS lives', () => {
    const tc = new TestController();
    const ds1 = tc.addDaemonSet(newDaemonSet('ds1'));
    tc.store.create('ControllerRevision', revision('ds1-x3', 'default-other', simpleDaemonSetLabel));
    tc.controller.processEvents();
    const cached = tc.controller.cache.daemonSets.get(tc.key(ds1)) as DaemonSet;
    expect(tc.controller.controlledHistories(cached)).toEqual([]);
    const other = tc.store.get('ControllerRevision', 'default-other', 'ds1-x3');
    expect(other ? controllerRefOf(other) : 'missing').toBeUndefined();
  });
});
