#!/usr/bin/env node
// The dsconform command. The sources are TypeScript and there is no build step: the CLI runs from a
// bundle of them that bin/cliBundle.mjs keeps up to date, or else through tsx's loader.
import { loadBundled, packageRoot } from './cliBundle.mjs';

let cli = await loadBundled(packageRoot);
if (cli === undefined) {
  const { register } = await import('tsx/esm/api');
  register();
  cli = await import('../src/cli/main.ts');
}
process.exitCode = await cli.main(process.argv);
