/**
 * `dsconform check --kubeconfig` as a user runs it, against the fake API server (which runs in
 * this test process; the command is a child process talking to it over HTTP).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RUN_LABEL } from '../../src/k8s/names.js';
import { dsconform, lastLine, ROOT, reportsUnder } from '../robustness/support.js';
import { type FakeCluster, fakeCluster, settleFor } from './support.js';

const FAST_FLAGS = ['--stable-for', '200', '--convergence-timeout', '20000'];

const open: FakeCluster[] = [];
afterEach(async () => {
  for (const cluster of open.splice(0)) await cluster.fake.close();
});

async function cluster(options: Parameters<typeof fakeCluster>[0] = {}): Promise<FakeCluster> {
  const c = await fakeCluster(options);
  open.push(c);
  return c;
}

/** The run's namespaces (not yet gone) and nodes. */
function runObjects(c: FakeCluster): { namespaces: string[]; nodes: string[] } {
  return {
    namespaces: [...c.fake.namespaces.values()]
      .filter((n) => n.metadata?.labels?.[RUN_LABEL] !== undefined)
      .map((n) => `${n.metadata?.name} (${n.status?.phase})`),
    nodes: c.fake.cluster.store
      .list('Node')
      .filter((n) => n.metadata?.labels?.[RUN_LABEL] !== undefined)
      .map((n) => n.metadata?.name ?? ''),
  };
}

describe('dsconform check --kubeconfig', () => {
  it('checks the cluster: the reference controller behind the API conforms; nothing of the run is left', async () => {
    const c = await cluster();
    const run = await dsconform([
      'check',
      '--kubeconfig',
      c.kubeconfig,
      '--profile',
      'core',
      '--runs',
      '3',
      '--seed',
      '1',
      '--max-events',
      '12',
      ...FAST_FLAGS,
      '--report-dir',
      '<report-dir>',
    ]);
    expect(run.code, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^dsconform check: cluster kind-dsconform-test, profile core, seed 1, 3 runs$/m);
    expect(run.stdout).toMatch(/^Verdict: conforms \(3 runs, \d+ events, \d+ invariant checks\)$/m);
    // Per-step invariants about one controller step's writes cannot be checked on a real cluster.
    expect(run.stdout).toMatch(/^DS-SAFE-01 +0 +not-run$/m);
    expect(run.stdout).toMatch(/^DS-EXPECT +3 +pass$/m);
    expect(run.stderr).toMatch(
      /^dsconform: cluster: context kind-dsconform-test \(http:\/\/127\.0\.0\.1:\d+, Kubernetes v1\.30\.0-dsconform-fake; context "kind-dsconform-test" contains "kind-"\); run [0-9a-f]{8}: namespaces and nodes dsconform-[0-9a-f]{8}-\*$/m,
    );
    expect(reportsUnder(run.reportDir).map((r) => r.report.verdict)).toEqual(['conforms']);
    await settleFor(300);
    expect(runObjects(c)).toEqual({ namespaces: [], nodes: [] });
  });

  it('refuses a context that does not look like a test cluster, without a single request', async () => {
    // 127.0.0.2 is this machine too, but not "localhost": only the names can vouch for it.
    const c = await cluster({ host: '127.0.0.2', context: 'prod-eu-1', cluster: 'prod-eu-1' });
    const run = await dsconform(['check', '--kubeconfig', c.kubeconfig, '--runs', '1', '--report-dir', '<report-dir>']);
    expect(run.code).toBe(2);
    expect(lastLine(run.stderr)).toBe(
      `dsconform: could not start the implementation: refusing to create and delete nodes: context "prod-eu-1" (cluster "prod-eu-1", server ${c.fake.url}) does not look like a throwaway test cluster: no kind-, kwok-, minikube, k3d-, docker-desktop in its name and not on localhost; if it is one, add --i-know-this-is-a-test-cluster`,
    );
    expect(c.fake.requests).toEqual([]);
    expect(reportsUnder(run.reportDir).map((r) => r.report.verdict)).toEqual(['could-not-check']);
  });

  it('--i-know-this-is-a-test-cluster lets the user vouch for it', async () => {
    const c = await cluster({ host: '127.0.0.2', context: 'lab', cluster: 'lab' });
    const run = await dsconform([
      'check',
      '--kubeconfig',
      c.kubeconfig,
      '--i-know-this-is-a-test-cluster',
      '--profile',
      'core',
      '--runs',
      '1',
      '--seed',
      '2',
      '--max-events',
      '8',
      ...FAST_FLAGS,
      '--report-dir',
      '<report-dir>',
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain('accepted by --i-know-this-is-a-test-cluster');
  });

  it('an API server that cannot be reached: exit 2 and one line', async () => {
    const c = await cluster();
    const url = c.fake.url;
    await c.fake.close();
    open.splice(open.indexOf(c), 1);
    const kubeconfig = join(c.dir, 'down.json');
    writeFileSync(
      kubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'kind-down', cluster: { server: url, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'kind-down', context: { cluster: 'kind-down', user: 'u' } }],
        'current-context': 'kind-down',
      }),
    );
    const run = await dsconform(['check', '--kubeconfig', kubeconfig, '--runs', '1', '--report-dir', '<report-dir>']);
    expect(run.code).toBe(2);
    expect(lastLine(run.stderr)).toMatch(
      /^dsconform: could not start the implementation: cannot reach the API server of context "kind-down": GET \/version: .*ECONNREFUSED.*$/,
    );
  });

  it('a kubeconfig that does not exist: exit 2 and one line', async () => {
    const run = await dsconform(['check', '--kubeconfig', '/nonexistent/kubeconfig', '--report-dir', '<report-dir>']);
    expect(run.code).toBe(2);
    expect(lastLine(run.stderr)).toMatch(
      /^dsconform: could not start the implementation: --kubeconfig \/nonexistent\/kubeconfig: .*no such file or directory.*$/,
    );
  });

  it('Ctrl-C mid-campaign deletes what the run created and exits 130', async () => {
    const c = await cluster();
    const child = spawn(
      process.execPath,
      [
        'bin/dsconform.mjs',
        'check',
        '--kubeconfig',
        c.kubeconfig,
        '--runs',
        '1000',
        '--seed',
        '3',
        ...FAST_FLAGS,
        '--report-dir',
        join(c.dir, 'reports'),
      ],
      { cwd: ROOT, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    // Wait until the run has nodes of its own, then interrupt it.
    const deadline = Date.now() + 30_000;
    while (runObjects(c).nodes.length === 0 && Date.now() < deadline) await settleFor(50);
    expect(runObjects(c).nodes.length).toBeGreaterThan(0);
    child.kill('SIGINT');
    expect(await exited).toBe(130);
    expect(stderr).toMatch(/^dsconform: interrupted \(SIGINT\); stopping cluster kind-dsconform-test$/m);
    expect(stderr).toMatch(/^dsconform: cluster: deleted [1-9]\d* namespaces and \d+ nodes of run [0-9a-f]{8}$/m);
    await settleFor(300);
    expect(runObjects(c)).toEqual({ namespaces: [], nodes: [] });
  });
});
