/**
 * The Python example controller (examples/python/controller.py): it speaks dsconform/v1 correctly
 * (a scripted session, checked write by write) and conforms (dsconform check, as a user runs it).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const CONTROLLER = 'python3 examples/python/controller.py';
const hasPython = spawnSync('python3', ['--version']).status === 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command in the repository root, feeding `input` on stdin, and collects its output. */
function run(command: string, args: string[], input = ''): Promise<Run> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

const reportDirs: string[] = [];
afterAll(() => {
  for (const dir of reportDirs) rmSync(dir, { recursive: true, force: true });
});

function check(...extra: string[]): Promise<Run> {
  const reportDir = mkdtempSync(join(tmpdir(), 'dsconform-python-'));
  reportDirs.push(reportDir);
  return run('node', ['bin/dsconform.mjs', 'check', '--controller', CONTROLLER, '--report-dir', reportDir, ...extra]);
}

// --- a scripted session -------------------------------------------------------------------------

const NOW = '2025-01-01T00:00:00Z';
const DS_UID = 'ds-uid-1';

function node(name: string, labels: Record<string, string> = {}, taints: object[] = []) {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', labels },
    spec: { taints },
  };
}

const daemonSet = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: {
    name: 'ds',
    namespace: 'default',
    uid: DS_UID,
    generation: 1,
    resourceVersion: '2',
    annotations: { 'deprecated.daemonset.template.generation': '1' },
  },
  spec: {
    selector: { matchLabels: { app: 'ds' } },
    template: {
      metadata: { labels: { app: 'ds' } },
      spec: {
        containers: [{ name: 'app', image: 'v1' }],
        nodeSelector: { zone: 'a' },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchExpressions: [{ key: 'cpu', operator: 'Gt', values: ['2'] }] }],
            },
          },
        },
      },
    },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    revisionHistoryLimit: 10,
  },
};

type Write = Record<string, unknown> & { op: string };

/** The parts of a created pod this test reads. */
interface CreatedPod {
  metadata: { generateName?: string; labels?: Record<string, string>; ownerReferences?: unknown[] };
  spec: {
    tolerations?: { key?: string }[];
    affinity?: {
      nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: { nodeSelectorTerms?: unknown[] } };
    };
  };
}

describe.skipIf(!hasPython)('examples/python/controller.py', () => {
  it('compiles', async () => {
    // compile() rather than py_compile: same syntax check, no __pycache__ left in the tree.
    const source = "compile(open('examples/python/controller.py', encoding='utf-8').read(), 'controller.py', 'exec')";
    const result = await run('python3', ['-c', source]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('speaks dsconform/v1: snapshot, one pinned pod per eligible node, status, expectations', async () => {
    const nodes = [
      node('n1', { zone: 'a', cpu: '4' }), // eligible
      node('n2', { zone: 'a', cpu: '1' }), // cpu not > 2
      node('n3', { zone: 'b', cpu: '8' }), // wrong zone
      node('n4', { zone: 'a', cpu: '8' }, [{ key: 'dedicated', effect: 'NoSchedule' }]), // untolerated taint
      node('n5', { zone: 'a', cpu: '8' }, [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }]), // default toleration
    ];
    const requests = [
      { type: 'init', id: 1, protocol: 'dsconform/v1', now: NOW },
      { type: 'reset', id: 2 },
      {
        type: 'sync',
        id: 3,
        now: NOW,
        events: [
          ...nodes.map((object) => ({ type: 'ADDED', kind: 'Node', object })),
          { type: 'ADDED', kind: 'DaemonSet', object: daemonSet },
        ],
        results: [],
      },
      // Nothing observed yet: the controller must not create the pods a second time.
      { type: 'sync', id: 4, now: '2025-01-01T00:00:01Z', events: [], results: [] },
      { type: 'shutdown', id: 5 },
    ];
    const result = await run(
      'python3',
      ['examples/python/controller.py'],
      requests.map((r) => JSON.stringify(r)).join('\n'),
    );
    expect(result.code).toBe(0);
    const replies = result.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(replies.map((r) => [r.type, r.re])).toEqual([
      ['init_ok', 1],
      ['reset_ok', 2],
      ['sync_ok', 3],
      ['sync_ok', 4],
    ]);
    expect(replies[0].protocol).toBe('dsconform/v1');
    expect(replies[0].capabilities).toEqual({
      rollingUpdate: true,
      surge: true,
      revisions: true,
      taints: true,
      relist: true,
    });

    const writes: Write[] = replies[2].writes;
    expect(writes.map((w) => w.op)).toEqual([
      'createControllerRevision',
      'createPod',
      'createPod',
      'updateDaemonSetStatus',
    ]);
    const revision = writes[0]?.revision as { metadata: { name: string; labels: Record<string, string> } };
    const hash = revision.metadata.labels['controller-revision-hash'];
    expect(revision.metadata.name).toBe(`ds-${hash}`);

    const pods = writes.filter((w) => w.op === 'createPod').map((w) => w.pod as CreatedPod);
    const pinnedTo = pods.map(
      (p) => p.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms,
    );
    expect(pinnedTo).toEqual([
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }],
      [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n5'] }] }],
    ]);
    const pod = pods[0] as CreatedPod;
    expect(pod.metadata.generateName).toBe('ds-');
    expect(pod.metadata.labels).toEqual({
      app: 'ds',
      'controller-revision-hash': hash,
      'pod-template-generation': '1',
    });
    expect(pod.metadata.ownerReferences).toEqual([
      { apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'ds', uid: DS_UID, controller: true, blockOwnerDeletion: true },
    ]);
    expect(pod.spec.tolerations?.map((t) => t.key)).toEqual([
      'node.kubernetes.io/not-ready',
      'node.kubernetes.io/unreachable',
      'node.kubernetes.io/disk-pressure',
      'node.kubernetes.io/memory-pressure',
      'node.kubernetes.io/pid-pressure',
      'node.kubernetes.io/unschedulable',
    ]);
    expect(writes[3]).toMatchObject({
      op: 'updateDaemonSetStatus',
      name: 'ds',
      resourceVersion: '2',
      status: { desiredNumberScheduled: 2, currentNumberScheduled: 0, numberMisscheduled: 0, observedGeneration: 1 },
    });
    // Expectations: two creations not yet observed, so the second sync writes nothing.
    expect(replies[3].writes).toEqual([]);
  });

  // --- conformance, as a user runs it --------------------------------------------------------------

  it('conforms: dsconform check --runs 150 --seed 7', async () => {
    const result = await check('--runs', '150', '--seed', '7');
    expect(result.stdout).toContain('Verdict: conforms');
    expect(result.code, result.stdout + result.stderr).toBe(0);
  }, 300_000);

  it.each(['taints', 'rolling-update'])(
    'conforms on the %s profile',
    async (profile) => {
      const result = await check('--profile', profile, '--runs', '100', '--seed', '7');
      expect(result.stdout).toContain('Verdict: conforms');
      expect(result.stdout).not.toContain('skipped');
      expect(result.code, result.stdout + result.stderr).toBe(0);
    },
    300_000,
  );
});
