/**
 * Ports of pkg/controller/daemon/daemon_controller_test.go (catalogue §8.1 of the semantics note),
 * one describe per upstream test, one it per table case and update strategy.
 */
import type { DaemonSet, DaemonSetSpec, DaemonSetUpdateStrategy } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { toTimestamp } from '../../src/cluster/clock.js';
import { ControllerRevisionHashLabel, newControllerRef } from '../../src/cluster/objects.js';
import { nodeUpdateMatters } from '../../src/controller/controller.js';
import type { DaemonSetControl } from '../../src/controller/daemonSetControl.js';
import { failedPodsBackoffKey } from '../../src/controller/manage.js';
import { nodeShouldRunDaemonPod } from '../../src/controller/shouldRun.js';
import { storeDaemonSetStatus } from '../../src/controller/status.js';
import type { SyncContext } from '../../src/controller/syncContext.js';
import {
  allocatableResources,
  newDaemonSet,
  newNode,
  newPod,
  newUpdateSurge,
  nodeNotReady,
  nodeUnreachable,
  noExecuteTaints,
  noScheduleTaints,
  noScheduleTolerations,
  pinnedAffinity,
  readyCondition,
  resourcePodSpec,
  simpleDaemonSetLabel,
  simpleDaemonSetLabel2,
  simpleNodeLabel,
  simpleNodeLabel2,
  TestController,
  updateStrategies,
  type Writable,
  writable,
} from './harness.js';

// --- small helpers -------------------------------------------------------------------------

function specOf(ds: DaemonSet): DaemonSetSpec {
  if (ds.spec === undefined) throw new Error('DaemonSet without spec');
  return ds.spec;
}

function podSpecOf(ds: DaemonSet): PodSpec {
  const template = specOf(ds).template;
  template.spec ??= { containers: [] };
  return template.spec;
}

/** newDaemonSet(name) with the given strategy and an optional edit. */
function daemonSet(
  name: string,
  strategy?: DaemonSetUpdateStrategy,
  edit?: (ds: DaemonSet, spec: PodSpec) => void,
): DaemonSet {
  const ds = newDaemonSet(name);
  if (strategy) specOf(ds).updateStrategy = strategy;
  edit?.(ds, podSpecOf(ds));
  return ds;
}

function nodeWith(name: string, edit: (node: Writable<Node>) => void, labels?: Record<string, string>): Node {
  const node = newNode(name, labels);
  edit(writable(node));
  return node;
}

/** A pod that no controller owns and no selector matches (upstream: `&v1.Pod{Spec: podSpec}`). */
function barePod(spec: PodSpec, generateName = 'bare-'): Pod {
  return { metadata: { generateName, namespace: 'default' }, spec };
}

function withoutHash(pod: Pod): Pod {
  const labels = { ...(pod.metadata?.labels ?? {}) };
  delete labels[ControllerRevisionHashLabel];
  return { ...pod, metadata: { ...(pod.metadata ?? {}), labels } };
}

/** One `it` per update strategy, named after it (upstream loops over updateStrategies()). */
function forEachStrategy(body: (strategy: DaemonSetUpdateStrategy) => void): void {
  for (const { name, strategy } of updateStrategies()) it(name, () => body(strategy));
}

/** Creates `ds` with `strategy`, `nodes` plain nodes, and expects one sync to do (creates, deletes, events). */
function launches(
  name: string,
  edit: ((ds: DaemonSet, spec: PodSpec) => void) | undefined,
  setup: (tc: TestController) => void,
  counts: [number, number, number],
) {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(daemonSet(name, strategy, edit));
    setup(tc);
    tc.expectSyncDaemonSets(ds, ...counts);
  });
}

// --- catalogue §8.1 -------------------------------------------------------------------------

describe('TestDeleteFinalStateUnknown', () => {
  // Our watch never delivers tombstones (DeletedFinalStateUnknown): a delete event always carries
  // the last object. What the test checks is the delete handler enqueueing the DaemonSet's key.
  forEachStrategy((strategy) => {
    const tc = new TestController();
    tc.addNodes(0, 1);
    tc.addDaemonSet(daemonSet('foo', strategy));
    tc.controller.processEvents();
    tc.controller.takeQueued();
    tc.store.delete('DaemonSet', 'default', 'foo');
    tc.controller.processEvents();
    expect(tc.controller.takeQueued()).toEqual(['default/foo']);
  });
});

describe('TestExpectationsOnRecreate', () => {
  it('expectations are dropped with the DaemonSet and start fresh for a new one of the same name', () => {
    // Real informers (events arrive only when consumed) and a pod control whose creates never
    // reach the API, as in upstream: so create expectations stay pending.
    const tc = new TestController({ observeOwnWritesImmediately: false });
    tc.control.writePods = false;
    const { controller } = tc;
    tc.addNode(newNode('master-0'));
    controller.processEvents();
    controller.processNodeQueue();
    expect(controller.queue).toHaveLength(0);

    const oldDS = tc.addDaemonSet(newDaemonSet('test'));
    const key = tc.key(oldDS);
    controller.processEvents();
    expect(controller.queue).toEqual([key]); // created DS
    controller.step();
    expect(tc.control.templates).toHaveLength(1);
    expect(tc.control.deletePodNames).toHaveLength(0);
    expect(tc.control.events).toHaveLength(0);
    tc.control.clear();
    const pending = controller.expectations.get(key);
    expect(pending).toBeDefined();
    expect(controller.expectations.satisfied(key)).toBe(false);

    controller.processEvents();
    expect(controller.queue).toEqual([key]); // the status update is a DS update
    controller.step();
    controller.processEvents();
    expect(controller.queue).toHaveLength(0); // the second sync does not write status again

    tc.store.delete('DaemonSet', 'default', 'test');
    controller.processEvents();
    expect(controller.queue).toEqual([key]); // deleted DS
    expect(controller.expectations.get(key)).toBeUndefined();
    expect(controller.takeQueued()).toEqual([key]); // skip the sync of the delete
    controller.processEvents();
    expect(controller.queue).toHaveLength(0);

    const newDS = tc.addDaemonSet(newDaemonSet('test'));
    expect(newDS.metadata?.uid).not.toBe(oldDS.metadata?.uid);
    controller.processEvents();
    expect(controller.queue).toEqual([key]); // recreated DS
    controller.step();
    expect(controller.expectations.get(key)).toBeDefined();
    expect(controller.expectations.satisfied(key)).toBe(false);
    expect(tc.control.templates).toHaveLength(1);
    expect(tc.control.deletePodNames).toHaveLength(0);
  });
});

describe('TestSimpleDaemonSetLaunchesPods', () => {
  launches('foo', undefined, (tc) => tc.addNodes(0, 5), [5, 0, 0]);
});

describe('TestSimpleDaemonSetScheduleDaemonSetPodsLaunchesPods', () => {
  forEachStrategy((strategy) => {
    const nodeNum = 5;
    const tc = new TestController();
    const ds = tc.addDaemonSet(daemonSet('foo', strategy));
    tc.addNodes(0, nodeNum);
    tc.expectSyncDaemonSets(ds, nodeNum, 0, 0);
    const created = tc.control.createdPods;
    expect(created).toHaveLength(nodeNum);
    const remaining = new Set(tc.store.list('Node').map((n) => n.metadata?.name));
    expect(remaining.size).toBe(nodeNum);
    for (const pod of created) {
      expect(pod.spec?.nodeName ?? '').toBe('');
      const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      expect(terms).toHaveLength(1);
      const fields = terms?.[0]?.matchFields;
      expect(fields).toHaveLength(1);
      const field = fields?.[0];
      if (field?.key === 'metadata.name') {
        expect(field.operator).toBe('In');
        expect(field.values).toHaveLength(1);
        remaining.delete(field.values?.[0]);
      }
    }
    expect([...remaining]).toEqual([]);
  });
});

describe('TestSimpleDaemonSetPodCreateErrors', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    tc.control.createLimit = 10;
    tc.addNodes(0, tc.control.createLimit * 10);
    const ds = tc.addDaemonSet(daemonSet('foo', strategy));
    tc.expectSyncDaemonSets(ds, tc.control.createLimit, 0, 0);
    // Slow start: at most the batches 1, 2, 4, 8, … up to the first one that failed.
    let expectedLimit = 0;
    for (let pass = 0; expectedLimit <= tc.control.createLimit; pass++) expectedLimit += 1 << pass;
    expect(tc.control.createCallCount).toBeLessThanOrEqual(expectedLimit);
    const updated = tc.control.updated;
    expect(updated).toBeDefined();
    expect(updated?.status?.desiredNumberScheduled).toBe(tc.control.createLimit * 10);
    expect(updated?.status?.currentNumberScheduled).toBe(tc.control.createLimit);
    expect(updated?.status?.updatedNumberScheduled).toBe(tc.control.createLimit);
  });
});

describe('TestDaemonSetPodCreateExpectationsError', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    tc.control.createLimit = 10;
    tc.addNodes(0, 100);
    const ds = tc.addDaemonSet(daemonSet('foo', strategy));
    tc.expectSyncDaemonSets(ds, tc.control.createLimit, 0, 0);
    expect(tc.controller.expectations.satisfied(tc.key(ds))).toBe(true);
  });
});

describe('TestSimpleDaemonSetUpdatesStatusAfterLaunchingPods', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(daemonSet('foo', strategy));
    tc.addNodes(0, 5);
    tc.expectSyncDaemonSets(ds, 5, 0, 0);
    // The single sync already wrote the status for what manage did.
    expect(tc.control.updated?.status?.currentNumberScheduled).toBe(5);
  });
});

describe('TestSimpleDaemonSetUpdatesStatusError', () => {
  const cases = [
    { desc: 'sync error', hasSyncErr: true, hasStatusErr: false, expected: 'sync error' },
    { desc: 'status error', hasSyncErr: false, hasStatusErr: true, expected: 'status error' },
    { desc: 'sync and status error', hasSyncErr: true, hasStatusErr: true, expected: 'sync error' },
  ];
  for (const c of cases) {
    describe(c.desc, () => {
      forEachStrategy((strategy) => {
        const tc = new TestController();
        if (c.hasSyncErr) tc.control.createError = new Error('sync error');
        if (c.hasStatusErr) tc.control.statusUpdateError = new Error('status error');
        const ds = tc.addDaemonSet(daemonSet('foo', strategy));
        tc.addNodes(0, 1);
        const result = tc.expectSyncDaemonSets(ds, 1, 0, 0, { expectedError: c.expected });
        if (c.hasSyncErr) expect(result.error?.message).not.toContain('status error');
      });
    });
  }
});

describe('TestNoNodesDoesNothing', () => {
  launches('foo', undefined, () => {}, [0, 0, 0]);
});

describe('TestOneNodeDaemonLaunchesPod', () => {
  launches('foo', undefined, (tc) => tc.addNode(newNode('only-node')), [1, 0, 0]);
});

describe('TestNotReadyNodeDaemonDoesLaunchPod', () => {
  launches(
    'foo',
    undefined,
    (tc) =>
      tc.addNode(
        nodeWith('not-ready', (n) => {
          n.status = { ...(n.status ?? {}), conditions: [{ type: 'Ready', status: 'False' }] };
        }),
      ),
    [1, 0, 0],
  );
});

describe('TestInsufficientCapacityNodeDaemonDoesNotUnscheduleRunningPod', () => {
  forEachStrategy((strategy) => {
    const podSpec = resourcePodSpec('too-much-mem', '75M', '75m');
    const tc = new TestController();
    tc.addNode(
      nodeWith('too-much-mem', (n) => {
        n.status = { ...(n.status ?? {}), allocatable: allocatableResources('100M', '200m') };
      }),
    );
    tc.addPod(barePod(structuredClone(podSpec)));
    const ds = tc.addDaemonSet(
      daemonSet('foo', strategy, (d) => {
        specOf(d).template.spec = structuredClone(podSpec);
      }),
    );
    tc.expectSyncDaemonSets(ds, 1, 0, 0);
  });
});

describe('TestInsufficientCapacityNodeSufficientCapacityWithNodeLabelDaemonLaunchPod', () => {
  it('OnDelete', () => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(
      daemonSet('foo', undefined, (d) => {
        specOf(d).template.spec = { ...resourcePodSpec('', '50M', '75m'), nodeSelector: { ...simpleNodeLabel } };
      }),
    );
    tc.addNode(
      nodeWith('not-enough-resource', (n) => {
        n.status = { ...(n.status ?? {}), allocatable: allocatableResources('10M', '20m') };
      }),
    );
    tc.addNode(
      nodeWith(
        'enough-resource',
        (n) => {
          n.status = { ...(n.status ?? {}), allocatable: allocatableResources('100M', '200m') };
        },
        simpleNodeLabel,
      ),
    );
    tc.expectSyncDaemonSets(ds, 1, 0, 0);
    expect(tc.control.events).toHaveLength(0); // no event for insufficient free resource
  });
});

describe('TestNetworkUnavailableNodeDaemonLaunchesPod', () => {
  launches(
    'simple',
    undefined,
    (tc) =>
      tc.addNode(
        nodeWith('network-unavailable', (n) => {
          n.status = { ...(n.status ?? {}), conditions: [{ type: 'NetworkUnavailable', status: 'True' }] };
        }),
      ),
    [1, 0, 0],
  );
});

describe('TestDontDoAnythingIfBeingDeleted', () => {
  forEachStrategy((strategy) => {
    const podSpec = resourcePodSpec('not-too-much-mem', '75M', '75m');
    const tc = new TestController();
    tc.addNode(
      nodeWith('not-too-much-mem', (n) => {
        n.status = { ...(n.status ?? {}), allocatable: allocatableResources('200M', '200m') };
      }),
    );
    tc.addPod(barePod(structuredClone(podSpec)));
    const created = tc.addDaemonSet(
      daemonSet('foo', strategy, (d) => {
        specOf(d).template.spec = structuredClone(podSpec);
      }),
    );
    // A foreground delete keeps the DaemonSet readable with a deletionTimestamp.
    const ds = tc.store.delete('DaemonSet', 'default', 'foo', { propagationPolicy: 'Foreground' });
    expect(ds?.metadata?.deletionTimestamp).toBeDefined();
    tc.expectSyncDaemonSets(created, 0, 0, 0);
    expect(tc.control.statusUpdateCalls).toBe(0);
  });
});

describe('TestDontDoAnythingIfBeingDeletedRace', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    tc.addNodes(0, 5);
    const ds = tc.addDaemonSet(daemonSet('foo', strategy));
    // The existence of a matching orphan should block all actions in this state.
    tc.addPod(newPod('pod1-', 'node-0', simpleDaemonSetLabel));
    tc.controller.processEvents(); // the cache says: not deleted
    tc.store.delete('DaemonSet', 'default', 'foo', { propagationPolicy: 'Foreground' }); // the API says: deleted
    tc.expectSyncDaemonSets(ds, 0, 0, 0, { processEvents: false });
  });
});

describe('TestPortConflictWithSameDaemonPodDoesNotDeletePod', () => {
  forEachStrategy((strategy) => {
    const podSpec: PodSpec = {
      nodeName: 'port-conflict',
      containers: [{ name: 'c', ports: [{ containerPort: 666, hostPort: 666 }] }],
    };
    const tc = new TestController();
    tc.addNode(newNode('port-conflict'));
    const ds = tc.addDaemonSet(
      daemonSet('foo', strategy, (d) => {
        specOf(d).template.spec = structuredClone(podSpec);
      }),
    );
    tc.addPod(newPod('foo-', 'port-conflict', simpleDaemonSetLabel, ds));
    tc.expectSyncDaemonSets(ds, 0, 0, 0);
  });
});

describe('TestNoPortConflictNodeDaemonLaunchesPod', () => {
  forEachStrategy((strategy) => {
    const podSpec1: PodSpec = {
      nodeName: 'no-port-conflict',
      containers: [{ name: 'c', ports: [{ containerPort: 6661, hostPort: 6661 }] }],
    };
    const podSpec2: PodSpec = {
      nodeName: 'no-port-conflict',
      containers: [{ name: 'c', ports: [{ containerPort: 6662, hostPort: 6662 }] }],
    };
    const tc = new TestController();
    const ds = tc.addDaemonSet(
      daemonSet('foo', strategy, (d) => {
        specOf(d).template.spec = podSpec2;
      }),
    );
    tc.addNode(newNode('no-port-conflict'));
    tc.addPod(barePod(podSpec1));
    tc.expectSyncDaemonSets(ds, 1, 0, 0);
  });
});

describe('TestPodIsNotDeletedByDaemonsetWithEmptyLabelSelector', () => {
  // An empty selector (impossible through validation, possible after an upgrade) must make the
  // controller refuse to act: no creates, no deletes, one SelectingAll event.
  forEachStrategy((strategy) => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(
      daemonSet('foo', strategy, (d, spec) => {
        specOf(d).selector = {};
        spec.nodeSelector = { foo: 'bar' };
      }),
    );
    tc.addNode(newNode('node1'));
    tc.addPod({
      metadata: { generateName: 'bang-', namespace: 'default', labels: { bang: 'boom' } },
      spec: { nodeName: 'node1', containers: [] },
    });
    tc.expectSyncDaemonSets(ds, 0, 0, 1);
    expect(tc.control.events[0]?.reason).toBe('SelectingAll');
  });
});

describe('TestDealsWithExistingPods', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(daemonSet('foo', strategy));
    tc.addNodes(0, 5);
    tc.addPods('node-1', simpleDaemonSetLabel, ds, 1);
    tc.addPods('node-2', simpleDaemonSetLabel, ds, 2);
    tc.addPods('node-3', simpleDaemonSetLabel, ds, 5);
    tc.addPods('node-4', simpleDaemonSetLabel2, ds, 2);
    tc.expectSyncDaemonSets(ds, 2, 5, 0);
  });
});

describe('TestSelectorDaemonLaunchesPods', () => {
  launches(
    'foo',
    (_, spec) => {
      spec.nodeSelector = { ...simpleNodeLabel };
    },
    (tc) => {
      tc.addNodes(0, 4);
      tc.addNodes(4, 3, simpleNodeLabel);
    },
    [3, 0, 0],
  );
});

describe('TestSelectorDaemonDeletesUnselectedPods', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(
      daemonSet('foo', strategy, (_, spec) => {
        spec.nodeSelector = { ...simpleNodeLabel };
      }),
    );
    tc.addNodes(0, 5);
    tc.addNodes(5, 5, simpleNodeLabel);
    tc.addPods('node-0', simpleDaemonSetLabel2, ds, 2);
    tc.addPods('node-1', simpleDaemonSetLabel, ds, 3);
    tc.addPods('node-1', simpleDaemonSetLabel2, ds, 1);
    tc.addPods('node-4', simpleDaemonSetLabel, ds, 1);
    tc.expectSyncDaemonSets(ds, 5, 4, 0);
  });
});

describe('TestSelectorDaemonDealsWithExistingPods', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(
      daemonSet('foo', strategy, (_, spec) => {
        spec.nodeSelector = { ...simpleNodeLabel };
      }),
    );
    tc.addNodes(0, 5);
    tc.addNodes(5, 5, simpleNodeLabel);
    tc.addPods('node-0', simpleDaemonSetLabel, ds, 1);
    tc.addPods('node-1', simpleDaemonSetLabel, ds, 3);
    tc.addPods('node-1', simpleDaemonSetLabel2, ds, 2);
    tc.addPods('node-2', simpleDaemonSetLabel, ds, 4);
    tc.addPods('node-6', simpleDaemonSetLabel, ds, 13);
    tc.addPods('node-7', simpleDaemonSetLabel2, ds, 4);
    tc.addPods('node-9', simpleDaemonSetLabel, ds, 1);
    tc.addPods('node-9', simpleDaemonSetLabel2, ds, 1);
    tc.expectSyncDaemonSets(ds, 3, 20, 0);
  });
});

describe('TestBadSelectorDaemonDoesNothing', () => {
  launches(
    'foo',
    (_, spec) => {
      spec.nodeSelector = { ...simpleNodeLabel2 };
    },
    (tc) => {
      tc.addNodes(0, 4);
      tc.addNodes(4, 3, simpleNodeLabel);
    },
    [0, 0, 0],
  );
});

describe('TestNameDaemonSetLaunchesPods', () => {
  launches(
    'foo',
    (_, spec) => {
      spec.nodeName = 'node-0';
    },
    (tc) => tc.addNodes(0, 5),
    [1, 0, 0],
  );
});

describe('TestBadNameDaemonSetDoesNothing', () => {
  launches(
    'foo',
    (_, spec) => {
      spec.nodeName = 'node-10';
    },
    (tc) => tc.addNodes(0, 5),
    [0, 0, 0],
  );
});

describe('TestNameAndSelectorDaemonSetLaunchesPods', () => {
  launches(
    'foo',
    (_, spec) => {
      spec.nodeSelector = { ...simpleNodeLabel };
      spec.nodeName = 'node-6';
    },
    (tc) => {
      tc.addNodes(0, 4);
      tc.addNodes(4, 3, simpleNodeLabel);
    },
    [1, 0, 0],
  );
});

describe('TestInconsistentNameSelectorDaemonSetDoesNothing', () => {
  launches(
    'foo',
    (_, spec) => {
      spec.nodeSelector = { ...simpleNodeLabel };
      spec.nodeName = 'node-0';
    },
    (tc) => {
      tc.addNodes(0, 4);
      tc.addNodes(4, 3, simpleNodeLabel);
    },
    [0, 0, 0],
  );
});

describe('TestSelectorDaemonSetLaunchesPods', () => {
  it('OnDelete', () => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(
      daemonSet('foo', undefined, (_, spec) => {
        spec.nodeSelector = { ...simpleNodeLabel };
      }),
    );
    tc.addNodes(0, 4);
    tc.addNodes(4, 3, simpleNodeLabel);
    tc.expectSyncDaemonSets(ds, 3, 0, 0);
  });
});

describe('TestNodeAffinityDaemonLaunchesPods', () => {
  launches(
    'foo',
    (_, spec) => {
      spec.affinity = {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: [{ matchExpressions: [{ key: 'color', operator: 'In', values: ['blue'] }] }],
          },
        },
      };
    },
    (tc) => {
      tc.addNodes(0, 4);
      tc.addNodes(4, 3, simpleNodeLabel);
    },
    [3, 0, 0],
  );
});

describe('TestNumberReadyStatus', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    tc.addNodes(0, 2, simpleNodeLabel);
    const ds = tc.addDaemonSet(daemonSet('foo', strategy));
    tc.addPods('node-0', simpleDaemonSetLabel, ds, 1);
    tc.addPods('node-1', simpleDaemonSetLabel, ds, 1);
    tc.expectSyncDaemonSets(ds, 0, 0, 0);
    expect(tc.control.updated?.status?.numberReady).toBe(0);

    for (const pod of tc.pods()) {
      tc.setPodStatus(pod, (p) => {
        p.status = { ...(p.status ?? {}), conditions: [readyCondition(true)] };
      });
    }
    tc.expectSyncDaemonSets(ds, 0, 0, 0);
    expect(tc.control.updated?.status?.numberReady).toBe(2);
  });
});

describe('TestObservedGeneration', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    tc.addNodes(0, 1, simpleNodeLabel);
    const ds = tc.addDaemonSet(daemonSet('foo', strategy));
    expect(ds.metadata?.generation).toBe(1);
    tc.addPods('node-0', simpleDaemonSetLabel, ds, 1);
    tc.expectSyncDaemonSets(ds, 0, 0, 0);
    expect(tc.control.updated?.status?.observedGeneration).toBe(ds.metadata?.generation);
  });
});

describe('TestDaemonKillFailedPods', () => {
  const cases = [
    { failed: 0, normal: 1, creates: 0, deletes: 0, events: 0, test: 'normal (do nothing)' },
    { failed: 0, normal: 0, creates: 1, deletes: 0, events: 0, test: 'no pods (create 1)' },
    {
      failed: 1,
      normal: 0,
      creates: 0,
      deletes: 1,
      events: 1,
      test: '1 failed pod (kill 1), 0 normal pod (create 0; will create in the next sync)',
    },
    { failed: 1, normal: 3, creates: 0, deletes: 3, events: 1, test: '1 failed pod (kill 1), 3 normal pods (kill 2)' },
  ];
  for (const c of cases) {
    describe(c.test, () => {
      forEachStrategy((strategy) => {
        const tc = new TestController();
        const ds = tc.addDaemonSet(daemonSet('foo', strategy));
        tc.addNodes(0, 1);
        tc.addFailedPods('node-0', simpleDaemonSetLabel, ds, c.failed);
        tc.addPods('node-0', simpleDaemonSetLabel, ds, c.normal);
        tc.expectSyncDaemonSets(ds, c.creates, c.deletes, c.events);
      });
    });
  }
});

describe('TestDaemonKillFailedPodsBackoff', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    // The status already observes generation 1. Upstream's cached DaemonSet never sees the
    // controller's status writes, so its backoff key (which embeds observedGeneration) stays put;
    // ours does see them, so we start from the status the first write would produce.
    const ds = tc.addDaemonSet({
      ...daemonSet('foo', strategy),
      status: {
        observedGeneration: 1,
        currentNumberScheduled: 0,
        desiredNumberScheduled: 0,
        numberMisscheduled: 0,
        numberReady: 0,
      },
    });
    tc.addNodes(0, 1);
    const nodeName = 'node-0';
    tc.addFailedPods(nodeName, simpleDaemonSetLabel, ds, 1);
    // Upstream's fake pod control cannot delete pods it did not create: the delete is recorded,
    // fails, and the failed pod stays. We fail deletes the same way.
    tc.control.deleteError = new Error('pod does not exist');
    const backoffKey = failedPodsBackoffKey({ ds: tc.daemonSet(ds) } as SyncContext, nodeName);

    // First sync deletes the pod, starting the backoff.
    tc.expectSyncDaemonSets(ds, 0, 1, 1);
    const initialDelay = tc.controller.failedPodsBackoff.get(backoffKey);
    expect(initialDelay).toBeGreaterThan(0);

    tc.resetCounters();
    // An immediate second sync is held back by the backoff, which does not grow while waiting.
    tc.expectSyncDaemonSets(ds, 0, 0, 0);
    const delay = tc.controller.failedPodsBackoff.get(backoffKey);
    expect(delay).toBe(initialDelay);

    tc.resetCounters();
    tc.clock.advance(delay - 1); // just before the end of the backoff
    expect(tc.controller.failedPodsBackoff.isInBackOffSinceUpdate(backoffKey, tc.clock.nowMs())).toBe(true);
    tc.clock.advance(1); // at the end
    expect(tc.controller.failedPodsBackoff.isInBackOffSinceUpdate(backoffKey, tc.clock.nowMs())).toBe(false);

    // After the backoff, the failed pod is deleted again.
    tc.expectSyncDaemonSets(ds, 0, 1, 1);
  });
});

describe('TestNoScheduleTaintedDoesntEvicitRunningIntolerantPod', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(daemonSet('intolerant', strategy));
    tc.addNode(
      nodeWith('tainted', (n) => {
        n.spec = { taints: structuredClone(noScheduleTaints) };
      }),
    );
    tc.addPod(newPod('keep-running-me', 'tainted', simpleDaemonSetLabel, ds));
    tc.expectSyncDaemonSets(ds, 0, 0, 0);
  });
});

describe('TestNoExecuteTaintedDoesEvicitRunningIntolerantPod', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(daemonSet('intolerant', strategy));
    tc.addNode(
      nodeWith('tainted', (n) => {
        n.spec = { taints: structuredClone(noExecuteTaints) };
      }),
    );
    tc.addPod(newPod('stop-running-me', 'tainted', simpleDaemonSetLabel, ds));
    tc.expectSyncDaemonSets(ds, 0, 1, 0);
  });
});

describe('TestTaintedNodeDaemonDoesNotLaunchIntolerantPod', () => {
  launches(
    'intolerant',
    undefined,
    (tc) =>
      tc.addNode(
        nodeWith('tainted', (n) => {
          n.spec = { taints: structuredClone(noScheduleTaints) };
        }),
      ),
    [0, 0, 0],
  );
});

describe('TestTaintedNodeDaemonLaunchesToleratePod', () => {
  launches(
    'tolerate',
    (_, spec) => {
      spec.tolerations = structuredClone(noScheduleTolerations);
    },
    (tc) =>
      tc.addNode(
        nodeWith('tainted', (n) => {
          n.spec = { taints: structuredClone(noScheduleTaints) };
        }),
      ),
    [1, 0, 0],
  );
});

describe('TestNotReadyNodeDaemonLaunchesPod', () => {
  launches(
    'simple',
    undefined,
    (tc) =>
      tc.addNode(
        nodeWith('tainted', (n) => {
          n.spec = { taints: structuredClone(nodeNotReady) };
          n.status = { ...(n.status ?? {}), conditions: [{ type: 'Ready', status: 'False' }] };
        }),
      ),
    [1, 0, 0],
  );
});

describe('TestUnreachableNodeDaemonLaunchesPod', () => {
  launches(
    'simple',
    undefined,
    (tc) =>
      tc.addNode(
        nodeWith('tainted', (n) => {
          n.spec = { taints: structuredClone(nodeUnreachable) };
          n.status = { ...(n.status ?? {}), conditions: [{ type: 'Ready', status: 'Unknown' }] };
        }),
      ),
    [1, 0, 0],
  );
});

describe('TestNodeDaemonLaunchesToleratePod', () => {
  launches(
    'tolerate',
    (_, spec) => {
      spec.tolerations = structuredClone(noScheduleTolerations);
    },
    (tc) => tc.addNodes(0, 1),
    [1, 0, 0],
  );
});

describe('TestDaemonSetRespectsTermination', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    tc.addNodes(0, 1, simpleNodeLabel);
    const ds = tc.addDaemonSet(daemonSet('foo', strategy));
    const [pod] = tc.addPods('node-0', simpleDaemonSetLabel, ds, 1);
    tc.markPodTerminating(pod as Pod);
    tc.expectSyncDaemonSets(ds, 0, 0, 0);
  });
});

describe('TestTaintPressureNodeDaemonLaunchesPod', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(
      daemonSet('critical', strategy, (d, spec) => {
        // setDaemonSetCritical: kube-system and the system-critical priority.
        d.metadata = { ...(d.metadata ?? {}), namespace: 'kube-system' };
        specOf(d).template.metadata = { ...(specOf(d).template.metadata ?? {}), annotations: {} };
        spec.priority = 2000000000;
      }),
    );
    tc.addNode(
      nodeWith('resources-pressure', (n) => {
        n.status = {
          ...(n.status ?? {}),
          conditions: [
            { type: 'DiskPressure', status: 'True' },
            { type: 'MemoryPressure', status: 'True' },
            { type: 'PIDPressure', status: 'True' },
          ],
        };
        n.spec = {
          taints: [
            { key: 'node.kubernetes.io/disk-pressure', effect: 'NoSchedule' },
            { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' },
            { key: 'node.kubernetes.io/pid-pressure', effect: 'NoSchedule' },
          ],
        };
      }),
    );
    tc.expectSyncDaemonSets(ds, 1, 0, 0);
  });
});

describe('TestNodeShouldRunDaemonPod', () => {
  const withTemplate = (spec: PodSpec): DaemonSet => ({
    spec: {
      selector: { matchLabels: { ...simpleDaemonSetLabel } },
      template: { metadata: { labels: { ...simpleDaemonSetLabel } }, spec },
    },
  });
  const hostPortPod = (resources?: boolean): PodSpec => ({
    containers: [
      {
        name: 'c',
        ports: [{ containerPort: 666, hostPort: 666 }],
        ...(resources ? { resources: { requests: allocatableResources('50M', '0.5') } } : {}),
      },
    ],
  });
  const typeIn = (value: string): PodSpec => ({
    containers: [],
    affinity: {
      nodeAffinity: {
        requiredDuringSchedulingIgnoredDuringExecution: {
          nodeSelectorTerms: [{ matchExpressions: [{ key: 'type', operator: 'In', values: [value] }] }],
        },
      },
    },
  });
  const cases: {
    predicateName: string;
    podsOnNode?: PodSpec[];
    nodeUnschedulable?: boolean;
    ds: DaemonSet;
    shouldRun: boolean;
    shouldContinueRunning: boolean;
  }[] = [
    {
      predicateName: 'ShouldRunDaemonPod',
      ds: withTemplate(resourcePodSpec('', '50M', '0.5')),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      predicateName: 'InsufficientResourceError',
      ds: withTemplate(resourcePodSpec('', '200M', '0.5')),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      predicateName: 'ErrPodNotMatchHostName',
      ds: withTemplate(resourcePodSpec('other-node', '50M', '0.5')),
      shouldRun: false,
      shouldContinueRunning: false,
    },
    {
      predicateName: 'ErrPodNotFitsHostPorts',
      podsOnNode: [hostPortPod()],
      ds: withTemplate(hostPortPod()),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      predicateName: 'InsufficientResourceError',
      podsOnNode: [hostPortPod(true)],
      ds: withTemplate(resourcePodSpec('', '100M', '0.5')),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      predicateName: 'ShouldRunDaemonPod',
      podsOnNode: [hostPortPod(true)],
      ds: withTemplate(resourcePodSpec('', '50M', '0.5')),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      predicateName: 'ErrNodeSelectorNotMatch',
      ds: withTemplate({ containers: [], nodeSelector: { ...simpleDaemonSetLabel2 } }),
      shouldRun: false,
      shouldContinueRunning: false,
    },
    {
      predicateName: 'ShouldRunDaemonPod',
      ds: withTemplate({ containers: [], nodeSelector: { ...simpleDaemonSetLabel } }),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      predicateName: 'ErrPodAffinityNotMatch',
      ds: withTemplate(typeIn('test')),
      shouldRun: false,
      shouldContinueRunning: false,
    },
    {
      predicateName: 'ShouldRunDaemonPod',
      ds: withTemplate(typeIn('production')),
      shouldRun: true,
      shouldContinueRunning: true,
    },
    {
      predicateName: 'ShouldRunDaemonPodOnUnschedulableNode',
      ds: withTemplate(resourcePodSpec('', '50M', '0.5')),
      nodeUnschedulable: true,
      shouldRun: true,
      shouldContinueRunning: true,
    },
  ];
  cases.forEach((c, i) => {
    describe(`[${i}] ${c.predicateName}`, () => {
      forEachStrategy((strategy) => {
        const tc = new TestController();
        const node = tc.addNode(
          nodeWith(
            'test-node',
            (n) => {
              n.status = { ...(n.status ?? {}), allocatable: allocatableResources('100M', '1') };
              if (c.nodeUnschedulable) n.spec = { unschedulable: true };
            },
            simpleDaemonSetLabel,
          ),
        );
        // Pods on the node play no part in the decision; they are there as upstream has them.
        for (const spec of c.podsOnNode ?? []) tc.addPod(barePod({ ...structuredClone(spec), nodeName: 'test-node' }));
        const ds = structuredClone(c.ds);
        specOf(ds).updateStrategy = strategy;
        const result = nodeShouldRunDaemonPod(node, ds);
        expect(result.shouldRun).toBe(c.shouldRun);
        expect(result.shouldContinueRunning).toBe(c.shouldContinueRunning);
      });
    });
  });
});

describe('TestUpdateNode', () => {
  const cases: {
    test: string;
    oldNode: Node;
    newNode: Node;
    ds: () => DaemonSet;
    shouldEnqueue: boolean;
    expectedCreates: number;
  }[] = [
    {
      test: 'Nothing changed, should not enqueue',
      oldNode: newNode('node1'),
      newNode: newNode('node1'),
      ds: () =>
        daemonSet('ds', undefined, (_, spec) => {
          spec.nodeSelector = { ...simpleNodeLabel };
        }),
      shouldEnqueue: false,
      expectedCreates: 0,
    },
    {
      test: 'Node labels changed',
      oldNode: newNode('node1'),
      newNode: newNode('node1', simpleNodeLabel),
      ds: () =>
        daemonSet('ds', undefined, (_, spec) => {
          spec.nodeSelector = { ...simpleNodeLabel };
        }),
      shouldEnqueue: true,
      expectedCreates: 0,
    },
    {
      test: 'Node taints changed',
      oldNode: nodeWith('node1', (n) => {
        n.spec = { taints: structuredClone(noScheduleTaints) };
      }),
      newNode: newNode('node1'),
      ds: () => daemonSet('ds'),
      shouldEnqueue: true,
      expectedCreates: 0,
    },
    {
      test: 'Node Allocatable changed',
      oldNode: newNode('node1'),
      newNode: nodeWith('node1', (n) => {
        n.status = { ...(n.status ?? {}), allocatable: allocatableResources('200M', '200m') };
      }),
      ds: () =>
        daemonSet('ds', undefined, (d) => {
          specOf(d).template.spec = resourcePodSpec('', '200M', '200m');
        }),
      shouldEnqueue: false,
      expectedCreates: 1,
    },
  ];
  for (const c of cases) {
    describe(c.test, () => {
      forEachStrategy((strategy) => {
        const tc = new TestController();
        tc.addNode(structuredClone(c.oldNode));
        const ds = tc.addDaemonSet({ ...c.ds(), spec: { ...specOf(c.ds()), updateStrategy: strategy } });
        tc.expectSyncDaemonSets(ds, c.expectedCreates, 0, 0);
        const { controller } = tc;
        controller.processEvents();
        controller.processNodeQueue();
        controller.takeQueued();

        // The node update as the API server would apply it: metadata and spec through update,
        // status through the status subresource. Our store emits no event for a write that changes
        // nothing, so every case also bumps an annotation: the update handler always runs, and
        // must tell label and taint changes from the rest.
        tc.store.modify('Node', undefined, 'node1', (n) => {
          n.metadata = {
            ...(n.metadata ?? {}),
            annotations: { 'example.com/touched': 'yes' },
            labels: structuredClone(c.newNode.metadata?.labels ?? {}),
          };
          if (Object.keys(n.metadata.labels ?? {}).length === 0) delete n.metadata.labels;
          n.spec = structuredClone(c.newNode.spec ?? {});
          if (Object.keys(n.spec).length === 0) delete n.spec;
        });
        tc.store.modify(
          'Node',
          undefined,
          'node1',
          (n) => {
            writable(n).status = structuredClone(c.newNode.status ?? {});
          },
          'status',
        );
        controller.processEvents();
        expect(controller.queue).toEqual([]); // node events only feed the node queue
        controller.processNodeQueue();
        expect(controller.queue.includes(tc.key(ds))).toBe(c.shouldEnqueue);
      });
    });
  }
});

describe('TestDeleteNoDaemonPod', () => {
  const existPods = (withController: boolean): Pod[] =>
    [0, 1, 2, 3].map((i) => ({
      metadata: {
        name: `pod_${i}`,
        namespace: 'default',
        ...(withController ? { ownerReferences: [{ controller: true } as never] } : {}),
      },
      spec: resourcePodSpec('node1', '50M', '50m'),
    }));
  const cases: { test: string; withController: boolean; deleted: string; deletedUnscheduled?: boolean }[] = [
    { test: 'Deleted non-daemon pods to release resources', withController: false, deleted: 'pod_0' },
    { test: 'Deleted non-daemon pods (with controller) to release resources', withController: true, deleted: 'pod_0' },
    { test: 'Deleted no scheduled pods', withController: true, deleted: 'pod_5', deletedUnscheduled: true },
  ];
  for (const c of cases) {
    describe(c.test, () => {
      forEachStrategy((strategy) => {
        const tc = new TestController();
        tc.addNode(
          nodeWith('node1', (n) => {
            n.status = {
              conditions: [{ type: 'Ready', status: 'True' }],
              allocatable: allocatableResources('200M', '200m'),
            };
          }),
        );
        const ds = tc.addDaemonSet(
          daemonSet('ds', strategy, (d) => {
            specOf(d).template.spec = resourcePodSpec('', '50M', '50m');
          }),
        );
        for (const pod of existPods(c.withController)) tc.addPod(pod);
        tc.expectSyncDaemonSets(ds, 1, 0, 0);
        const { controller } = tc;
        if (c.deletedUnscheduled) {
          // Upstream hands the handler a pod that was never in the cache; ours must exist to be deleted.
          tc.addPod({ metadata: { name: c.deleted, namespace: 'default' }, spec: resourcePodSpec('', '50M', '50m') });
        }
        controller.processEvents();
        controller.processNodeQueue();
        controller.takeQueued();
        tc.store.delete('Pod', 'default', c.deleted, { gracePeriodSeconds: 0 });
        controller.processEvents();
        expect(controller.queue.includes(tc.key(ds))).toBe(false);
      });
    });
  }
});

describe('TestDeleteUnscheduledPodForNotExistingNode', () => {
  forEachStrategy((strategy) => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(daemonSet('foo', strategy));
    tc.addNodes(0, 1);
    tc.addPods('node-0', simpleDaemonSetLabel, ds, 1);
    tc.addPods('node-1', simpleDaemonSetLabel, ds, 1);
    const pinned = newPod('pod1-node-3', '', simpleDaemonSetLabel, ds);
    tc.addPod({ ...pinned, spec: { ...(pinned.spec ?? { containers: [] }), affinity: pinnedAffinity('node-2') } });
    tc.expectSyncDaemonSets(ds, 0, 1, 0);
  });
});

describe('TestGetNodesToDaemonPods', () => {
  const cases: { name: string; includeDeletedTerminal: boolean }[] = [
    { name: 'exclude deleted terminal pods', includeDeletedTerminal: false },
    { name: 'include deleted terminal pods', includeDeletedTerminal: true },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const tc = new TestController();
      const ds = tc.addDaemonSet(newDaemonSet('foo'));
      const ds2 = tc.addDaemonSet(newDaemonSet('foo2'));
      tc.addNodes(0, 2);
      const wanted: Pod[] = [
        tc.addPod(newPod('matching-owned-0-', 'node-0', simpleDaemonSetLabel, ds)),
        tc.addPod(newPod('matching-orphan-0-', 'node-0', simpleDaemonSetLabel)),
        tc.addPod(newPod('matching-owned-1-', 'node-1', simpleDaemonSetLabel, ds)),
        tc.addPod(newPod('matching-orphan-1-', 'node-1', simpleDaemonSetLabel)),
        tc.addPod({
          ...newPod('matching-owned-succeeded-pod-0-', 'node-0', simpleDaemonSetLabel, ds),
          status: { phase: 'Succeeded' },
        }),
      ];
      const ignored: Pod[] = [
        tc.addPod(newPod('non-matching-owned-0-', 'node-0', simpleDaemonSetLabel2, ds)),
        tc.addPod(newPod('non-matching-orphan-1-', 'node-1', simpleDaemonSetLabel2)),
        tc.addPod(newPod('matching-owned-by-other-0-', 'node-0', simpleDaemonSetLabel, ds2)),
      ];
      const failedDeleted = tc.addDeletedTerminalPod(
        newPod('matching-owned-failed-deleted-pod-1-', 'node-1', simpleDaemonSetLabel, ds),
        'Failed',
      );
      if (c.includeDeletedTerminal) {
        wanted.push(failedDeleted);
      } else {
        wanted.push(
          tc.addPod({
            ...newPod('matching-owned-failed-pod-1-', 'node-1', simpleDaemonSetLabel, ds),
            status: { phase: 'Failed' },
          }),
        );
        ignored.push(
          tc.addDeletedTerminalPod(
            newPod('matching-owned-succeeded-deleted-pod-0-', 'node-0', simpleDaemonSetLabel, ds),
            'Succeeded',
          ),
          failedDeleted,
        );
      }
      tc.controller.processEvents();
      const cached = tc.controller.cache.daemonSets.get(tc.key(ds)) as DaemonSet;
      const grouped = tc.controller.nodesToDaemonPods(cached, c.includeDeletedTerminal);
      const got = new Set<string>();
      for (const [node, pods] of grouped) {
        for (const pod of pods) {
          expect(pod.spec?.nodeName, `pod ${pod.metadata?.name} grouped into ${node}`).toBe(node);
          got.add(pod.metadata?.name ?? '');
        }
      }
      expect([...got].sort()).toEqual(wanted.map((p) => p.metadata?.name ?? '').sort());
      for (const pod of ignored) expect(got.has(pod.metadata?.name ?? '')).toBe(false);
    });
  }
});

describe('TestAddNode', () => {
  it('each added node goes on the node queue; only a node the DaemonSet wants wakes it', () => {
    const tc = new TestController();
    const { controller } = tc;
    tc.addDaemonSet(
      daemonSet('ds', undefined, (_, spec) => {
        spec.nodeSelector = { ...simpleNodeLabel };
      }),
    );
    controller.processEvents();
    controller.takeQueued();

    tc.addNode(newNode('node1'));
    controller.processEvents();
    expect(controller.nodeQueue).toEqual(['node1']);
    controller.processNodeQueue();
    expect(controller.queue).toEqual([]);

    tc.addNode(newNode('node2', simpleNodeLabel));
    controller.processEvents();
    expect(controller.nodeQueue).toEqual(['node2']);
    controller.processNodeQueue();
    expect(controller.queue).toEqual(['default/ds']);
  });
});

/** Two DaemonSets foo1 and foo2 (and optionally foo3 selecting the `type: test` pods), queue drained. */
function podHandlerFixture(strategy: DaemonSetUpdateStrategy, withThird = false) {
  const tc = new TestController();
  const ds1 = tc.addDaemonSet(daemonSet('foo1', strategy));
  const ds2 = tc.addDaemonSet(daemonSet('foo2', strategy));
  if (withThird) {
    tc.addDaemonSet(
      daemonSet('foo3', strategy, (d) => {
        specOf(d).selector = { matchLabels: { ...simpleDaemonSetLabel2 } };
      }),
    );
  }
  tc.controller.processEvents();
  tc.controller.takeQueued();
  const drainedAfter = (write: () => void): string[] => {
    write();
    tc.controller.processEvents();
    return tc.controller.takeQueued().sort();
  };
  /** A write that changes nothing the handlers look at (a no-op write would emit no event at all). */
  const touch = (pod: Pod, edit?: (p: Pod) => void) =>
    tc.store.modify('Pod', 'default', pod.metadata?.name ?? '', (p) => {
      p.metadata = { ...(p.metadata ?? {}), annotations: { touched: String(Math.random()) } };
      edit?.(p);
    });
  return { tc, ds1, ds2, drainedAfter, touch };
}

describe('TestAddPod', () => {
  forEachStrategy((strategy) => {
    const { tc, ds1, ds2, drainedAfter } = podHandlerFixture(strategy);
    expect(drainedAfter(() => tc.addPod(newPod('pod1-', 'node-0', simpleDaemonSetLabel, ds1)))).toEqual([tc.key(ds1)]);
    expect(drainedAfter(() => tc.addPod(newPod('pod2-', 'node-0', simpleDaemonSetLabel, ds2)))).toEqual([tc.key(ds2)]);
  });
});

describe('TestAddPodOrphan', () => {
  forEachStrategy((strategy) => {
    const { tc, drainedAfter } = podHandlerFixture(strategy, true);
    // An orphan: the matching DaemonSets are queued.
    expect(drainedAfter(() => tc.addPod(newPod('pod1-', 'node-0', simpleDaemonSetLabel)))).toEqual([
      'default/foo1',
      'default/foo2',
    ]);
  });
});

describe('TestUpdatePod', () => {
  forEachStrategy((strategy) => {
    const { tc, ds1, ds2, drainedAfter, touch } = podHandlerFixture(strategy);
    const pod1 = tc.addPod(newPod('pod1-', 'node-0', simpleDaemonSetLabel, ds1));
    tc.controller.processEvents();
    tc.controller.takeQueued();
    expect(drainedAfter(() => touch(pod1))).toEqual([tc.key(ds1)]);
    const pod2 = tc.addPod(newPod('pod2-', 'node-0', simpleDaemonSetLabel, ds2));
    tc.controller.processEvents();
    tc.controller.takeQueued();
    expect(drainedAfter(() => touch(pod2))).toEqual([tc.key(ds2)]);
  });
});

describe('TestUpdatePodOrphanSameLabels', () => {
  forEachStrategy((strategy) => {
    const { tc, drainedAfter, touch } = podHandlerFixture(strategy);
    const pod = tc.addPod(newPod('pod1-', 'node-0', simpleDaemonSetLabel));
    tc.controller.processEvents();
    tc.controller.takeQueued();
    expect(drainedAfter(() => touch(pod))).toEqual([]);
  });
});

describe('TestUpdatePodOrphanWithNewLabels', () => {
  forEachStrategy((strategy) => {
    const { tc, drainedAfter, touch } = podHandlerFixture(strategy);
    const pod = tc.addPod(newPod('pod1-', 'node-0', { foo2: 'bar2' }));
    tc.controller.processEvents();
    tc.controller.takeQueued();
    const relabel = () =>
      touch(pod, (p) => {
        p.metadata = { ...(p.metadata ?? {}), labels: { ...simpleDaemonSetLabel } };
      });
    expect(drainedAfter(relabel)).toEqual(['default/foo1', 'default/foo2']);
  });
});

describe('TestUpdatePodChangeControllerRef', () => {
  forEachStrategy(() => {
    // Upstream builds the fixture DaemonSets without the loop's strategy; so do we.
    const tc = new TestController();
    const ds1 = tc.addDaemonSet(newDaemonSet('foo1'));
    const ds2 = tc.addDaemonSet(newDaemonSet('foo2'));
    const pod = tc.addPod(newPod('pod1-', 'node-0', simpleDaemonSetLabel, ds2));
    tc.controller.processEvents();
    tc.controller.takeQueued();
    tc.store.modify('Pod', 'default', pod.metadata?.name ?? '', (p) => {
      p.metadata = { ...(p.metadata ?? {}), ownerReferences: [newControllerRef(ds1)] };
    });
    tc.controller.processEvents();
    expect(tc.controller.takeQueued()).toHaveLength(2);
  });
});

describe('TestUpdatePodControllerRefRemoved', () => {
  forEachStrategy((strategy) => {
    const { tc, ds1, drainedAfter, touch } = podHandlerFixture(strategy);
    const pod = tc.addPod(newPod('pod1-', 'node-0', simpleDaemonSetLabel, ds1));
    tc.controller.processEvents();
    tc.controller.takeQueued();
    const orphan = () =>
      touch(pod, (p) => {
        if (p.metadata) delete p.metadata.ownerReferences;
      });
    expect(drainedAfter(orphan)).toHaveLength(2);
  });
});

describe('TestDeletePod', () => {
  forEachStrategy((strategy) => {
    const { tc, ds1, ds2, drainedAfter } = podHandlerFixture(strategy);
    for (const ds of [ds1, ds2]) {
      const pod = tc.addPod(newPod('pod-', 'node-0', simpleDaemonSetLabel, ds));
      tc.controller.processEvents();
      tc.controller.takeQueued();
      const remove = () => tc.store.delete('Pod', 'default', pod.metadata?.name ?? '', { gracePeriodSeconds: 0 });
      expect(drainedAfter(remove)).toEqual([tc.key(ds)]);
    }
  });
});

describe('TestDeletePodOrphan', () => {
  forEachStrategy((strategy) => {
    const { tc, drainedAfter } = podHandlerFixture(strategy, true);
    const pod = tc.addPod(newPod('pod1-', 'node-0', simpleDaemonSetLabel));
    tc.controller.processEvents();
    tc.controller.takeQueued();
    const remove = () => tc.store.delete('Pod', 'default', pod.metadata?.name ?? '', { gracePeriodSeconds: 0 });
    expect(drainedAfter(remove)).toEqual([]);
  });
});

describe('TestSurgeDealsWithExistingPods', () => {
  it('maxSurge 1', () => {
    const tc = new TestController();
    const ds = tc.addDaemonSet(daemonSet('foo', newUpdateSurge(1)));
    tc.addNodes(0, 5);
    tc.addPods('node-1', simpleDaemonSetLabel, ds, 1);
    tc.addPods('node-2', simpleDaemonSetLabel, ds, 2);
    tc.addPods('node-3', simpleDaemonSetLabel, ds, 5);
    tc.addPods('node-4', simpleDaemonSetLabel2, ds, 2);
    tc.expectSyncDaemonSets(ds, 2, 5, 0);
  });
});

/**
 * The node-1 set-up shared by the surge tests: pods created at the given virtual seconds (the
 * store stamps creationTimestamp itself, so the clock is moved to each creation time).
 */
function surgeFixture(minReadySeconds = 0) {
  const tc = new TestController({ startMs: 0 });
  const ds = tc.addDaemonSet(
    daemonSet('foo', newUpdateSurge(1), (d) => {
      if (minReadySeconds > 0) specOf(d).minReadySeconds = minReadySeconds;
    }),
  );
  tc.addNodes(0, 5);
  const at = (seconds: number, pod: Pod): Pod => {
    tc.advanceToSeconds(seconds);
    return tc.addPod(pod);
  };
  return { tc, ds, at };
}

describe('TestSurgePreservesReadyOldPods', () => {
  it('maxSurge 1', () => {
    const { tc, ds, at } = surgeFixture();
    // preserved: the oldest old pod, and ready
    at(50, {
      ...withoutHash(newPod('node-1-old-', 'node-1', simpleDaemonSetLabel, ds)),
      status: { conditions: [readyCondition(true)] },
    });
    // deleted: ready, but not the oldest old pod
    const oldReadyPod = at(60, {
      ...withoutHash(newPod('node-1-delete-', 'node-1', simpleDaemonSetLabel, ds)),
      status: { conditions: [readyCondition(true)] },
    });
    // preserved: it has the current hash
    at(100, newPod('node-1-', 'node-1', simpleDaemonSetLabel, ds));
    tc.addPods('node-2', simpleDaemonSetLabel, ds, 1);
    tc.expectSyncDaemonSets(ds, 3, 1, 0);
    expect(tc.control.deletePodNames).toEqual([oldReadyPod.metadata?.name]);
  });
});

describe('TestSurgeCreatesNewPodWhenAtMaxSurgeAndOldPodDeleted', () => {
  it('maxSurge 1', () => {
    const { tc, ds, at } = surgeFixture();
    // old ready pods everywhere else; node-4's is being deleted, which must trigger a create above surge
    const others: Pod[] = [];
    for (let i = 1; i < 5; i++) {
      others.push(
        at(1, {
          ...withoutHash(newPod(`node-${i}-preserve-`, `node-${i}`, simpleDaemonSetLabel, ds)),
          status: { conditions: [readyCondition(true)] },
        }),
      );
    }
    // preserved: ready
    at(50, {
      ...withoutHash(newPod('node-0-old-ready-', 'node-0', simpleDaemonSetLabel, ds)),
      status: { conditions: [readyCondition(true)] },
    });
    // preserved: newest hash, and it consumes the surge budget
    at(100, {
      ...newPod('node-0-', 'node-0', simpleDaemonSetLabel, ds),
      status: { conditions: [readyCondition(false)] },
    });
    tc.markPodTerminating(others[3] as Pod);
    tc.clearExpectations(ds);
    tc.expectSyncDaemonSets(ds, 1, 0, 0);
    tc.clearExpectations(ds);
  });
});

describe('TestSurgeDeletesUnreadyOldPods', () => {
  it('maxSurge 1', () => {
    const { tc, ds, at } = surgeFixture();
    const oldUnreadyPod = at(50, {
      ...withoutHash(newPod('node-1-old-unready-', 'node-1', simpleDaemonSetLabel, ds)),
      status: { conditions: [readyCondition(false)] },
    });
    const oldReadyPod = at(60, {
      ...withoutHash(newPod('node-1-delete-', 'node-1', simpleDaemonSetLabel, ds)),
      status: { conditions: [readyCondition(true)] },
    });
    at(100, newPod('node-1-', 'node-1', simpleDaemonSetLabel, ds));
    tc.addPods('node-2', simpleDaemonSetLabel, ds, 1);
    tc.expectSyncDaemonSets(ds, 3, 2, 0);
    expect([...tc.control.deletePodNames].sort()).toEqual(
      [oldReadyPod.metadata?.name ?? '', oldUnreadyPod.metadata?.name ?? ''].sort(),
    );
  });
});

/**
 * The two minReadySeconds surge tests: the new pod on node-1 went Ready `readyFor` seconds before
 * the sync (upstream pins the clock at ready+10s / ready+20s; here "now" is the last creation time).
 */
function surgeMinReady(readyFor: number) {
  const { tc, ds, at } = surgeFixture(15);
  const oldReadyPod = at(50, {
    ...withoutHash(newPod('node-1-old-ready-', 'node-1', simpleDaemonSetLabel, ds)),
    status: { conditions: [readyCondition(true)] },
  });
  const oldExcessReadyPod = at(60, {
    ...withoutHash(newPod('node-1-delete-', 'node-1', simpleDaemonSetLabel, ds)),
    status: { conditions: [readyCondition(true)] },
  });
  at(100, {
    ...newPod('node-1-', 'node-1', simpleDaemonSetLabel, ds),
    status: { conditions: [readyCondition(true, toTimestamp((100 - readyFor) * 1000))] },
  });
  tc.addPods('node-2', simpleDaemonSetLabel, ds, 1);
  return { tc, ds, oldReadyPod, oldExcessReadyPod };
}

describe('TestSurgePreservesOldReadyWithUnsatisfiedMinReady', () => {
  it('new pod Ready for 10s of 15', () => {
    const { tc, ds, oldExcessReadyPod } = surgeMinReady(10);
    tc.expectSyncDaemonSets(ds, 3, 1, 0);
    expect(tc.control.deletePodNames).toEqual([oldExcessReadyPod.metadata?.name]);
  });
});

describe('TestSurgeDeletesOldReadyWithUnsatisfiedMinReady', () => {
  it('new pod Ready for 20s of 15', () => {
    const { tc, ds, oldReadyPod, oldExcessReadyPod } = surgeMinReady(20);
    tc.expectSyncDaemonSets(ds, 3, 2, 0);
    expect([...tc.control.deletePodNames].sort()).toEqual(
      [oldExcessReadyPod.metadata?.name ?? '', oldReadyPod.metadata?.name ?? ''].sort(),
    );
  });
});

describe('TestStoreDaemonSetStatus', () => {
  const getError = new Error('fake get error');
  const updateError = new Error('fake update error');
  const cases = [
    { name: 'succeed immediately', updateErrorNum: 0, getErrorNum: 0, updateCalled: 1, getCalled: 0, error: undefined },
    {
      name: 'succeed after one update failure',
      updateErrorNum: 1,
      getErrorNum: 0,
      updateCalled: 2,
      getCalled: 1,
      error: undefined,
    },
    {
      name: 'fail after two update failures',
      updateErrorNum: 2,
      getErrorNum: 0,
      updateCalled: 2,
      getCalled: 1,
      error: updateError,
    },
    {
      name: 'fail after one update failure and one get failure',
      updateErrorNum: 1,
      getErrorNum: 1,
      updateCalled: 1,
      getCalled: 1,
      error: getError,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const ds = newDaemonSet('foo');
      let getCalled = 0;
      let updateCalled = 0;
      // Only the two calls storeDaemonSetStatus makes: a live GET and UpdateStatus.
      const control = {
        getDaemonSet: () => {
          getCalled++;
          if (getCalled <= c.getErrorNum) throw getError;
          return ds;
        },
        updateDaemonSetStatus: (d: DaemonSet) => {
          updateCalled++;
          if (updateCalled <= c.updateErrorNum) throw updateError;
          return d;
        },
      } as unknown as DaemonSetControl;
      const ctx = { ds, control } as unknown as SyncContext;
      const counters = {
        desiredNumberScheduled: 2,
        currentNumberScheduled: 2,
        numberMisscheduled: 2,
        numberReady: 2,
        updatedNumberScheduled: 2,
        numberAvailable: 2,
        numberUnavailable: 2,
      };
      let error: unknown;
      try {
        storeDaemonSetStatus(ctx, counters, true);
      } catch (e) {
        error = e;
      }
      expect(error).toBe(c.error);
      expect(getCalled).toBe(c.getCalled);
      expect(updateCalled).toBe(c.updateCalled);
    });
  }
});

describe('TestShouldIgnoreNodeUpdate', () => {
  const cases = [
    { name: 'Nothing changed', oldNode: newNode('node1'), newNode: newNode('node1'), expectedResult: true },
    {
      name: 'Node labels changed',
      oldNode: newNode('node1'),
      newNode: newNode('node1', simpleNodeLabel),
      expectedResult: false,
    },
    {
      name: 'Node taints changed',
      oldNode: nodeWith('node1', (n) => {
        n.spec = { taints: structuredClone(noScheduleTaints) };
      }),
      newNode: newNode('node1'),
      expectedResult: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(!nodeUpdateMatters(c.oldNode, c.newNode)).toBe(c.expectedResult);
    });
  }
});
