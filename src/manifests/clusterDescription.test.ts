import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generatedCluster, loadClusterDescription } from './clusterDescription.js';
import { InputError } from './inputError.js';

const CLUSTERS = fileURLToPath(new URL('../../examples/clusters/', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'dsconform-cluster-'));
function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

describe('loadClusterDescription', () => {
  it('reads the small example cluster', () => {
    const cluster = loadClusterDescription(join(CLUSTERS, 'small.yaml'));
    expect(cluster.nodes.map((n) => n.name)).toEqual([
      'control-plane',
      'worker-1',
      'worker-2',
      'worker-3',
      'worker-4',
      'win-1',
    ]);
    const [controlPlane, worker1, worker2, worker3, worker4] = cluster.nodes;
    expect(controlPlane?.taints).toEqual([{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }]);
    expect(worker1).toEqual({
      name: 'worker-1',
      labels: { 'kubernetes.io/os': 'linux' },
      taints: [],
      unschedulable: false,
      ready: 'True',
      conditions: [],
    });
    expect(worker2?.unschedulable).toBe(true);
    expect(worker3?.ready).toBe('False');
    expect(worker4?.conditions).toEqual([{ type: 'DiskPressure', status: 'True' }]);
  });

  it('reads the same format as JSON', () => {
    const cluster = loadClusterDescription(join(CLUSTERS, 'small.json'));
    expect(cluster.nodes.map((n) => [n.name, n.ready])).toEqual([
      ['control-plane', 'True'],
      ['worker-1', 'True'],
      ['worker-2', 'True'],
      ['worker-3', 'Unknown'],
    ]);
  });

  it('takes readiness from a Ready condition too', () => {
    const path = file('ready.yaml', ['nodes:', '  - name: a', '    conditions: [{type: Ready, status: Unknown}]']);
    expect(loadClusterDescription(path).nodes[0]).toMatchObject({ ready: 'Unknown', conditions: [] });
  });

  it('reports a bad taint effect at its line', () => {
    const path = join(CLUSTERS, 'invalid-taint-effect.yaml');
    // Printed relative to the current directory, as every path dsconform prints inside it.
    expect(inputError(() => loadClusterDescription(path)).message).toBe(
      `${relative(process.cwd(), path)}:8:9: nodes[0].taints[0].effect: got the string "NoScheduled", expected one of "NoSchedule", "PreferNoSchedule", "NoExecute"`,
    );
  });

  it('reports an unknown field at the key itself', () => {
    const path = file('typo.yaml', ['nodes:', '  - name: a', '    unschedulabel: true']);
    const error = inputError(() => loadClusterDescription(path));
    expect(error.location).toMatchObject({ line: 3, column: 5 });
    expect(error.problem).toBe('unknown field "nodes[0].unschedulabel"');
  });

  it('reports a missing name, a duplicate name and a doubly given Ready condition', () => {
    const missing = inputError(() => loadClusterDescription(file('noname.yaml', ['nodes:', '  - labels: {}'])));
    expect(missing.problem).toBe('nodes[0].name: required field is missing');
    expect(missing.location).toMatchObject({ line: 2, column: 5 });

    const twice = inputError(() =>
      loadClusterDescription(file('twice.yaml', ['nodes:', '  - name: a', '  - name: b', '  - name: a'])),
    );
    expect(twice.location).toMatchObject({ line: 4, column: 5 });
    expect(twice.problem).toBe('nodes[2].name: duplicate node name "a"');

    const ready = inputError(() =>
      loadClusterDescription(
        file('ready-twice.yaml', [
          'nodes:',
          '  - name: a',
          '    ready: false',
          '    conditions:',
          '      - {type: Ready, status: "True"}',
        ]),
      ),
    );
    expect(ready.location).toMatchObject({ line: 5, column: 9 });
  });

  it('rejects an empty file and a file with several documents', () => {
    expect(inputError(() => loadClusterDescription(file('empty.yaml', ['']))).problem).toBe(
      'the cluster description is empty',
    );
    const several = inputError(() => loadClusterDescription(file('two.yaml', ['nodes: []', '---', 'nodes: []'])));
    expect(several.location).toMatchObject({ line: 3 });
  });

  it('maps a Node object field back to the description', () => {
    const cluster = loadClusterDescription(join(CLUSTERS, 'small.yaml'));
    expect(cluster.locateNodeField(0, 'metadata.name')).toMatchObject({ line: 5, column: 5 });
    expect(cluster.locateNodeField(0, 'metadata.taints[0].effect')).toMatchObject({ line: 11, column: 9 });
    expect(cluster.locateNodeField(2, 'spec.unschedulable')).toMatchObject({ line: 21, column: 5 });
  });
});

describe('generatedCluster', () => {
  it('makes N plain ready nodes', () => {
    const cluster = generatedCluster(3);
    expect(cluster.source).toBe('--nodes 3');
    expect(cluster.nodes.map((n) => [n.name, n.ready, n.taints.length, n.unschedulable])).toEqual([
      ['node-0', 'True', 0, false],
      ['node-1', 'True', 0, false],
      ['node-2', 'True', 0, false],
    ]);
    expect(cluster.locateNodeField(0, 'metadata.name')).toBeUndefined();
  });
});
