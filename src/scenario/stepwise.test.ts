import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Implementation, referenceImplementation } from '../harness/implementation.js';
import { mutantByName, mutantOptionsForStore } from '../harness/mutants.js';
import { InputError } from '../manifests/inputError.js';
import { loadScenario } from './load.js';
import { runScenario, type ScenarioResult } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'dsconform-stepwise-'));
let counter = 0;

const DS = `  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: { name: ds, namespace: default }
    spec:
      selector: { matchLabels: { app: ds } }
      updateStrategy: { type: OnDelete }
      template:
        metadata: { labels: { app: ds } }
        spec: { containers: [{ name: app, image: v1 }] }`;

function write(header: string[], steps: string[]): string {
  const file = join(dir, `s${counter++}.yaml`);
  writeFileSync(
    file,
    [
      'description: t',
      ...header,
      'cluster:',
      '  nodes:',
      '    - name: node-{0..1}',
      'manifests:',
      DS,
      'steps:',
      ...steps,
      '',
    ].join('\n'),
  );
  return file;
}

async function run(
  header: string[],
  steps: string[],
  implementation: Implementation = referenceImplementation(),
): Promise<ScenarioResult> {
  return runScenario(loadScenario(write(header, steps)), implementation);
}

const mutant = (name: string): Implementation => {
  const m = mutantByName(name);
  if (!m) throw new Error(name);
  return referenceImplementation(`mutant ${name}`, mutantOptionsForStore(m));
};

describe('style: stepwise', () => {
  it('moves only when a step says so: sync, schedule, kubelet, markReady, quiesce', async () => {
    const result = await run(
      ['style: stepwise'],
      [
        '  - sync',
        "  - expect: { pods: { '*': { count: 1, phase: Pending, ready: 0 } } }",
        '  - schedule',
        '  - kubelet',
        "  - expect: { pods: { '*': { count: 1, phase: Running, ready: 0 } } }",
        '  - markReady: { node: node-0, revision: current }',
        '  - expect: { pods: { node-0: { ready: 1 }, node-1: { ready: 0 } } }',
        '  - quiesce',
        "  - expect: { pods: { '*': { count: 1, ready: 1 } }, status: { numberReady: 2, desiredNumberScheduled: 2 } }",
      ],
    );
    expect(result.failure?.message).toBeUndefined();
    expect(result.verdict).toBe('pass');
  });

  it('a step with nothing to act on does nothing, where catch-up style calls it a failure', async () => {
    const steps = [
      '  - markReady: node-1',
      '  - deletePod: { node: node-0, revision: old }',
      '  - expect: { podsTotal: 0 }',
    ];
    expect((await run(['style: stepwise'], steps)).verdict).toBe('pass');
    const catchUp = await run([], steps);
    expect(catchUp.verdict).toBe('fail');
    expect(catchUp.failure?.message).toMatch(/step 1 \(markReady\): no pod of default\/ds on node-1 to mark/);
  });

  it('creating an existing DaemonSet or deleting a missing one does nothing', async () => {
    const result = await run(
      ['style: stepwise'],
      [
        `  - createDaemonSet: { apiVersion: apps/v1, kind: DaemonSet, metadata: { name: ds }, spec: { selector: { matchLabels: { app: ds } }, template: { metadata: { labels: { app: ds } }, spec: { containers: [{ name: app, image: v9 }] } } } }`,
        '  - deleteDaemonSet',
        '  - deleteDaemonSet',
        '  - updateDaemonSet: { image: v2 }',
        '  - expect: { exists: false }',
      ],
    );
    expect(result.failure?.message).toBeUndefined();
    expect(result.verdict).toBe('pass');
  });

  it('rejects settings that contradict it, at their line', () => {
    expect(() => loadScenario(write(['style: stepwise'], ['  - sync']))).not.toThrow();
    const auto = join(dir, 'auto.yaml');
    writeFileSync(
      auto,
      ['description: t', 'style: stepwise', 'cluster:', '  kubelet: { readiness: auto }', 'steps: [sync]', ''].join(
        '\n',
      ),
    );
    expect(() => loadScenario(auto)).toThrow(/auto\.yaml:4:\d+: a stepwise scenario has readiness manual/);
    const disable = join(dir, 'disable.yaml');
    writeFileSync(
      disable,
      ['description: t', 'style: stepwise', 'cluster:', '  disable: [kubelet]', 'steps: [sync]', ''].join('\n'),
    );
    expect(() => loadScenario(disable)).toThrow(/disable\.yaml:4:\d+: .*disable has no meaning/);
  });
});

describe('catch-up style keeps its rules', () => {
  it('a node change the API server refuses is bad input at the step', async () => {
    const result = await run([], ['  - label: { node: node-0, labels: { "bad key!": x } }']);
    expect(result.verdict).toBe('error');
    expect(result.error).toMatch(/step 1 \(label\): the API server refused it: /);
  });

  it('a disabled node-lifecycle controller adds no taint after a cordon', async () => {
    const file = join(dir, 'nolifecycle.yaml');
    writeFileSync(
      file,
      [
        'description: t',
        'cluster:',
        '  nodes: [{ name: node-a }]',
        '  disable: [node-lifecycle]',
        'manifests:',
        DS,
        'steps:',
        '  - cordon: node-a',
        '  - sync',
        '  - expect: { pods: { node-a: 1 } }',
        '',
      ].join('\n'),
    );
    const result = await runScenario(loadScenario(file), referenceImplementation());
    expect(result.failure?.message).toBeUndefined();
    expect(result.verdict).toBe('pass');
  });
});

describe('stepwise before any DaemonSet', () => {
  it('pod and DaemonSet steps do nothing, as the model events would', async () => {
    const file = join(dir, 'nods.yaml');
    writeFileSync(
      file,
      [
        'description: t',
        'style: stepwise',
        'cluster:',
        '  nodes: [{ name: node-a }]',
        'steps:',
        '  - markReady: node-a',
        '  - failPod: node-a',
        '  - deleteDaemonSet',
        '  - updateDaemonSet: { image: v2 }',
        '  - createPod: { node: node-a, owner: none, revision: none }',
        '  - quiesce',
        '  - expect: { exists: false }',
        '',
      ].join('\n'),
    );
    const result = await runScenario(loadScenario(file), referenceImplementation());
    expect(result.failure?.message ?? result.error).toBeUndefined();
    expect(result.verdict).toBe('pass');
  });
});

describe('invariants', () => {
  it('a mutant fails at the step where the model sees the violation, named by invariant', async () => {
    const steps = ['  - sync', '  - schedule', '  - kubelet', '  - quiesce'];
    const header = ['style: stepwise', 'invariants: all'];
    expect((await run(header, steps)).verdict).toBe('pass');
    const result = await run(header, steps, mutant('duplicate-pods'));
    expect(result.verdict).toBe('fail');
    expect(result.failure?.step).toBe(1);
    expect(result.failure?.expectation).toMatch(/^DS-/);
    expect(result.failure?.message).toMatch(/^DS-[A-Z]+-\d+: /);
  });

  it('also judge catch-up scenarios, controller step by controller step while settling', async () => {
    const header = ['invariants: all'];
    expect((await run(header, ['  - settle'])).verdict).toBe('pass');
    const result = await run(header, ['  - settle'], mutant('duplicate-pods'));
    expect(result.failure?.step).toBe(1);
    expect(result.failure?.expectation).toMatch(/^DS-/);
  });

  it('an unknown invariant ID is bad input at its line', () => {
    const file = write(['invariants: [DS-PLACE-01, DS-NOPE-99]'], ['  - sync']);
    expect(() => loadScenario(file)).toThrow(InputError);
    expect(() => loadScenario(file)).toThrow(/:2:\d+: unknown invariant "DS-NOPE-99"/);
  });
});

describe('pod picks by revision class and template replacement', () => {
  it('revision: old picks the pods an OnDelete update left behind; template replaces the old one whole', async () => {
    const result = await run(
      [],
      [
        '  - settle',
        '  - markReady: all',
        '  - updateDaemonSet:',
        '      template: { metadata: { labels: { app: ds } }, spec: { containers: [{ name: app, image: v2 }] } }',
        '  - settle',
        "  - expect: { pods: { '*': { count: 1, image: v1 } } }",
        '  - deletePod: { node: node-0, revision: old }',
        '  - settle',
        '  - expect: { pods: { node-0: { image: v2, revision: 2 }, node-1: { image: v1 } } }',
        '  - deletePod: { node: node-0, revision: old }',
      ],
    );
    expect(result.verdict).toBe('fail');
    expect(result.failure?.step).toBe(9);
    expect(result.failure?.message).toMatch(/no pod of revision old of default\/ds on node-0 to delete/);
  });

  it('quiesce with disabled components is refused when the file is loaded, saying why', () => {
    const file = join(dir, 'q.yaml');
    writeFileSync(
      file,
      [
        'description: t',
        'cluster:',
        '  nodes: [{ name: node-a }]',
        '  disable: [pod-gc]',
        'manifests:',
        DS,
        'steps: [quiesce]',
        '',
      ].join('\n'),
    );
    expect(() => loadScenario(file)).toThrow(
      'step 1 (quiesce): quiesce settles the cluster as a healthy one does, every component running (it is what the model predicts a random run ends in), and pod-gc is disabled in cluster.disable; use settle, which runs what is enabled, or remove cluster.disable',
    );
  });
});
