// Worker threads start without the TypeScript loader the main thread registered: run the worker
// from its bundle, as the CLI runs, or else from its source through tsx (bin/cliBundle.mjs).
import { loadProgram, packageRoot } from '../../bin/cliBundle.mjs';

await loadProgram(packageRoot, { name: 'soak-worker', entry: 'src/harness/soakWorker.ts', dirs: ['src', 'model'] });
