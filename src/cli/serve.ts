/**
 * `dsconform serve`: the simulated cluster as a Kubernetes API on 127.0.0.1, so kubectl, client
 * libraries and unmodified controllers can talk to it. The reference DaemonSet controller runs
 * inside unless `--no-controller` (bring your own, configured by the kubeconfig written here).
 */
import { resolve } from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import { VirtualClock } from '../cluster/clock.js';
import { SimulatedCluster } from '../cluster/cluster.js';
import { DaemonSetController } from '../controller/controller.js';
import { generatedCluster, loadClusterDescription } from '../manifests/clusterDescription.js';
import { displayPath } from '../manifests/inputError.js';
import { ApiServer } from '../serve/apiServer.js';
import { ClockDriver } from '../serve/clockDriver.js';
import { writeKubeconfig } from '../serve/kubeconfig.js';
import { ServedCluster } from '../serve/servedCluster.js';
import { WireDecoder } from '../serve/wireDecoder.js';
import { onInterrupt } from './lifecycle.js';
import type { RegisterCommand } from './main.js';
import { addNodes, DEFAULT_NODE_COUNT } from './simulate.js';

export const DEFAULT_KUBECONFIG = 'reports/serve/kubeconfig';

function portNumber(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 65535) throw new InvalidArgumentError('expected a port number from 0 to 65535');
  return n;
}

function nodeCount(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n > 5000)
    throw new InvalidArgumentError('expected a whole number of nodes from 0 to 5000');
  return n;
}

export interface ServeOptions {
  cluster?: string;
  nodes?: number;
  port: number;
  kubeconfig: string;
  controller: boolean;
  verbose?: boolean;
}

export interface RunningServe {
  url: string;
  served: ServedCluster;
  close(): Promise<void>;
}

/** Builds the cluster, starts the API and the real-time driver, writes the kubeconfig. */
export async function startServe(options: ServeOptions, log?: (line: string) => void): Promise<RunningServe> {
  const description =
    options.cluster !== undefined
      ? loadClusterDescription(options.cluster)
      : generatedCluster(options.nodes ?? DEFAULT_NODE_COUNT);
  // The clock starts at the wall clock's second, so ages and timestamps read as real ones.
  const cluster = new SimulatedCluster({ clock: new VirtualClock(Math.floor(Date.now() / 1000) * 1000) });
  addNodes(cluster, description);
  if (options.controller) cluster.addController(new DaemonSetController(cluster.store));
  const served = new ServedCluster(cluster);
  const driver = new ClockDriver(served);
  const wireDecoder = new WireDecoder(log);
  const server = new ApiServer(served, {
    wireDecoder,
    onWrite: () => driver.afterWrite(),
    ...(options.verbose && log ? { log } : {}),
  });
  let url: string;
  try {
    url = await server.listen(options.port);
  } catch (e) {
    const code = (e as { code?: string }).code;
    const why = code === 'EADDRINUSE' ? 'the port is in use' : code === 'EACCES' ? 'permission denied' : String(e);
    throw new InvalidArgumentError(`--port ${options.port}: cannot listen on 127.0.0.1:${options.port}: ${why}`);
  }
  // Built (or found in the cache) in the background: the first protobuf write waits only if needed.
  void wireDecoder
    .prepare()
    .catch((e: unknown) =>
      log?.(`dsconform serve: protobuf bodies will be refused: ${e instanceof Error ? e.message : String(e)}`),
    );
  try {
    writeKubeconfig(options.kubeconfig, url);
  } catch (e) {
    await server.close();
    await wireDecoder.close();
    const why = (e as { code?: string }).code ?? String(e);
    throw new InvalidArgumentError(
      `--kubeconfig ${displayPath(options.kubeconfig)}: cannot write the kubeconfig (${why})`,
    );
  }
  driver.start();
  return {
    url,
    served,
    close: async () => {
      driver.stop();
      await server.close();
      await wireDecoder.close();
    },
  };
}

export const registerServe: RegisterCommand = (program, { io }) => {
  program
    .command('serve')
    .description(
      'serve the simulated cluster as a Kubernetes API on 127.0.0.1 (for kubectl and unmodified controllers)',
    )
    .option('--cluster <file>', 'cluster description (YAML or JSON): nodes with labels, taints, conditions')
    .addOption(
      new Option('--nodes <n>', `serve n ready nodes node-0 … node-(n-1) (default: ${DEFAULT_NODE_COUNT})`)
        .argParser(nodeCount)
        .conflicts('cluster'),
    )
    .addOption(new Option('--port <n>', 'port on 127.0.0.1 (0: any free port)').argParser(portNumber).default(0))
    .option('--kubeconfig <file>', 'where to write the kubeconfig that points at the server', DEFAULT_KUBECONFIG)
    .option('--no-controller', 'do not run the reference DaemonSet controller inside (bring your own)')
    .option('--verbose', 'print every request on stderr')
    .addHelpText(
      'after',
      `
Examples:
  dsconform serve --cluster examples/clusters/small.yaml
  kubectl --kubeconfig ${DEFAULT_KUBECONFIG} get nodes
  kubectl --kubeconfig ${DEFAULT_KUBECONFIG} apply -f ../shared/examples/kube-flannel-ds.yaml

Runs until interrupted (Ctrl-C). See docs/serve.md for what is served.`,
    )
    .action(async (options: Omit<ServeOptions, 'kubeconfig'> & { kubeconfig: string }) => {
      const kubeconfig = resolve(options.kubeconfig);
      const running = await startServe({ ...options, kubeconfig }, (line) => io.stderr(`${line}\n`));
      const nodes = running.served.cluster.nodes().length;
      const shown = displayPath(kubeconfig);
      io.stdout(
        [
          `dsconform serve: ${nodes} node${nodes === 1 ? '' : 's'} at ${running.url}` +
            (options.controller
              ? ', the reference DaemonSet controller running inside'
              : ', no DaemonSet controller inside'),
          `kubeconfig: ${shown}`,
          '',
          `  kubectl --kubeconfig ${shown} get nodes`,
          `  export KUBECONFIG=${kubeconfig}`,
          '',
          'Ctrl-C stops it.',
          '',
        ].join('\n'),
      );
      await new Promise<void>((done) => {
        onInterrupt(async () => {
          await running.close();
          done();
        }, 'the served cluster');
      });
    });
};
