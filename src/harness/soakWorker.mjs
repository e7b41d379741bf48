// Worker threads start without the TypeScript loader the main thread registered: run the worker
// from its bundle, as the CLI runs (bin/cliBundle.mjs), or else register tsx here (resolved from
// this file, wherever the command runs) and load the worker's source.
import { loadBundled, packageRoot } from '../../bin/cliBundle.mjs';

const worker = { name: 'soak-worker', entry: 'src/harness/soakWorker.ts', dirs: ['src', 'model'] };
if ((await loadBundled(packageRoot, worker)) === undefined) {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./soakWorker.ts');
}
