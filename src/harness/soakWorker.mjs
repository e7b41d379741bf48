// Worker threads start without the TypeScript loader the main thread registered: register it
// here (resolved from this file, wherever the command runs), then load the worker itself.
import { register } from 'tsx/esm/api';

register();
await import('./soakWorker.ts');
