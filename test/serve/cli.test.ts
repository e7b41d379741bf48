/** `dsconform serve`'s bad input: one line naming the problem, exit 2, nothing left running. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { type CliIO, main } from '../../src/cli/main.js';

async function serveCli(...args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const io: CliIO = {
    stdout: () => {},
    stderr: (text) => {
      stderr += text;
    },
    color: false,
  };
  const code = await main(['node', 'dsconform', 'serve', ...args], io);
  return { code, stderr };
}

describe('dsconform serve: bad input', () => {
  it('names the invalid cluster description at its line', async () => {
    const run = await serveCli('--cluster', 'examples/clusters/invalid-taint-effect.yaml');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^dsconform: examples\/clusters\/invalid-taint-effect\.yaml:8:9: nodes\[0\]\.taints\[0\]\.effect: /,
    );
  });

  it('says which port is in use, and which options are wrong', async () => {
    const other = createServer();
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    const port = (other.address() as AddressInfo).port;
    try {
      const run = await serveCli('--port', String(port), '--kubeconfig', 'reports/serve/test-kubeconfig');
      expect(run).toEqual({
        code: 2,
        stderr: `dsconform: --port ${port}: cannot listen on 127.0.0.1:${port}: the port is in use\n`,
      });
    } finally {
      other.close();
    }
    expect((await serveCli('--port', '70000')).stderr).toContain('expected a port number from 0 to 65535');
    expect((await serveCli('--nodes', '2', '--cluster', 'x.yaml')).code).toBe(2);
  });

  it('says when the kubeconfig cannot be written', async () => {
    const run = await serveCli('--kubeconfig', 'package.json/kubeconfig');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      /^dsconform: --kubeconfig package\.json\/kubeconfig: cannot write the kubeconfig \(\w+\)\n$/,
    );
  });
});
