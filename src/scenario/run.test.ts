import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Implementation, referenceImplementation } from '../harness/implementation.js';
import { loadScenario } from './load.js';
import { countMatches } from './matchers.js';
import { mergePatch, runScenario, type ScenarioResult } from './run.js';

const dir = mkdtempSync(join(tmpdir(), 'dsconform-scenario-run-'));
let counter = 0;

const AGENT = `  - apiVersion: apps/v1
    kind: DaemonSet
    metadata: { name: agent, namespace: default }
    spec:
      selector: { matchLabels: { app: agent } }
      template:
        metadata: { labels: { app: agent } }
        spec: { containers: [{ name: agent, image: agent:1 }] }`;

/** Runs a scenario with three nodes and the agent DaemonSet, whose steps are the given lines. */
async function run(
  steps: string[],
  implementation: Implementation = referenceImplementation(),
): Promise<ScenarioResult> {
  const file = join(dir, `r${counter++}.yaml`);
  writeFileSync(
    file,
    [
      'description: t',
      'cluster:',
      '  nodes:',
      '    - name: node-{0..2}',
      'manifests:',
      AGENT,
      'steps:',
      ...steps,
      '',
    ].join('\n'),
  );
  return runScenario(loadScenario(file), implementation);
}

describe('runScenario', () => {
  it('passes when every expectation holds', async () => {
    const result = await run([
      '  - settle: { creates: 3, deletes: 0 }',
      '  - expect:',
      "      pods: { '*': { count: 1, available: 1, revision: 1, image: agent:1, phase: Running } }",
      '      status: { desiredNumberScheduled: 3, numberAvailable: ">= 3" }',
      '      revisions: { count: 1, current: 1 }',
    ]);
    expect(result.verdict).toBe('pass');
    expect(result.failure).toBeUndefined();
  });

  it('fails at the first differing expectation, naming the step, the expectation and its line', async () => {
    const result = await run([
      '  - settle',
      '  - expect:',
      '      podsTotal: 3',
      '      pods:',
      '        node-1: { count: 1, ready: 2 }',
      '      status: { desiredNumberScheduled: 4 }',
    ]);
    expect(result.verdict).toBe('fail');
    expect(result.failure).toMatchObject({
      step: 2,
      kind: 'expect',
      expectation: 'pods.node-1.ready',
      message: 'pods.node-1.ready: expected 2, got 1',
    });
    expect(result.failure?.location.line).toBe(19);
    expect(result.failure?.pods).toHaveLength(3);
  });

  it('checks the writes of a sync written on the step itself', async () => {
    const result = await run(['  - sync: { creates: 2 }']);
    expect(result.failure).toMatchObject({ step: 1, kind: 'sync', message: 'writes.creates: expected 2, got 3' });
    expect(result.failure?.location).toMatchObject({ line: 15, column: 13 });
  });

  it('checks status writes, pod patches and revision writes, on the step and in expect', async () => {
    const passing = await run([
      '  - createPod: { node: node-0, owner: none, revision: none }',
      '  - sync: { creates: 2, podPatches: 1, revisionWrites: 1, statusWrites: 1 }',
      '  - settle',
      '  - sync',
      '  - expect: { writes: { creates: 0, deletes: 0, podPatches: 0, revisionWrites: 0, statusWrites: 0 } }',
    ]);
    expect(passing.failure?.message).toBeUndefined();
    expect(passing.verdict).toBe('pass');
    // The same with one expected value changed fails at that step, naming the field.
    const onStep = await run([
      '  - createPod: { node: node-0, owner: none, revision: none }',
      '  - sync: { creates: 2, podPatches: 2 }',
    ]);
    expect(onStep.failure).toMatchObject({ step: 2, kind: 'sync', message: 'writes.podPatches: expected 2, got 1' });
    const inExpect = await run(['  - settle', '  - sync', '  - expect: { writes: { statusWrites: 1 } }']);
    expect(inExpect.failure).toMatchObject({
      step: 3,
      kind: 'expect',
      message: 'writes.statusWrites: expected 1, got 0',
    });
  });

  it('writes by kind and per DaemonSet: adoptions, revision writes by kind, events by reason', async () => {
    // The agent's manifest, renamed, as the value of a createDaemonSet step.
    const SECOND = AGENT.replace(/agent/g, 'second')
      .replace(/^ {2}- /, '      ')
      .replace(/\n {4}/g, '\n      ');
    const steps = (adoptions: number, secondCreates: number, events: number) => [
      '  - createPod: { node: node-0, owner: none, revision: none }',
      `  - sync: { adoptions: ${adoptions}, releases: 0, revisionCreates: 1, revisionUpdates: 0, revisionDeletes: 0, events: { SuccessfulCreate: 2 } }`,
      '  - createDaemonSet:',
      SECOND,
      '  - sync',
      `  - expect: { writes: { daemonSet: second, creates: ${secondCreates}, adoptions: 0, events: { SuccessfulCreate: ${events} } } }`,
      '  - expect: { daemonSet: agent, writes: { creates: 0, deletes: 1, revisionCreates: 0, events: { SuccessfulCreate: 0 } } }',
    ];
    expect((await run(steps(1, 3, 3))).verdict).toBe('pass');
    expect((await run(steps(2, 3, 3))).failure).toMatchObject({
      step: 2,
      message: 'writes.adoptions: expected 2, got 1',
    });
    expect((await run(steps(1, 2, 3))).failure).toMatchObject({
      step: 5,
      message: 'writes.creates: expected 2, got 3',
    });
    expect((await run(steps(1, 3, 1))).failure).toMatchObject({
      step: 5,
      message: 'writes.events.SuccessfulCreate: expected 1, got 3',
    });
  });

  it('revisions.orphaned: what an orphaning delete leaves, found through the DaemonSet last seen', async () => {
    const steps = (orphaned: number) => [
      '  - settle',
      '  - deleteDaemonSet: { propagationPolicy: Orphan }',
      '  - settle',
      `  - expect: { exists: false, revisions: { count: 0, orphaned: ${orphaned} } }`,
    ];
    expect((await run(steps(1))).verdict).toBe('pass');
    expect((await run(steps(0))).failure).toMatchObject({ step: 4, message: 'revisions.orphaned: expected 0, got 1' });
  });

  it('skipValidation writes a DaemonSet the API server refuses (past validation); with expectError it is bad input', async () => {
    const empty = (extra: string) => [
      '  - createDaemonSet:',
      `      ${extra}`,
      '      manifest:',
      '        apiVersion: apps/v1',
      '        kind: DaemonSet',
      '        metadata: { name: empty, namespace: default }',
      '        spec:',
      '          selector: {}',
      '          template: { metadata: { labels: { app: x } }, spec: { containers: [{ name: c, image: i }] } }',
      '  - sync: { daemonSet: empty, creates: 0, events: { SelectingAll: 1 } }',
    ];
    expect((await run(empty('skipValidation: true'))).verdict).toBe('pass');
    await expect(run(empty('skipValidation: true\n      expectError: x'))).rejects.toThrow(
      /skipValidation and expectError together/,
    );
  });

  it('deletePod {name}: any pod by name; a name that is no pod fails the step', async () => {
    const result = await run([
      '  - createPod: { node: node-0, name: stray, labels: { app: other } }',
      '  - deletePod: { name: stray, gracePeriodSeconds: 0 }',
      '  - expect: { orphans: 0 }',
      '  - deletePod: { name: stray }',
    ]);
    expect(result.failure).toMatchObject({ step: 4, message: 'step 4 (deletePod): there is no pod default/stray' });
  });

  it('podsNamed: any pod by name, whether it exists and its details', async () => {
    const steps = (owner: string) => [
      '  - createPod: { node: node-0, name: stray, labels: { app: other } }',
      `  - expect: { podsNamed: { stray: { exists: true, terminating: false, owner: ${owner}, labels: { app: other, team: null } } } }`,
      '  - deletePod: { name: stray, gracePeriodSeconds: 0 }',
      '  - expect: { podsNamed: { stray: { exists: false } } }',
    ];
    expect((await run(steps('none'))).verdict).toBe('pass');
    expect((await run(steps('{ kind: Job, name: j }'))).failure).toMatchObject({
      step: 2,
      message: 'podsNamed.stray.owner: expected {"kind":"Job","name":"j"}, got "none"',
    });
  });

  it('a step aimed at a node without a pod fails, naming the step', async () => {
    const result = await run(['  - failPod: node-0']);
    expect(result.verdict).toBe('fail');
    expect(result.failure?.message).toBe('step 1 (failPod): no pod of default/agent on node-0 to end');
  });

  it('a step on a node that does not exist is bad input', async () => {
    const result = await run(['  - cordon: node-9']);
    expect(result.verdict).toBe('error');
    expect(result.errorKind).toBe('input');
    expect(result.error).toMatch(/r\d+\.yaml:15:5: step 1 \(cordon\): there is no node "node-9"$/);
  });

  it('expectError: the API server must refuse the update', async () => {
    const refused = await run([
      '  - updateDaemonSet:',
      '      patch: { spec: { updateStrategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 1 } } } }',
      '      expectError: may not be set when maxUnavailable is non-zero',
    ]);
    expect(refused.verdict).toBe('pass');
    const accepted = await run(['  - updateDaemonSet: { image: agent:2, expectError: invalid }']);
    expect(accepted.failure?.expectation).toBe('expectError');
    const unexpected = await run(['  - updateDaemonSet: { patch: { spec: { minReadySeconds: -1 } } }']);
    expect(unexpected.verdict).toBe('error');
    expect(unexpected.error).toContain('the API server refused the update');
  });

  it('expectError on a create: the API server must refuse it, with that text, and nothing is created', async () => {
    const bad = (name: string, surge: number) =>
      `{ apiVersion: apps/v1, kind: DaemonSet, metadata: { name: ${name} }, spec: { selector: { matchLabels: { app: ${name} } }, updateStrategy: { type: RollingUpdate, rollingUpdate: { maxSurge: ${surge}, maxUnavailable: 1 } }, template: { metadata: { labels: { app: ${name} } }, spec: { containers: [{ name: c, image: i }] } } } }`;
    const refused = await run([
      `  - createDaemonSet: { manifest: ${bad('other', 1)}, expectError: 'maxSurge: Invalid value: 1: may not be set' }`,
      '  - settle',
      "  - expect: { pods: { '*': 1 } }",
    ]);
    expect(refused.verdict).toBe('pass');
    const otherText = await run([
      `  - createDaemonSet: { manifest: ${bad('other', 1)}, expectError: 'maxSurge: Required' }`,
    ]);
    expect(otherText.failure).toMatchObject({ step: 1, expectation: 'expectError' });
    expect(otherText.failure?.message).toContain(
      'expected a refusal containing "maxSurge: Required", got: DaemonSet.apps "other" is invalid',
    );
    // The refusal reaches --trace through onStep, as the step's outcome.
    const refusals: (string | undefined)[] = [];
    const file = join(dir, `r${counter++}.yaml`);
    writeFileSync(
      file,
      [
        'description: t',
        'cluster: { nodes: [{ name: node-a }] }',
        'steps:',
        `  - createDaemonSet: { manifest: ${bad('other', 1)}, expectError: Invalid }`,
        '  - settle',
        '',
      ].join('\n'),
    );
    await runScenario(loadScenario(file), referenceImplementation(), {
      onStep: (_step, _pods, _writes, refused) => refusals.push(refused),
    });
    expect(refusals).toEqual([expect.stringContaining('DaemonSet.apps "other" is invalid'), undefined]);
    const accepted = await run([`  - createDaemonSet: { manifest: ${bad('other', 0)}, expectError: invalid }`]);
    expect(accepted.failure?.message).toContain(
      'expected the API server to refuse the create ("invalid"), but it was accepted',
    );
  });

  it('createPod owned by any kind: a known kind gets its apiVersion, an unknown one must say it', async () => {
    const job = await run([
      '  - settle',
      '  - createPod: { node: node-0, name: j1, owner: { kind: Job, name: backup } }',
      '  - settle: { creates: 0, deletes: 0 }',
      '  - expect: { pods: { node-0: 1 } }',
    ]);
    expect(job.verdict).toBe('pass');
    const unknown = await run(['  - createPod: { node: node-0, owner: { kind: Widget, name: w } }']);
    expect(unknown.verdict).toBe('error');
    expect(unknown.error).toMatch(/step 1 \(createPod\): say the apiVersion of a Widget owner \(owner\.apiVersion\)/);
  });

  it('patchPod: a merge patch of a pod by name or pick; a refusal is judged with expectError', async () => {
    const patched = await run([
      '  - settle',
      '  - patchPod: { node: node-0, patch: { metadata: { labels: { app: elsewhere } } } }',
      '  - settle: { creates: 1 }',
      '  - expect: { orphans: 1, pods: { node-0: 1 } }',
    ]);
    expect(patched.verdict).toBe('pass');
    const missing = await run(['  - patchPod: { name: nope, patch: { metadata: { labels: { a: b } } } }']);
    expect(missing.failure?.message).toContain('there is no pod default/nope');
    const wrong = await run([
      '  - settle',
      "  - patchPod: { node: node-0, patch: { metadata: { finalizers: ['bad name'] } }, expectError: 'spec.containers' }",
    ]);
    expect(wrong.failure?.message).toMatch(
      /expected a refusal containing "spec.containers", got: .*metadata\.finalizers\[0\]/,
    );
  });

  it("gone: none of a snapshot's pods remains; podDetails needs a live pod on the node", async () => {
    const kept = await run([
      '  - settle',
      '  - snapshot: s',
      '  - cordon: node-1',
      '  - settle',
      '  - expect: { gone: { snapshot: s } }',
    ]);
    expect(kept.failure?.message).toMatch(
      /^gone: expected none of the pods of snapshot "s" to remain, but (agent-\w+ on node-\d(, |(?= do$))){3} do$/,
    );
    const replaced = await run([
      '  - settle',
      '  - snapshot: s',
      '  - updateDaemonSet: { image: agent:2 }',
      '  - quiesce',
      '  - expect: { gone: { snapshot: s }, podDetails: { node-0: { owner: { kind: DaemonSet, name: agent } } } }',
    ]);
    expect(replaced.verdict).toBe('pass');
    const none = await run(['  - expect: { podDetails: { node-0: { labels: { app: agent } } } }']);
    expect(none.failure?.message).toBe('podDetails.node-0: no live pod of the DaemonSet on node-0');
    await expect(run(['  - expect: { gone: { snapshot: nope } }'])).rejects.toThrow(
      /step 1 \(expect\): no snapshot "nope" was taken before this step/,
    );
  });

  it('snapshots, kept and gone work for any DaemonSet of the file, not only the first', async () => {
    const second = `{ apiVersion: apps/v1, kind: DaemonSet, metadata: { name: second }, spec: { selector: { matchLabels: { app: second } }, template: { metadata: { labels: { app: second } }, spec: { containers: [{ name: c, image: s:1 }] } } } }`;
    const result = await run([
      `  - createDaemonSet: ${second}`,
      '  - settle',
      '  - snapshot: { name: two, daemonSet: second }',
      '  - updateDaemonSet: { image: agent:2 }',
      '  - quiesce',
      '  - expect: { daemonSet: second, kept: { snapshot: two } }',
      '  - updateDaemonSet: { daemonSet: second, image: s:2 }',
      '  - quiesce',
      '  - expect: { daemonSet: second, gone: { snapshot: two }, podsBy: { image: { s:2: 3 } } }',
    ]);
    expect(result.failure).toBeUndefined();
    expect(result.verdict).toBe('pass');
  });

  it('a scenario needing a feature the implementation lacks is skipped', async () => {
    const reference = referenceImplementation();
    const noSurge: Implementation = { ...reference, features: { ...reference.features, surge: false } };
    const file = join(dir, 'needs-surge.yaml');
    writeFileSync(file, `description: t\nrequires: [surge]\ncluster: { nodes: [] }\nsteps: []\n`);
    const result = await runScenario(loadScenario(file), noSurge);
    expect(result.verdict).toBe('skipped');
    expect(result.skippedBecause).toEqual(['the implementation does not support surge']);
  });

  it('snapshots, orphans, events and deletion', async () => {
    const result = await run([
      '  - settle',
      '  - snapshot: before',
      '  - deleteDaemonSet: { propagationPolicy: Orphan }',
      '  - settle',
      '  - expect: { exists: false, orphans: { node-0: 1 }, podsTotal: 0 }',
      '  - createDaemonSet:',
      AGENT.replace(/^ {2}- /, '      ').replace(/\n {4}/g, '\n      '),
      '  - settle: { creates: 0, deletes: 0 }',
      '  - expect: { kept: { snapshot: before }, orphans: 0, podsTotal: 3, events: { SelectingAll: 0 } }',
    ]);
    expect(result.failure?.message).toBeUndefined();
    expect(result.verdict).toBe('pass');
  });
});

describe('countMatches', () => {
  it.each([
    [3, 3, true],
    [3, 2, false],
    ['>= 2', 2, true],
    ['> 2', 2, false],
    ['<3', 2, true],
    ['<= 1', 2, false],
    ['=0', 0, true],
  ] as const)('%s against %i', (expected, actual, ok) => {
    expect(countMatches(expected, actual)).toBe(ok);
  });
});

describe('mergePatch (RFC 7386)', () => {
  it('merges mappings, replaces lists and scalars, removes on null', () => {
    expect(
      mergePatch(
        { spec: { a: 1, list: [1, 2], nested: { keep: true, drop: 1 } } },
        { spec: { list: [3], nested: { drop: null, add: 'x' }, b: 2 } },
      ),
    ).toEqual({ spec: { a: 1, list: [3], nested: { keep: true, add: 'x' }, b: 2 } });
  });
});
