import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../manifests/inputError.js';
import { expandRange, loadScenario } from './load.js';
import { scenarioSchemaText } from './schema.js';

const dir = mkdtempSync(join(tmpdir(), 'dsconform-scenario-load-'));
mkdirSync(join(dir, 'manifests'), { recursive: true });

const DAEMONSET = `apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent, namespace: default }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec: { containers: [{ name: agent, image: agent:1 }] }
`;
writeFileSync(
  join(dir, 'manifests', 'agent.yaml'),
  `apiVersion: v1\nkind: ServiceAccount\nmetadata: { name: agent }\n---\n${DAEMONSET}`,
);

let counter = 0;
function scenarioFile(text: string): string {
  const path = join(dir, `s${counter++}.yaml`);
  writeFileSync(path, text);
  return path;
}

function inputError(text: string): InputError {
  const file = scenarioFile(text);
  try {
    loadScenario(file);
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error('expected an InputError');
}

/** A valid scenario whose steps are the given lines (each already indented as a list item). */
function withSteps(...steps: string[]): string {
  return [
    'description: test',
    'cluster:',
    '  nodes:',
    '    - name: node-{0..2}',
    'manifests: [manifests/agent.yaml]',
    'steps:',
    ...steps,
    '',
  ].join('\n');
}

describe('loadScenario', () => {
  it('reads the header, expands node ranges, resolves manifests and keeps step positions', () => {
    const file = scenarioFile(
      withSteps('  - settle', '  - sync: { creates: 3 }', '  - taint: { node: node-1, key: k, effect: NoSchedule }'),
    );
    const scenario = loadScenario(file);
    expect(scenario.name).toMatch(/^s\d+$/);
    expect(scenario.nodes.map((n) => n.name)).toEqual(['node-0', 'node-1', 'node-2']);
    expect(scenario.manifests.map((m) => m.daemonSet.metadata?.name)).toEqual(['agent']);
    expect(scenario.steps.map((s) => [s.kind, s.number, s.location.line])).toEqual([
      ['settle', 1, 7],
      ['sync', 2, 8],
      ['taint', 3, 9],
    ]);
    expect(scenario.steps[1]?.args).toEqual({ creates: 3 });
  });

  it('takes nodes from a cluster description file, then inline ones', () => {
    const cluster = join(dir, 'cluster.yaml');
    writeFileSync(cluster, 'nodes:\n  - name: a\n    ready: false\n  - name: b\n');
    const scenario = loadScenario(
      scenarioFile(
        'description: d\ncluster:\n  file: cluster.yaml\n  nodes:\n    - name: c\nmanifests: [manifests/agent.yaml]\nsteps: []\n',
      ),
    );
    expect(scenario.nodes.map((n) => `${n.name}:${n.ready}`)).toEqual(['a:False', 'b:True', 'c:True']);
  });

  it('reads inline DaemonSets and locates them in the scenario', () => {
    const scenario = loadScenario(
      scenarioFile(
        `description: d\ncluster: { nodes: [] }\nmanifests:\n  - ${DAEMONSET.trimEnd().split('\n').join('\n    ')}\nsteps: []\n`,
      ),
    );
    expect(scenario.manifests[0]?.location.line).toBe(4);
    expect(scenario.manifests[0]?.locate('spec.template.spec.containers[0].image').line).toBe(11);
  });

  it.each([
    ['a missing description', 'cluster: { nodes: [] }\nsteps: []\n', 1, 'description: required field is missing'],
    [
      'an unknown top-level field',
      'description: d\ncluster: { nodes: [] }\nstep: []\nsteps: []\n',
      3,
      'unknown field "step"',
    ],
    ['invalid YAML', 'description: d\ncluster: { nodes: [\nsteps: []\n', 3, 'invalid YAML'],
    [
      'a node with a bad taint effect',
      'description: d\ncluster:\n  nodes:\n    - name: a\n      taints: [{ key: k, effect: NoSchedul }]\nsteps: []\n',
      5,
      'expected one of "NoSchedule", "PreferNoSchedule", "NoExecute"',
    ],
    [
      'duplicate nodes after range expansion',
      'description: d\ncluster:\n  nodes:\n    - name: n-{0..1}\n    - name: n-1\nsteps: []\n',
      5,
      'duplicate node name "n-1"',
    ],
  ])('reports %s at its line', (_, text, line, problem) => {
    const error = inputError(text);
    expect(error.location.line).toBe(line);
    expect(error.problem).toContain(problem);
    expect(error.message).toMatch(/^.*s\d+\.yaml:\d+:\d+: /);
  });

  it.each([
    [
      'an unknown step, with a suggestion',
      '  - lable: { node: node-0, labels: { a: b } }',
      7,
      'unknown step "lable" (did you mean "label"?)',
    ],
    ['a step with two actions', '  - cordon: node-0\n    uncordon: node-0', 8, 'a step does one thing'],
    ['a bare word that needs an argument', '  - taint', 7, 'step "taint" needs an argument'],
    ['a wrong type in a step', '  - advance: soon', 7, 'step 1 (advance): expected a number, got the string "soon"'],
    [
      'a bad enum in a step',
      '  - taint: { node: node-0, key: k, effect: Sometimes }',
      7,
      'step 1 (taint): effect: got the string "Sometimes"',
    ],
    ['an unknown field in an expectation', '  - expect:\n      podz: 3', 8, 'step 1 (expect): unknown field "podz"'],
    [
      'a malformed count',
      '  - expect:\n      pods: { node-0: { count: "lots" } }',
      8,
      'expected a whole number or a comparison',
    ],
    ['a sync with a negative count', '  - settle\n  - sync: { creates: -1 }', 8, 'step 2 (sync): creates'],
    [
      'a missing manifest file in a step',
      '  - createDaemonSet: manifests/nope.yaml',
      7,
      'no such manifest file: manifests/nope.yaml',
    ],
  ])('reports %s at its line', (_, step, line, problem) => {
    const error = inputError(withSteps(step));
    expect(error.location.line).toBe(line);
    expect(error.problem).toContain(problem);
  });

  it('reports a problem inside an inline DaemonSet at its line in the scenario', () => {
    const error = inputError(
      'description: d\ncluster: { nodes: [] }\nmanifests:\n  - apiVersion: apps/v1\n    kind: DaemonSet\n    metadata: { name: x }\n    spec:\n      template:\n        spec: { containers: nginx }\nsteps: []\n',
    );
    expect(error.location.line).toBe(9);
    expect(error.problem).toBe('spec.template.spec.containers: expected a list, got the string "nginx"');
  });

  it('reports a removed apiVersion of an inline DaemonSet', () => {
    const error = inputError(
      'description: d\ncluster: { nodes: [] }\nmanifests:\n  - apiVersion: extensions/v1beta1\n    kind: DaemonSet\n    metadata: { name: x }\nsteps: []\n',
    );
    expect(error.location.line).toBe(4);
    expect(error.problem).toContain('removed in Kubernetes 1.16');
  });

  it('reports a missing manifest file at the reference', () => {
    const error = inputError('description: d\ncluster: { nodes: [] }\nmanifests:\n  - ok.yaml\nsteps: []\n');
    expect(error.location.line).toBe(4);
    expect(error.problem).toContain('no such manifest file: ok.yaml');
  });
});

describe('expandRange', () => {
  it('expands one numeric range, either way', () => {
    expect(expandRange('node-{0..2}')).toEqual(['node-0', 'node-1', 'node-2']);
    expect(expandRange('w{3..1}.example')).toEqual(['w3.example', 'w2.example', 'w1.example']);
    expect(expandRange('plain')).toEqual(['plain']);
  });
});

describe('docs/scenario.schema.json', () => {
  it('is generated from the current schemas (npx tsx scripts/gen-scenario-schema.ts)', () => {
    const committed = readFileSync(new URL('../../docs/scenario.schema.json', import.meta.url), 'utf8');
    expect(committed).toBe(scenarioSchemaText());
  });
});

describe('taints the node lifecycle controller owns', () => {
  const withNode = (node: string, extra = '') =>
    [
      'description: test',
      'cluster:',
      '  nodes:',
      `    - ${node}`,
      ...(extra ? [extra] : []),
      'manifests: [manifests/agent.yaml]',
      'steps:',
      '  - sync',
      '',
    ].join('\n');

  it('one the node does not call for is bad input at load, not silently removed', () => {
    const error = inputError(
      withNode('{ name: n0, taints: [{ key: node.kubernetes.io/not-ready, effect: NoSchedule }] }'),
    );
    expect(error.message).toContain(
      'node n0: the taint node.kubernetes.io/not-ready:NoSchedule belongs to the node lifecycle controller',
    );
    expect(error.location).toMatchObject({ line: 4 });
  });

  it('one its conditions call for, or with node-lifecycle disabled, is fine', () => {
    const taint = '[{ key: node.kubernetes.io/not-ready, effect: NoSchedule }]';
    expect(() => loadScenario(scenarioFile(withNode(`{ name: n0, ready: false, taints: ${taint} }`)))).not.toThrow();
    expect(() =>
      loadScenario(scenarioFile(withNode(`{ name: n0, taints: ${taint} }`, '  disable: [node-lifecycle]'))),
    ).not.toThrow();
    const cordon = '[{ key: node.kubernetes.io/unschedulable, effect: NoSchedule }]';
    expect(() =>
      loadScenario(scenarioFile(withNode(`{ name: n0, unschedulable: true, taints: ${cordon} }`))),
    ).not.toThrow();
  });
});
