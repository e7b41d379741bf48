import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InputError } from '../manifests/inputError.js';
import { formatToleration, renderSimulation, simulateFiles, simulationJson } from './simulate.js';

const FLANNEL = fileURLToPath(new URL('../../scenarios/manifests/kube-flannel-ds.yaml', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const SMALL_CLUSTER = join(EXAMPLES, 'clusters', 'small.yaml');

function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('simulate', () => {
  it('runs a flannel pod on every node, with the hostNetwork toleration', () => {
    const report = simulateFiles(FLANNEL, { nodes: 5 });
    expect(report.settle.converged).toBe(true);
    const [ds] = report.daemonSets;
    expect(ds?.nodes.map((n) => [n.node, n.eligible, n.pods.length, n.pods[0]?.phase, n.pods[0]?.ready])).toEqual([
      ['node-0', true, 1, 'Running', true],
      ['node-1', true, 1, 'Running', true],
      ['node-2', true, 1, 'Running', true],
      ['node-3', true, 1, 'Running', true],
      ['node-4', true, 1, 'Running', true],
    ]);
    const hash = ds?.revisions[0]?.hash;
    expect(hash).toMatch(/^[a-z0-9]+$/);
    expect(ds?.nodes.every((n) => n.pods[0]?.revision === hash)).toBe(true);
    expect(ds?.tolerations).toHaveLength(1);
    expect(ds?.tolerations[0]?.tolerations).toContainEqual({
      toleration: { key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' },
      source: 'host-network',
    });
    expect(ds?.status).toEqual({
      desiredNumberScheduled: 5,
      currentNumberScheduled: 5,
      numberReady: 5,
      updatedNumberScheduled: 5,
      numberAvailable: 5,
      numberUnavailable: 0,
      numberMisscheduled: 0,
      observedGeneration: 1,
    });
  });

  it('explains the nodes of the small example cluster', () => {
    const report = simulateFiles(FLANNEL, { cluster: SMALL_CLUSTER });
    const rows = Object.fromEntries(
      (report.daemonSets[0]?.nodes ?? []).map((n) => [n.node, [n.eligible, n.reason, n.pods.length]]),
    );
    expect(rows).toEqual({
      'control-plane': [false, 'untolerated taint node-role.kubernetes.io/control-plane:NoSchedule', 0],
      'win-1': [true, null, 1],
      'worker-1': [true, null, 1],
      // Cordoned and disk-pressure nodes: daemon pods tolerate those taints.
      'worker-2': [true, null, 1],
      'worker-3': [false, 'untolerated taint node.kubernetes.io/not-ready:NoSchedule', 0],
      'worker-4': [true, null, 1],
    });
    expect(report.daemonSets[0]?.status.desiredNumberScheduled).toBe(4);
  });

  it('waits out minReadySeconds so that pods become available', () => {
    const manifest = join(EXAMPLES, 'manifests', 'node-exporter.yaml');
    const report = simulateFiles(manifest, { cluster: SMALL_CLUSTER });
    // Five eligible nodes (every taint tolerated, Linux only); the NotReady node's kubelet never starts its pod.
    expect(report.daemonSets[0]?.status).toMatchObject({
      desiredNumberScheduled: 5,
      numberReady: 4,
      numberAvailable: 4,
    });
  });

  it('is deterministic', () => {
    expect(simulationJson(simulateFiles(FLANNEL, { nodes: 4 }))).toBe(
      simulationJson(simulateFiles(FLANNEL, { nodes: 4 })),
    );
  });

  it.each([
    [
      'selector-mismatch.yaml',
      20,
      7,
      'DaemonSet.apps "node-exporter" is invalid: spec.template.metadata.labels: Invalid value: {"app":"node-exporter-v2"}: `selector` does not match template `labels`',
    ],
    [
      'surge-and-unavailable.yaml',
      16,
      7,
      'DaemonSet.apps "csi-node" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "25%": may not be set when maxUnavailable is non-zero',
    ],
  ])('reports the API server rejecting %s at the offending field', (name, line, column, problem) => {
    const error = inputError(() => simulateFiles(join(EXAMPLES, 'manifests', name), { nodes: 1 }));
    expect(error.location).toMatchObject({ line, column });
    expect(error.problem).toBe(problem);
  });

  it('reports the API server rejecting a node of the cluster description at its line', () => {
    const error = inputError(() =>
      simulateFiles(FLANNEL, { cluster: join(EXAMPLES, 'clusters', 'invalid-node-name.yaml') }),
    );
    expect(error.location).toMatchObject({ line: 3, column: 5 });
    expect(error.problem).toMatch(/^Node "Worker_1" is invalid: metadata\.name: Invalid value: "Worker_1": /);
  });
});

describe('simulate, several DaemonSets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsconform-simulate-'));
  const flannel = readFileSync(FLANNEL, 'utf8');
  const exporter = readFileSync(join(EXAMPLES, 'manifests', 'node-exporter.yaml'), 'utf8');

  it('reports each DaemonSet of a file', () => {
    const path = join(dir, 'both.yaml');
    writeFileSync(path, `${exporter}---\n${flannel}`);
    const report = simulateFiles(path, { nodes: 2 });
    // Reported in API order (namespace, then name).
    expect(report.daemonSets.map((ds) => `${ds.namespace}/${ds.name}`)).toEqual([
      'kube-system/kube-flannel-ds-amd64',
      'monitoring/node-exporter',
    ]);
    // node-exporter selects kubernetes.io/os=linux, which generated nodes carry as a kubelet sets it.
    expect(report.daemonSets[1]?.nodes.map((n) => n.reason)).toEqual([null, null]);
    expect(report.daemonSets[1]?.nodes.map((n) => n.pods.length)).toEqual([1, 1]);
  });

  it('reports a second DaemonSet with the same name at its name', () => {
    const path = join(dir, 'twice.yaml');
    writeFileSync(path, `${flannel}---\n${flannel}`);
    const error = inputError(() => simulateFiles(path, { nodes: 1 }));
    expect(error.location).toMatchObject({ line: flannel.split('\n').length + 4, column: 3 });
    expect(error.problem).toBe('daemonsets.apps "kube-flannel-ds-amd64" already exists');
  });

  it('says when the cluster does not settle', () => {
    const report = simulateFiles(FLANNEL, { nodes: 2, maxRounds: 1 });
    expect(report.settle).toMatchObject({ converged: false, rounds: 1 });
    expect(report.settle.stillChanging).toContain('daemonset-controller');
    expect(renderSimulation(report)).toMatch(/did NOT settle within 1 round \(still changing: daemonset-controller/);
  });
});

describe('renderSimulation', () => {
  it('prints the node table, the tolerations with their origin, the status and the settle result', () => {
    const text = renderSimulation(simulateFiles(FLANNEL, { cluster: SMALL_CLUSTER }));
    const lines = text.split('\n');
    expect(lines[0]).toBe('DaemonSet kube-system/kube-flannel-ds-amd64');
    expect(lines).toContainEqual(expect.stringMatching(/^NODE +ELIGIBLE +WHY NOT +POD +PHASE +READY +REVISION$/));
    expect(lines).toContainEqual(
      expect.stringMatching(/^worker-1 +yes +- +kube-flannel-ds-amd64-\w{5} +Running +yes +\w+$/),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^control-plane +no +untolerated taint node-role.kubernetes.io\/control-plane:NoSchedule \(an existing pod may stay\) +- +- +- +-$/,
      ),
    );
    expect(lines).toContainEqual(
      expect.stringMatching(
        /^ {2}node.kubernetes.io\/network-unavailable:NoSchedule op=Exists +added by the DaemonSet controller because hostNetwork: true$/,
      ),
    );
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}numberMisscheduled +0$/));
    expect(lines).toContainEqual(expect.stringMatching(/^ {2}observedGeneration +1 \(generation 1\)$/));
    expect(text).toMatch(/Cluster: 6 nodes from .*small\.yaml; settled after \d+ rounds\.\n$/);
    const ESC = String.fromCharCode(27);
    expect(text.includes(ESC)).toBe(false); // no colours unless asked
    expect(renderSimulation(simulateFiles(FLANNEL, { nodes: 1 }), { color: true }).includes(ESC)).toBe(true);
  });
});

describe('formatToleration', () => {
  it('prints tolerations as kubectl describe does', () => {
    expect(formatToleration({ key: 'a', operator: 'Exists', effect: 'NoSchedule' })).toBe('a:NoSchedule op=Exists');
    expect(
      formatToleration({ key: 'a', operator: 'Equal', value: 'b', effect: 'NoExecute', tolerationSeconds: 300 }),
    ).toBe('a=b:NoExecute for 300s');
    expect(formatToleration({ operator: 'Exists' })).toBe('op=Exists');
  });
});
