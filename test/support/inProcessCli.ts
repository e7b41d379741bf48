/**
 * `main()` run in this process, its output captured: for tests that need the CLI's behaviour
 * without a child process (faster, and in-process state such as a served API stays reachable).
 * test/robustness/support.ts runs the real command instead.
 */
import { type CliIO, main } from '../../src/cli/main.js';

export interface InProcessRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** `dsconform <args>` through main(), colours off. */
export async function runMain(args: readonly string[]): Promise<InProcessRun> {
  let stdout = '';
  let stderr = '';
  const io: CliIO = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    color: false,
  };
  const code = await main(['node', 'dsconform', ...args], io);
  return { code, stdout, stderr };
}
