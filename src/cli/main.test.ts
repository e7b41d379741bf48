import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runMain } from '../../test/support/inProcessCli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FLANNEL = 'scenarios/manifests/kube-flannel-ds.yaml'; // the repository's copy of ../shared/examples' flannel manifest

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The real command, as a user runs it from the repository root. */
function dsconform(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['bin/dsconform.mjs', ...args],
      { cwd: ROOT, timeout: 60_000, env: { ...process.env, NO_COLOR: '1' } },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

describe('dsconform simulate (the real command)', () => {
  it('shows a flannel pod on every node and the toleration hostNetwork adds', async () => {
    const run = await dsconform('simulate', FLANNEL, '--nodes', '5');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.split('\n');
    for (let i = 0; i < 5; i++) {
      expect(lines).toContainEqual(
        expect.stringMatching(new RegExp(`^node-${i} +yes +- +kube-flannel-ds-amd64-\\w{5} +Running +yes +\\w+$`)),
      );
    }
    expect(run.stdout).toMatch(
      /node\.kubernetes\.io\/network-unavailable:NoSchedule op=Exists +added by the DaemonSet controller because hostNetwork: true/,
    );
    expect(run.stdout).toMatch(/desiredNumberScheduled +5\n/);
    expect(run.stdout).toMatch(/numberAvailable +5\n/);
    expect(run.stdout).toMatch(/settled after \d+ rounds\.\n$/);
  });

  it('prints the same report as JSON', async () => {
    const run = await dsconform('simulate', FLANNEL, '--nodes', '2', '--json');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.settle.converged).toBe(true);
    expect(report.daemonSets[0].nodes.map((n: { pods: unknown[] }) => n.pods.length)).toEqual([1, 1]);
  });

  it.each([
    [
      'bad YAML',
      'examples/manifests/bad-yaml.yaml',
      'examples/manifests/bad-yaml.yaml:20:10: invalid YAML: Sequence item without - indicator',
    ],
    [
      'a selector that does not match the template labels',
      'examples/manifests/selector-mismatch.yaml',
      'examples/manifests/selector-mismatch.yaml:20:7: DaemonSet.apps "node-exporter" is invalid: spec.template.metadata.labels: Invalid value: {"app":"node-exporter-v2"}: `selector` does not match template `labels`',
    ],
    [
      'maxSurge and maxUnavailable both non-zero',
      'examples/manifests/surge-and-unavailable.yaml',
      'examples/manifests/surge-and-unavailable.yaml:16:7: DaemonSet.apps "csi-node" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "25%": may not be set when maxUnavailable is non-zero',
    ],
    [
      'a missing file',
      'examples/manifests/no-such-file.yaml',
      'examples/manifests/no-such-file.yaml:1:1: no such file',
    ],
    [
      'a file with no DaemonSet',
      'examples/manifests/no-daemonset.yaml',
      'examples/manifests/no-daemonset.yaml:1:1: no DaemonSet in this file (found: ServiceAccount, ClusterRole, ConfigMap)',
    ],
  ])('rejects %s with one line and exit code 2', async (_, manifest, message) => {
    const run = await dsconform('simulate', manifest, '--nodes', '3');
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`dsconform: ${message}\n`);
  });

  it('rejects an invalid cluster description with one line and exit code 2', async () => {
    const run = await dsconform('simulate', FLANNEL, '--cluster', 'examples/clusters/invalid-taint-effect.yaml');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'dsconform: examples/clusters/invalid-taint-effect.yaml:8:9: nodes[0].taints[0].effect: got the string "NoScheduled", expected one of "NoSchedule", "PreferNoSchedule", "NoExecute"\n',
    );
  });
});

/** Runs main() in this process, capturing what it writes. */
function inProcess(...args: string[]): Promise<Run> {
  return runMain(args);
}

describe('main', () => {
  it('treats usage errors as bad input (exit 2), never as a violation', async () => {
    const conflicting = await inProcess('simulate', 'x.yaml', '--nodes', '3', '--cluster', 'c.yaml');
    expect(conflicting.code).toBe(2);
    expect(conflicting.stderr).toBe("dsconform: option '--nodes <n>' cannot be used with option '--cluster <file>'\n");

    const notANumber = await inProcess('simulate', 'x.yaml', '--nodes', 'five');
    expect(notANumber.code).toBe(2);
    expect(notANumber.stderr).toMatch(/^dsconform: option '--nodes <n>' argument 'five' is invalid/);

    expect((await inProcess('simulat')).code).toBe(2);
  });

  it('exits 0 for --help and --version', async () => {
    const help = await inProcess('simulate', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: dsconform simulate \[options\] <manifest>/);
    expect((await inProcess('--version')).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('documents the check options in --help', async () => {
    const { code, stdout } = await inProcess('check', '--help');
    expect(code).toBe(0);
    for (const option of [
      '--controller',
      '--kubeconfig',
      '--profile',
      '--runs',
      '--seed',
      '--step-timeout',
      '--report-dir',
    ]) {
      expect(stdout).toContain(option);
    }
  });
});
