import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDaemonSetManifests } from './daemonSetManifest.js';
import { InputError } from './inputError.js';

const FLANNEL = fileURLToPath(new URL('../../scenarios/manifests/kube-flannel-ds.yaml', import.meta.url));
const EXAMPLES = fileURLToPath(new URL('../../examples/manifests/', import.meta.url));

const dir = mkdtempSync(join(tmpdir(), 'dsconform-manifest-'));
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

const DAEMONSET = [
  'apiVersion: apps/v1',
  'kind: DaemonSet',
  'metadata:',
  '  name: agent',
  'spec:',
  '  selector:',
  '    matchLabels: {app: agent}',
  '  template:',
  '    metadata:',
  '      labels: {app: agent}',
  '    spec:',
  '      containers:',
  '        - name: agent',
  '          image: busybox',
];

describe('loadDaemonSetManifests', () => {
  it('loads the flannel example', () => {
    const [flannel, ...rest] = loadDaemonSetManifests(FLANNEL);
    expect(rest).toEqual([]);
    expect(flannel?.daemonSet.metadata?.name).toBe('kube-flannel-ds-amd64');
    expect(flannel?.daemonSet.spec?.template?.spec?.hostNetwork).toBe(true);
    expect(flannel?.location).toMatchObject({ line: 1, column: 1 });
    expect(flannel?.locate('spec.template.spec.containers[0].image')).toMatchObject({ line: 37, column: 9 });
  });

  it('picks the DaemonSets out of a multi-document file and skips the other kinds', () => {
    const path = file('multi.yaml', [
      'apiVersion: v1',
      'kind: ServiceAccount',
      'metadata: {name: agent}',
      '---',
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata: {name: agent}',
      'rules: []',
      '---',
      ...DAEMONSET,
      '---',
    ]);
    const manifests = loadDaemonSetManifests(path);
    expect(manifests.map((m) => m.daemonSet.metadata?.name)).toEqual(['agent']);
    expect(manifests[0]?.location).toMatchObject({ line: 10, column: 1 });
    expect(manifests[0]?.locate('spec.selector')).toMatchObject({ line: 15, column: 3 });
  });

  it('reads the items of a List', () => {
    const indented = DAEMONSET.map((line, i) => (i === 0 ? `  - ${line}` : `    ${line}`));
    const manifests = loadDaemonSetManifests(
      file('list.yaml', ['apiVersion: v1', 'kind: List', 'items:', ...indented]),
    );
    expect(manifests).toHaveLength(1);
    expect(manifests[0]?.locate('spec.template.spec.containers[0].image')).toMatchObject({ line: 17, column: 15 });
  });

  it('treats null as "not set", and an empty label value as ""', () => {
    const path = file('nulls.yaml', [...DAEMONSET, '  updateStrategy:', 'status:']);
    const withEmptyLabel = DAEMONSET.map((l) => l.replace('labels: {app: agent}', 'labels: {app: agent, tier: }'));
    const [ds] = loadDaemonSetManifests(path);
    expect(ds?.daemonSet.spec).not.toHaveProperty('updateStrategy');
    expect(ds?.daemonSet).not.toHaveProperty('status');
    const [labelled] = loadDaemonSetManifests(file('empty-label.yaml', withEmptyLabel));
    expect(labelled?.daemonSet.spec?.template?.metadata?.labels).toEqual({ app: 'agent', tier: '' });
  });

  it('says which kinds it found when there is no DaemonSet', () => {
    const path = file('none.yaml', ['kind: ConfigMap', 'apiVersion: v1', '---', 'kind: Service', 'apiVersion: v1']);
    expect(inputError(() => loadDaemonSetManifests(path)).message).toBe(
      `${path}:1:1: no DaemonSet in this file (found: ConfigMap, Service)`,
    );
  });

  it('rejects a DaemonSet in a version that is no longer served', () => {
    const path = file('old.yaml', ['kind: DaemonSet', 'apiVersion: extensions/v1beta1']);
    const error = inputError(() => loadDaemonSetManifests(path));
    expect(error.location).toMatchObject({ line: 2, column: 1 });
    expect(error.problem).toMatch(/no matches for kind "DaemonSet" in version "extensions\/v1beta1".*apps\/v1/);
  });

  it('rejects a document without kind', () => {
    const error = inputError(() => loadDaemonSetManifests(file('nokind.yaml', ['apiVersion: v1', 'metadata: {}'])));
    expect(error.problem).toMatch(/^kind not set/);
  });

  it('rejects fields of the wrong type, as the API server cannot decode them', () => {
    const numberLabel = DAEMONSET.map((l) => l.replace('labels: {app: agent}', 'labels: {app: agent, version: 1.5}'));
    const error = inputError(() => loadDaemonSetManifests(file('number-label.yaml', numberLabel)));
    expect(error.location).toMatchObject({ line: 10, column: 28 });
    expect(error.problem).toBe(
      'spec.template.metadata.labels.version: expected a string, got the number 1.5 (put it in quotes)',
    );

    const scalarContainers = [...DAEMONSET.slice(0, 11), '      containers: busybox'];
    const error2 = inputError(() => loadDaemonSetManifests(file('containers.yaml', scalarContainers)));
    expect(error2.location).toMatchObject({ line: 12, column: 7 });
    expect(error2.problem).toBe('spec.template.spec.containers: expected a list, got the string "busybox"');

    const badSurge = [...DAEMONSET, '  updateStrategy:', '    rollingUpdate:', '      maxSurge: true'];
    const error3 = inputError(() => loadDaemonSetManifests(file('surge.yaml', badSurge)));
    expect(error3.location).toMatchObject({ line: 17, column: 7 });
    expect(error3.problem).toMatch(/maxSurge: expected an integer or a percentage .*, got the boolean true$/);
  });

  it('loads the invalid examples (the API server, not the loader, rejects them)', () => {
    for (const name of ['selector-mismatch.yaml', 'surge-and-unavailable.yaml']) {
      expect(loadDaemonSetManifests(join(EXAMPLES, name))).toHaveLength(1);
    }
    const error = inputError(() => loadDaemonSetManifests(join(EXAMPLES, 'bad-yaml.yaml')));
    expect(error.location).toMatchObject({ line: 20, column: 10 });
  });
});
