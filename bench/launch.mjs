// `npm run bench`: bench/run.ts run as the CLI runs, from a bundle of its sources (bin/cliBundle.mjs),
// so the figures are those of the code users run; through tsx where the bundle cannot be made.
import { loadProgram, packageRoot } from '../bin/cliBundle.mjs';

await loadProgram(packageRoot, { name: 'bench', entry: 'bench/run.ts', dirs: ['src', 'model', 'bench'] });
