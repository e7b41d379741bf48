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
 * What this mode promises and does not is in docs/serve.md: quiescence is timing-based. A
 * controller that reads dsconform's clock ($DSCONFORM_CLOCK_FILE; `virtualClock`) gets time that
 * moves only between steps, and the campaign also draws the kubelet's, the nodes' and the clock's
 * events; one that reads the wall clock gets the real-cluster profile's events.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { VirtualClock } from '../cluster/clock.js';
import { SimulatedCluster } from '../cluster/cluster.js';
import type { Implementation } from '../harness/implementation.js';
import type { SystemUnderTest } from '../harness/systemUnderTest.js';
import { clusterImplementation } from '../k8s/clusterImplementation.js';
import type { KubeSystem, KubeSystemTiming } from '../k8s/kubeSystem.js';
import { OWNED_CLUSTER_EVENTS } from '../k8s/ownedCluster.js';
import { AdapterError } from '../protocol/adapterError.js';
import { trackProcessGroup, untrackProcessGroup } from '../protocol/processGroups.js';
import { ApiServer } from './apiServer.js';
import { ClockDriver } from './clockDriver.js';
import { writeKubeconfig } from './kubeconfig.js';
import { ownedServedCluster } from './ownedServedCluster.js';
import { ServedCluster } from './servedCluster.js';
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
  /**
   * The controller reads the time from the file $DSCONFORM_CLOCK_FILE names (ms since the epoch)
   * instead of the wall clock: the cluster's clock then moves only between steps, and the
   * kubelet's, the nodes' and the clock's events are drawn too.
   */
  virtualClock?: boolean;
  /** Where the controller's stdout and stderr go (a file); a temporary one otherwise. */
  logFile?: string;
  log?: (line: string) => void;
}

function tail(file: string, lines = 5): string {
  try {
    const text = readFileSync(file, 'utf8').trim();
    if (text === '') return '(nothing)';
    // Go's log lines can be kilobytes (an object dumped in an error): keep the ends short.
    const last = text
      .split('\n')
      .slice(-lines)
      .map((line) => (line.length > 200 ? `${line.slice(0, 200)}…` : line));
    return last.join(' | ');
  } catch {
    return '(no log)';
  }
}

/**
 * The case's system, refusing to go on once the controller has died: a controller that crashes is
 * an implementation that could not be checked (exit 2, its log's last lines), not a violation.
 */
function whileAlive(system: KubeSystem, alive: () => void): SystemUnderTest {
  const checked: SystemUnderTest = {
    observe: () => system.observe(),
    apply: async (event) => {
      alive();
      const outcome = await system.apply(event);
      alive();
      return outcome;
    },
    quiesce: async (options) => {
      alive();
      const settled = await system.quiesce(options);
      alive();
      return settled;
    },
    dispose: () => system.dispose(),
    controllerMayLag: system.controllerMayLag,
    get onControllerStep() {
      return system.onControllerStep;
    },
    set onControllerStep(hook) {
      system.onControllerStep = hook;
    },
  };
  return checked;
}

/** The controller's process: started with KUBECONFIG set, in its own process group, until it watches DaemonSets. */
class ControllerCommand {
  readonly #program: string;
  readonly #args: readonly string[];
  readonly logFile: string;
  readonly #api: ApiServer;
  #child: ChildProcess | undefined;
  /** Why the current process ended, once it has. */
  exited: string | undefined;

  readonly #env: Readonly<Record<string, string>>;

  constructor(
    command: readonly [string, ...string[]],
    env: Readonly<Record<string, string>>,
    logFile: string,
    api: ApiServer,
  ) {
    [this.#program, ...this.#args] = command;
    this.#env = env;
    this.logFile = logFile;
    this.#api = api;
  }

  async start(): Promise<void> {
    const out = openSync(this.logFile, 'a');
    // Only dsconform says whose clock the controller reads: not one inherited from this process.
    const { DSCONFORM_CLOCK_FILE: _inherited, ...inherited } = process.env;
    const child = spawn(this.#program, [...this.#args], {
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...inherited, ...this.#env },
    });
    closeSync(out);
    this.#child = child;
    this.exited = undefined;
    if (child.pid !== undefined) trackProcessGroup(child.pid);
    child.once('exit', (code, signal) => {
      if (this.#child === child) this.exited = signal ?? `exit code ${code}`;
    });
    child.once('error', (e) => {
      if (this.#child === child) this.exited = e.message;
    });
    const started = Date.now();
    while (this.#api.openWatches('apps/daemonsets') === 0) {
      if (this.exited !== undefined) {
        throw new AdapterError(
          'spawn',
          `the controller exited (${this.exited}) before it watched DaemonSets; its log: ${tail(this.logFile)}`,
        );
      }
      if (Date.now() - started > START_TIMEOUT_MS) {
        throw new AdapterError(
          'spawn',
          `the controller did not watch DaemonSets within ${START_TIMEOUT_MS / 1000} s of starting; its log: ${tail(this.logFile)}`,
        );
      }
      await delay(20);
    }
  }

  /** SIGTERM to the group, SIGKILL 1.5 s later if it is still there; then its watches are gone. */
  async stop(): Promise<void> {
    const child = this.#child;
    if (child?.pid === undefined) return;
    if (this.exited === undefined) {
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      for (let i = 0; i < 30 && this.exited === undefined; i++) await delay(50);
      if (this.exited === undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    untrackProcessGroup(child.pid);
    for (let i = 0; i < 100 && this.#api.openWatches('apps/daemonsets') > 0; i++) await delay(20);
    this.#child = undefined;
  }

  /** CONTROLLER_RESTARTED: a new process, with nothing of the old one's memory. */
  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }
}

export async function servedControllerImplementation(
  command: readonly string[],
  options: ServedControllerOptions = {},
): Promise<Implementation<SystemUnderTest>> {
  const [program, ...args] = command;
  if (program === undefined) throw new AdapterError('spawn', '--serve needs the controller command after --');
  const folder = mkdtempSync(join(tmpdir(), 'dsconform-served-'));
  const kubeconfig = join(folder, 'kubeconfig');
  // The harness's own client has a kubeconfig of its own: its requests are told apart by its token.
  const harnessKubeconfig = join(folder, 'harness-kubeconfig');
  const harnessToken = `dsconform-harness-${process.pid}`;
  const logFile = options.logFile ?? process.env.DSCONFORM_SERVED_LOG ?? join(folder, 'controller.log');
  const virtualClock = options.virtualClock === true;
  const clockFile = join(folder, 'clock');
  const cluster = new SimulatedCluster({
    clock: new VirtualClock(Math.floor(Date.now() / 1000) * 1000),
    // With dsconform's clock, readiness is an event (and quiescence's probes), as in every campaign.
    ...(virtualClock ? { kubelet: { readiness: 'events' as const } } : {}),
  });
  const served = new ServedCluster(cluster);
  const driver = new ClockDriver(
    served,
    virtualClock ? { follow: 'steps', clockFile } : { follow: 'wall', tickMs: 100 },
  );
  const wireDecoder = new WireDecoder(options.log);
  const api = new ApiServer(served, { wireDecoder, harnessToken, onWrite: () => driver.afterWrite() });
  const env = { KUBECONFIG: kubeconfig, ...(virtualClock ? { DSCONFORM_CLOCK_FILE: clockFile } : {}) };
  const controller = new ControllerCommand([program, ...args], env, logFile, api);
  const stop = async (): Promise<void> => {
    await controller.stop();
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
    await controller.start();
    const clockLine = virtualClock ? `; its clock: ${clockFile}` : '';
    options.log?.(`served: ${command.join(' ')} is watching ${url} (log: ${logFile}${clockLine})`);
  } catch (e) {
    await stop();
    throw e;
  }
  const implementation = await clusterImplementation({
    kubeconfig: harnessKubeconfig,
    allowAnyCluster: true,
    timing: {
      ...SERVED_TIMING,
      ...(options.timing ?? {}),
      controllerActivity: () => api.controllerActivity(),
      restartController: () => controller.restart(),
      ...(virtualClock ? { ownedCluster: ownedServedCluster(served, driver) } : {}),
    },
    ...(options.log ? { log: options.log } : {}),
  }).catch(async (e: unknown) => {
    await stop();
    throw e;
  });
  return {
    ...implementation,
    name: `served ${[basename(program), ...args].join(' ')}`,
    // On dsconform's clock, the campaign also draws what the cluster applies through its OwnedCluster seam.
    alsoSupports: ['CONTROLLER_RESTARTED', ...(virtualClock ? OWNED_CLUSTER_EVENTS : [])],
    makeSystem: async () => {
      const alive = (): void => {
        if (controller.exited !== undefined) {
          throw new AdapterError(
            'implementation-error',
            `the controller exited (${controller.exited}); its log: ${tail(logFile)}`,
          );
        }
      };
      alive();
      return whileAlive(await implementation.makeSystem(), alive);
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
