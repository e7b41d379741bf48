/**
 * The upstream adapter (adapters/upstream/): the genuine Kubernetes DaemonSet controller behind
 * the controller protocol. Builds it (or takes it from the cache; .ci/run builds it first), speaks
 * the protocol to it directly, then runs `dsconform check --upstream` as a user would. Skipped,
 * with the reason printed, only where Go is not installed.
 */
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureUpstreamAdapter, goVersion, UpstreamBuildError, upstreamVersion } from '../../src/upstream/build.js';
import { dsconform, lastLine } from '../robustness/support.js';

let goMissing: string | undefined;
try {
  execFileSync('go', ['env', 'GOVERSION'], { stdio: 'ignore' });
} catch {
  goMissing = 'the Go toolchain (`go`) is not on PATH: the upstream adapter cannot be built';
  console.log(`test/upstream-adapter skipped: ${goMissing}`);
}

/** A cold build of k8s.io/kubernetes' controller packages on a loaded 2-core machine. */
const BUILD_TIMEOUT_MS = 40 * 60_000;

/** One adapter process and a request/reply helper. */
class Adapter {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #replies: string[] = [];
  readonly #waiters: ((line: string) => void)[] = [];
  #id = 0;

  constructor(binary: string) {
    this.#child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr.resume();
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const waiter = this.#waiters.shift();
      if (waiter) waiter(line);
      else this.#replies.push(line);
    });
  }

  async request(message: Record<string, unknown>): Promise<Record<string, unknown>> {
    const id = ++this.#id;
    this.#child.stdin.write(`${JSON.stringify({ ...message, id })}\n`);
    const line = this.#replies.shift() ?? (await new Promise<string>((resolve) => this.#waiters.push(resolve)));
    const reply = JSON.parse(line) as Record<string, unknown>;
    expect(reply.re).toBe(id);
    return reply;
  }

  close(): void {
    this.#child.stdin.end();
    this.#child.kill();
  }
}

const NOW = '2025-01-01T00:00:00Z';

function node(name: string): Record<string, unknown> {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, uid: `uid-${name}`, resourceVersion: '1', labels: { 'kubernetes.io/hostname': name } },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

const DS = {
  apiVersion: 'apps/v1',
  kind: 'DaemonSet',
  metadata: {
    name: 'ds',
    namespace: 'default',
    uid: 'uid-ds',
    resourceVersion: '3',
    generation: 1,
    annotations: { 'deprecated.daemonset.template.generation': '1' },
  },
  spec: {
    selector: { matchLabels: { app: 'ds' } },
    template: {
      metadata: { labels: { app: 'ds' } },
      spec: { containers: [{ name: 'c', image: 'busybox' }] },
    },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
    revisionHistoryLimit: 10,
  },
};

describe.skipIf(goMissing !== undefined)('upstream adapter, Kubernetes 1.37', () => {
  let binary = '';
  let adapter: Adapter | undefined;
  /** The revision the first sync created, as the API server would have stored it. */
  let revision: Record<string, unknown> = {};

  beforeAll(async () => {
    const built = await ensureUpstreamAdapter(upstreamVersion('1.37'), {
      log: (line) => console.log(`dsconform: ${line}`),
    });
    binary = built.binary;
  }, BUILD_TIMEOUT_MS);

  afterAll(() => adapter?.close());

  it('answers init with the Kubernetes release it runs, and a first sync with revision, pods and status', async () => {
    adapter = new Adapter(binary);
    const init = await adapter.request({ type: 'init', protocol: 'dsconform/v1', now: NOW });
    expect(init).toMatchObject({
      type: 'init_ok',
      protocol: 'dsconform/v1',
      implementation: { name: 'kubernetes-upstream', version: 'v1.37.2' },
    });
    expect(await adapter.request({ type: 'reset' })).toMatchObject({ type: 'reset_ok' });
    const sync = await adapter.request({
      type: 'sync',
      now: NOW,
      events: [
        { type: 'ADDED', kind: 'Node', object: node('n0') },
        { type: 'ADDED', kind: 'Node', object: node('n1') },
        { type: 'ADDED', kind: 'DaemonSet', object: DS },
      ],
      results: [],
    });
    const writes = sync.writes as {
      op: string;
      pod?: { metadata: Record<string, unknown>; spec: unknown };
      revision?: { metadata: Record<string, unknown> };
    }[];
    const created = writes[0]?.revision;
    revision = { ...created, metadata: { ...created?.metadata, uid: 'uid-rev', resourceVersion: '4' } };
    expect(writes.map((w) => w.op)).toEqual([
      'createControllerRevision',
      'createPod',
      'createPod',
      'updateDaemonSetStatus',
    ]);
    // Concurrent creates come out in node order; each pod is pinned to its node by affinity.
    const pinned = writes
      .filter((w) => w.op === 'createPod')
      .map((w) => JSON.stringify(w.pod?.spec).match(/"values":\["(n\d)"\]/)?.[1]);
    expect(pinned).toEqual(['n0', 'n1']);
    expect(writes[1]?.pod?.metadata).toMatchObject({
      generateName: 'ds-',
      namespace: 'default',
      ownerReferences: [{ kind: 'DaemonSet', name: 'ds', uid: 'uid-ds', controller: true, blockOwnerDeletion: true }],
    });
    expect(writes[3]).toMatchObject({
      op: 'updateDaemonSetStatus',
      name: 'ds',
      resourceVersion: '3',
      status: { desiredNumberScheduled: 2, currentNumberScheduled: 0, observedGeneration: 1 },
    });
  });

  it('waits for its expectations: resynced before its pods are seen, it only writes status', async () => {
    if (adapter === undefined) throw new Error('the first test starts the adapter');
    const sync = await adapter.request({
      type: 'sync',
      now: NOW,
      events: [
        { type: 'ADDED', kind: 'ControllerRevision', object: revision },
        { type: 'MODIFIED', kind: 'DaemonSet', object: DS },
      ],
      results: [{ ok: true }, { ok: true }, { ok: true }, { ok: true }],
    });
    expect((sync.writes as { op: string }[]).map((w) => w.op)).toEqual(['updateDaemonSetStatus']);
  });

  it(
    'dsconform check --upstream 1.37 conforms on profile core',
    async () => {
      const run = await dsconform(
        [
          'check',
          '--upstream',
          '1.37',
          '--profile',
          'core',
          '--runs',
          '30',
          '--seed',
          '1',
          '--report-dir',
          '<report-dir>',
        ],
        15 * 60_000,
      );
      if (run.code !== 0) console.log(run.stdout, run.stderr);
      expect(run.code).toBe(0);
    },
    15 * 60_000,
  );
});

describe('--upstream without Go', () => {
  it('says in one line that the go command is missing, exit code 2', async () => {
    await expect(goVersion({ PATH: '/nonexistent' })).rejects.toThrow(UpstreamBuildError);
    const run = await dsconformWithoutGo();
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(lastLine(run.stderr)).toMatch(/--upstream needs the Go toolchain: no `go` command on PATH/);
  });

  it('names the known versions for an unknown one', () => {
    expect(() => upstreamVersion('1.20')).toThrow(/unknown upstream version "1.20"; known: 1.37 \(v1.37.2\), 1.34/);
    expect(upstreamVersion('v1.34.0').minor).toBe('1.34');
  });
});

/** `dsconform check --upstream 1.37` with a PATH that has no `go` (node itself is started by path). */
function dsconformWithoutGo(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['bin/dsconform.mjs', 'check', '--upstream', '1.37', '--runs', '1'], {
      cwd: new URL('../..', import.meta.url),
      env: { ...process.env, PATH: '/nonexistent', NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}
