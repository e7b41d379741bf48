/**
 * kubectl, unmodified, against `dsconform serve`: the commands of issue 16 (get nodes, apply the
 * flannel manifest, get pods -o wide, rollout status, set image, delete --cascade=orphan, create
 * namespace) and what they show. Needs kubectl 1.27 or later on PATH (kubectl from Debian
 * bookworm, 1.20, validates against an OpenAPI v2 document the server does not have); skipped
 * with the reason otherwise.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServe, startServe } from '../../src/cli/serve.js';
import { simulateFiles } from '../../src/cli/simulate.js';
import { goMissingReason } from '../../src/upstream/apiSemantics.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const CLUSTER = join(root, 'examples/clusters/small.yaml');
const FLANNEL = join(root, 'scenarios/manifests/kube-flannel-ds.yaml');

function kubectlVersion(): { minor: number } | string {
  try {
    const out = execFileSync('kubectl', ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
    const minor = Number.parseInt((JSON.parse(out) as { clientVersion: { minor: string } }).clientVersion.minor, 10);
    return minor >= 27 ? { minor } : `kubectl 1.${minor} is older than 1.27`;
  } catch {
    return 'kubectl is not on PATH';
  }
}

const version = kubectlVersion();
const skipReason = typeof version === 'string' ? version : undefined;
if (skipReason) console.warn(`test/serve/kubectl.test.ts skipped: ${skipReason}`);
const goMissing = await goMissingReason();

describe.skipIf(skipReason !== undefined)('kubectl against dsconform serve', () => {
  let folder = '';
  let kubeconfig = '';
  let running: RunningServe;

  const kubectl = (...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      execFile('kubectl', ['--kubeconfig', kubeconfig, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
      });
    });

  /** Polls a kubectl command until `done` holds for its output (the driver settles right after each write). */
  async function until(args: string[], done: (stdout: string) => boolean): Promise<string> {
    let last = '';
    for (let i = 0; i < 50; i++) {
      last = (await kubectl(...args)).stdout;
      if (done(last)) return last;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return last;
  }

  beforeAll(async () => {
    folder = mkdtempSync(join(tmpdir(), 'dsconform-serve-'));
    kubeconfig = join(folder, 'kubeconfig');
    running = await startServe({ cluster: CLUSTER, port: 0, kubeconfig, controller: true });
  });
  afterAll(async () => {
    await running?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  it('get nodes prints the cluster description with kubectl columns', async () => {
    const { code, stdout } = await kubectl('get', 'nodes');
    expect(code).toBe(0);
    const rows = stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/\s+/));
    expect(rows[0]).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    const status = Object.fromEntries(rows.slice(1).map((r) => [r[0], r[1]]));
    expect(status).toEqual({
      'control-plane': 'Ready',
      'win-1': 'Ready',
      'worker-1': 'Ready',
      'worker-2': 'Ready,SchedulingDisabled',
      'worker-3': 'NotReady',
      'worker-4': 'Ready',
    });
    expect(rows.find((r) => r[0] === 'control-plane')?.[2]).toBe('control-plane');
  });

  it('apply -f the flannel manifest puts a pod on every node simulate says should run one', async () => {
    const applied = await kubectl('apply', '-f', FLANNEL);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim()).toBe('daemonset.apps/kube-flannel-ds-amd64 created');
    const expected = simulateFiles(FLANNEL, { cluster: CLUSTER })
      .daemonSets[0]?.nodes.filter((n) => n.pods.length > 0)
      .map((n) => n.node)
      .sort();
    expect(expected?.length).toBeGreaterThan(0);
    const wide = await until(
      ['get', 'pods', '-n', 'kube-system', '-o', 'wide'],
      (out) => out.split('\n').filter((l) => l.includes('Running')).length === expected?.length,
    );
    const header = wide.split('\n')[0]?.split(/\s{2,}/);
    expect(header).toEqual([
      'NAME',
      'READY',
      'STATUS',
      'RESTARTS',
      'AGE',
      'IP',
      'NODE',
      'NOMINATED NODE',
      'READINESS GATES',
    ]);
    const nodes = wide
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(/\s+/)[6])
      .sort();
    expect(nodes).toEqual(expected);
    const rollout = await kubectl(
      'rollout',
      'status',
      '-n',
      'kube-system',
      'ds/kube-flannel-ds-amd64',
      '--timeout=30s',
    );
    expect(rollout.stdout).toContain('successfully rolled out');
  });

  it('set image rolls the pods over; rollout history lists both revisions', async () => {
    const set = await kubectl(
      'set',
      'image',
      '-n',
      'kube-system',
      'ds/kube-flannel-ds-amd64',
      'kube-flannel=quay.io/coreos/flannel:v0.12.0-amd64',
    );
    expect(set.code).toBe(0);
    const rollout = await kubectl(
      'rollout',
      'status',
      '-n',
      'kube-system',
      'ds/kube-flannel-ds-amd64',
      '--timeout=30s',
    );
    expect(rollout.stdout).toContain('successfully rolled out');
    const images = await until(
      ['get', 'pods', '-n', 'kube-system', '-o', 'jsonpath={.items[*].spec.containers[0].image}'],
      (out) => out !== '' && out.split(' ').every((i) => i.endsWith('v0.12.0-amd64')),
    );
    expect(images.split(' ').every((i) => i.endsWith('v0.12.0-amd64'))).toBe(true);
    const history = await kubectl('rollout', 'history', '-n', 'kube-system', 'ds/kube-flannel-ds-amd64');
    expect(
      history.stdout
        .split('\n')
        .filter((l) => /^\d+\s/.test(l))
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(['1', '2']);
    const ds = await kubectl('get', 'ds', '-n', 'kube-system', '-o', 'wide');
    expect(ds.stdout).toContain('quay.io/coreos/flannel:v0.12.0-amd64');
  });

  it('delete ds --cascade=orphan leaves the pods running, released', async () => {
    const before = await kubectl('get', 'pods', '-n', 'kube-system', '-o', 'name');
    const deleted = await kubectl('delete', 'ds', '-n', 'kube-system', 'kube-flannel-ds-amd64', '--cascade=orphan');
    expect(deleted.stdout.trim()).toBe('daemonset.apps "kube-flannel-ds-amd64" deleted');
    const owners = await until(
      ['get', 'pods', '-n', 'kube-system', '-o', 'jsonpath={.items[*].metadata.ownerReferences}'],
      (out) => out === '',
    );
    expect(owners).toBe('');
    const after = await kubectl('get', 'pods', '-n', 'kube-system', '-o', 'name');
    expect(after.stdout).toBe(before.stdout);
    expect((await kubectl('get', 'ds', '-A')).stderr).toContain('No resources found');
  });

  it('create namespace sends protobuf, which the server decodes with client-go (or refuses with the reason)', async () => {
    const created = await kubectl('create', 'namespace', 'demo');
    if (goMissing !== undefined) {
      expect(created.stderr).toContain(
        'application/vnd.kubernetes.protobuf bodies are decoded by adapters/upstream-api',
      );
      return;
    }
    expect(created.stdout.trim()).toBe('namespace/demo created');
    expect((await until(['get', 'serviceaccounts', '-n', 'demo', '-o', 'name'], (out) => out !== '')).trim()).toBe(
      'serviceaccount/default',
    );
    expect((await kubectl('delete', 'namespace', 'demo')).code).toBe(0);
    const gone = await kubectl('get', 'namespace', 'demo');
    expect(gone.stderr).toContain('namespaces "demo" not found');
  });
});
