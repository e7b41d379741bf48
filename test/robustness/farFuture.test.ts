/**
 * Valid but extreme input is not a crash: Kubernetes accepts int64 grace periods and toleration
 * seconds, so a deletion or an eviction deadline may lie far beyond the year 9999. The virtual
 * clock writes such a deadline as the last second a timestamp can name (as a Go time saturates)
 * instead of failing with "Invalid time value".
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { ROOT } from './support.js';

it('a grace period and a toleration of 4e15 seconds: the scenario runs (exit 0), no invalid date', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'dsconform-far-future-'));
  const manifest = readFileSync(join(ROOT, 'scenarios/manifests/simple-daemon.yaml'), 'utf8').replace(
    '    spec:\n      containers:',
    '    spec:\n      tolerations: [{ key: k, operator: Exists, effect: NoExecute, tolerationSeconds: 4000000000000000 }]\n      terminationGracePeriodSeconds: 4000000000000000\n      containers:',
  );
  writeFileSync(join(dir, 'ds.yaml'), manifest);
  const scenario = join(dir, 'far.yaml');
  writeFileSync(
    scenario,
    `description: far future\ncluster: { nodes: [ { name: node-0 } ] }\nmanifests: [ds.yaml]\nsteps:\n  - settle\n  - taint: { node: node-0, key: k, effect: NoExecute }\n  - settle: { advanceTime: 31536000 }\n  - expect: { pods: { node-0: 1 } }\n  - deletePod: node-0\n  - settle: { advanceTime: 31536000 }\n  - expect: { pods: { node-0: 1 } }\n`,
  );
  let out = '';
  let err = '';
  const code = await main(['node', 'dsconform', 'scenario', scenario, '--report-dir', join(dir, 'reports')], {
    stdout: (t) => {
      out += t;
    },
    stderr: (t) => {
      err += t;
    },
    color: false,
  });
  expect(err).toBe('');
  expect(code, out).toBe(0);
});
