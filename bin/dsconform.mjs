#!/usr/bin/env node
// The dsconform command. The sources are TypeScript and there is no build step: the CLI runs from a
// bundle of them that bin/cliBundle.mjs keeps up to date, or else through tsx's loader.
import { loadProgram, packageRoot } from './cliBundle.mjs';

const cli = await loadProgram(packageRoot);
process.exitCode = await cli.main(process.argv);
