/**
 * `dsconform check --serve -- <command>`: an unmodified controller (a client-go program, a
 * controller-runtime manager, anything configured by a kubeconfig) reconciles a cluster dsconform
 * serves, and the campaign checks it. dsconform starts `dsconform serve`'s API in process, with no
 * DaemonSet controller inside, writes a kubeconfig, starts the command with KUBECONFIG set (in its
 * own process group, its output in a log file), waits for it to watch DaemonSets, and then runs
 * the real-cluster campaign (src/k8s: each case its own namespace and nodes, every change polled,
 * a step over once nothing changed, and the controller has had nothing in flight and written
 * nothing, for `stableForMs`) against the served API.
 *
 * What this mode promises and does not is in docs/serve.md: quiescence is timing-based, and the
 * controller's clock is the wall clock, so the campaign draws the real-cluster profile's events.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { VirtualClock } from '../cluster/clock.js';
import { SimulatedCluster } from '../cluster/cluster.js';
import type { Implementation } from '../harness/implementation.js';
import { clusterImplementation } from '../k8s/clusterImplementation.js';
import type { KubeSystem, KubeSystemTiming } from '../k8s/kubeSystem.js';
import { AdapterError } from '../protocol/adapterError.js';
import { trackProcessGroup, untrackProcessGroup } from '../protocol/processGroups.js';
import { ApiServer } from './apiServer.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ServedCluster } from './servedCluster.js';
import { WallClockDriver } from './wallClockDriver.js';
import { WireDecoder } from './wireDecoder.js';

/** The served cluster settles right after every write: a short quiet period is enough. */
export const SERVED_TIMING: KubeSystemTiming = {
  pollIntervalMs: 50,
  stableForMs: 300,
  stepWaitMs: 5_000,
  convergenceTimeoutMs: 30_000,
  now: () => Date.now(),
};

/** How long the controller may take to start watching DaemonSets. */
const START_TIMEOUT_MS = 20_000;

export interface ServedControllerOptions {
  timing?: Partial<KubeSystemTiming>;
  /** Where the controller's stdout and stderr go (a file); a temporary one otherwise. */
  logFile?: string;
  log?: (line: string) => void;
}

function tail(file: string, lines = 5): string {
  try {
    const text = readFileSync(file, 'utf8').trim();
    return text === '' ? '(nothing)' : text.split('\n').slice(-lines).join(' | ');
  } catch {
    return '(no log)';
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function servedControllerImplementation(
  command: readonly string[],
  options: ServedControllerOptions = {},
): Promise<Implementation<KubeSystem>> {
  const [program, ...args] = command;
  if (program === undefined) throw new AdapterError('spawn', '--serve needs the controller command after --');
  const folder = mkdtempSync(join(tmpdir(), 'dsconform-served-'));
  const kubeconfig = join(folder, 'kubeconfig');
  // The harness's own client has a kubeconfig of its own: its requests are told apart by its token.
  const harnessKubeconfig = join(folder, 'harness-kubeconfig');
  const harnessToken = `dsconform-harness-${process.pid}`;
  const logFile = options.logFile ?? process.env.DSCONFORM_SERVED_LOG ?? join(folder, 'controller.log');
  const cluster = new SimulatedCluster({ clock: new VirtualClock(Math.floor(Date.now() / 1000) * 1000) });
  const served = new ServedCluster(cluster);
  const driver = new WallClockDriver(served, 100);
  const wireDecoder = new WireDecoder(options.log);
  const api = new ApiServer(served, { wireDecoder, harnessToken, onWrite: () => driver.afterWrite() });
  let child: ChildProcess | undefined;
  let exited: string | undefined;
  const stop = async (): Promise<void> => {
    if (child?.pid !== undefined && exited === undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 30 && exited === undefined; i++) await delay(50);
      if (exited === undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      untrackProcessGroup(child.pid);
    }
    driver.stop();
    await api.close();
    await wireDecoder.close();
    rmSync(folder, { recursive: true, force: true });
  };
  try {
    const url = await api.listen(0);
    writeKubeconfig(kubeconfig, url);
    writeKubeconfig(harnessKubeconfig, url, harnessToken);
    driver.start();
    // Protobuf bodies need the decoder: have it ready before the controller's first write.
    await wireDecoder.prepare().catch((e: unknown) => {
      options.log?.(`served: protobuf bodies will be refused (${e instanceof Error ? e.message : String(e)})`);
    });
    const out = openSync(logFile, 'a');
    child = spawn(program, args, {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, KUBECONFIG: kubeconfig },
    });
    closeSync(out);
    if (child.pid !== undefined) trackProcessGroup(child.pid);
    child.once('exit', (code, signal) => {
      exited = signal ?? `exit code ${code}`;
    });
    child.once('error', (e) => {
      exited = e.message;
    });
    const started = Date.now();
    while (api.openWatches('apps/daemonsets') === 0) {
      if (exited !== undefined) {
        throw new AdapterError(
          'spawn',
          `the controller exited (${exited}) before it watched DaemonSets; its log: ${tail(logFile)}`,
        );
      }
      if (Date.now() - started > START_TIMEOUT_MS) {
        throw new AdapterError(
          'spawn',
          `the controller did not watch DaemonSets within ${START_TIMEOUT_MS / 1000} s of starting; its log: ${tail(logFile)}`,
        );
      }
      await delay(20);
    }
    options.log?.(`served: ${command.join(' ')} is watching ${url} (log: ${logFile})`);
  } catch (e) {
    await stop();
    throw e;
  }
  const implementation = await clusterImplementation({
    kubeconfig: harnessKubeconfig,
    allowAnyCluster: true,
    timing: { ...SERVED_TIMING, ...(options.timing ?? {}), controllerActivity: () => api.controllerActivity() },
    ...(options.log ? { log: options.log } : {}),
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return {
    ...implementation,
    name: `served ${[basename(program), ...args].join(' ')}`,
    makeSystem: async () => {
      if (exited !== undefined) {
        throw new AdapterError('implementation-error', `the controller exited (${exited}); its log: ${tail(logFile)}`);
      }
      return implementation.makeSystem();
    },
    close: async () => {
      try {
        await implementation.close();
      } finally {
        await stop();
      }
    },
  };
}
