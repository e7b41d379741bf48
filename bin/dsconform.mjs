#!/usr/bin/env node
// The dsconform command. The sources are TypeScript and there is no build step: tsx's loader is
// registered first, then the CLI is imported (resolved from this file, wherever it is run from).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
