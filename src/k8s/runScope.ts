/**
 * The only way the adapter writes to a cluster. It stamps the run label on everything it
 * creates, remembers what it created, and refuses any change to an object that is not its own:
 * a node must carry this run's label and be one the run created (same uid); a namespaced object
 * must live in a namespace the run created and carry the run label. Node writes are conditional
 * (uid or resourceVersion preconditions), so a node replaced in between is never touched.
 *
 * Cleanup works from the labels, not from memory, so that it also finds what a case left behind.
 */
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod } from 'kubernetes-types/core/v1.js';
import { finalizersWithoutHold, isHeld } from '../harness/translate.js';
import { isKubeError, type KubeApi, type Propagation } from './kubeApi.js';
import { CASE_LABEL, type CaseNames, isRunNamespace, RUN_LABEL } from './names.js';

/** An operation the adapter refused because the object is not the run's own. */
export class UnsafeOperation extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeOperation';
  }
}

export interface CleanupReport {
  namespaces: string[];
  nodes: string[];
  /** Deletions that failed, one line each. */
  failures: string[];
}

/** Read-modify-write attempts before a conflict is reported (a busy controller rewrites status often). */
const CONFLICT_RETRIES = 10;

export class RunScope {
  readonly api: KubeApi;
  readonly runId: string;
  /** name → uid of what this process created. */
  readonly #nodes = new Map<string, string>();
  readonly #namespaces = new Map<string, string>();
  /** Creates under way: cleanup waits for them, or what they create would be missed. */
  readonly #inflight = new Set<Promise<unknown>>();
  /** Set when the run is being cleaned up (Ctrl-C may come mid-case): nothing more is created. */
  #closing = false;
  /** No default ServiceAccount appeared in a namespace of this run: do not wait for one again. */
  #noServiceAccounts = false;

  constructor(api: KubeApi, runId: string) {
    this.api = api;
    this.runId = runId;
  }

  // --- namespaces --------------------------------------------------------------------------------

  /**
   * Creates the case's namespace and waits (up to `timeoutMs`) for its default ServiceAccount,
   * which the ServiceAccount admission plugin wants before it admits a pod. A cluster where it
   * never appears (no such controller) is not waited for again.
   */
  async createNamespace(names: CaseNames, timeoutMs = 5000): Promise<void> {
    if (!isRunNamespace(this.runId, names.namespace))
      throw new UnsafeOperation(`namespace ${names.namespace} is not named for run ${this.runId}`);
    const created = await this.#creating(`namespace ${names.namespace}`, () =>
      this.api.createNamespace({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: names.namespace, labels: { [RUN_LABEL]: this.runId, [CASE_LABEL]: names.caseId } },
      }),
    );
    this.#namespaces.set(names.namespace, created.metadata?.uid ?? '');
    if (this.#noServiceAccounts) return;
    const deadline = Date.now() + timeoutMs;
    while (!(await this.api.hasDefaultServiceAccount(names.namespace))) {
      if (Date.now() > deadline) {
        this.#noServiceAccounts = true;
        return;
      }
      await sleep(100);
    }
  }

  #ownNamespace(namespace: string): void {
    if (!this.#namespaces.has(namespace) || !isRunNamespace(this.runId, namespace))
      throw new UnsafeOperation(`namespace ${namespace} was not created by run ${this.runId}`);
  }

  #ownObject(what: string, labels: Record<string, string> | undefined): void {
    if (labels?.[RUN_LABEL] !== this.runId)
      throw new UnsafeOperation(`${what} does not carry ${RUN_LABEL}=${this.runId}`);
  }

  // --- nodes ---------------------------------------------------------------------------------------

  async createNode(node: Node): Promise<Node> {
    this.#ownObject(`node ${node.metadata?.name}`, node.metadata?.labels);
    const created = await this.#creating(`node ${node.metadata?.name}`, () => this.api.createNode(node));
    this.#nodes.set(created.metadata?.name ?? '', created.metadata?.uid ?? '');
    return created;
  }

  /** The node, if it exists and is the run's own; throws UnsafeOperation if it exists and is not. */
  async #ownNode(name: string): Promise<Node | undefined> {
    let node: Node;
    try {
      node = await this.api.readNode(name);
    } catch (e) {
      if (isKubeError(e, 404)) return undefined;
      throw e;
    }
    this.#ownObject(`node ${name}`, node.metadata?.labels);
    const uid = this.#nodes.get(name);
    if (uid === undefined || uid !== node.metadata?.uid)
      throw new UnsafeOperation(`node ${name} (uid ${node.metadata?.uid}) is not one run ${this.runId} created`);
    return node;
  }

  /**
   * Read, check, merge-patch with the read's resourceVersion as a precondition; on a conflict
   * (kwok's heartbeats, the node-lifecycle controller) read and check again. `change` returns the
   * patch for the node as read, or undefined for nothing to do. Returns false if there is no such node.
   */
  async patchNode(name: string, change: (node: Node) => object | undefined): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const node = await this.#ownNode(name);
      if (node === undefined) return false;
      const patch = change(node);
      if (patch === undefined) return true;
      const guarded = {
        ...patch,
        metadata: {
          ...((patch as { metadata?: object }).metadata ?? {}),
          resourceVersion: node.metadata?.resourceVersion,
        },
      };
      try {
        await this.api.mergePatchNode(name, guarded);
        return true;
      } catch (e) {
        if (!isKubeError(e, 409) || attempt >= CONFLICT_RETRIES) throw e;
        await sleep(20 * attempt);
      }
    }
  }

  /** Deletes the node if it is the run's own; false if there is no such node. */
  async deleteNode(name: string): Promise<boolean> {
    const node = await this.#ownNode(name);
    if (node === undefined) return false;
    try {
      await this.api.deleteNode(name, node.metadata?.uid ?? '');
    } catch (e) {
      if (isKubeError(e, 404)) return false;
      throw e;
    }
    this.#nodes.delete(name);
    return true;
  }

  // --- objects in the run's namespaces --------------------------------------------------------------

  async createDaemonSet(namespace: string, ds: DaemonSet): Promise<DaemonSet> {
    this.#ownNamespace(namespace);
    this.#ownObject(`daemonset ${namespace}/${ds.metadata?.name}`, ds.metadata?.labels);
    return this.#creating(`daemonset ${namespace}/${ds.metadata?.name}`, () => this.api.createDaemonSet(namespace, ds));
  }

  /** Read-modify-write with the read's resourceVersion; undefined when there is no such DaemonSet. */
  async updateDaemonSet(
    namespace: string,
    name: string,
    mutate: (ds: DaemonSet) => void,
  ): Promise<DaemonSet | undefined> {
    this.#ownNamespace(namespace);
    for (let attempt = 1; ; attempt++) {
      let ds: DaemonSet;
      try {
        ds = await this.api.readDaemonSet(namespace, name);
      } catch (e) {
        if (isKubeError(e, 404)) return undefined;
        throw e;
      }
      this.#ownObject(`daemonset ${namespace}/${name}`, ds.metadata?.labels);
      mutate(ds);
      try {
        return await this.api.replaceDaemonSet(namespace, ds);
      } catch (e) {
        if (!isKubeError(e, 409) || attempt >= CONFLICT_RETRIES) throw e;
        await sleep(20 * attempt);
      }
    }
  }

  /** Sets annotations with a merge patch (nothing else can be lost); false when there is no such DaemonSet. */
  async annotateDaemonSet(namespace: string, name: string, annotations: Record<string, string>): Promise<boolean> {
    this.#ownNamespace(namespace);
    let ds: DaemonSet;
    try {
      ds = await this.api.readDaemonSet(namespace, name);
    } catch (e) {
      if (isKubeError(e, 404)) return false;
      throw e;
    }
    this.#ownObject(`daemonset ${namespace}/${name}`, ds.metadata?.labels);
    try {
      await this.api.mergePatchDaemonSet(namespace, name, { metadata: { uid: ds.metadata?.uid, annotations } });
    } catch (e) {
      if (isKubeError(e, 404)) return false;
      throw e;
    }
    return true;
  }

  async deleteDaemonSet(namespace: string, ds: DaemonSet, policy: Propagation): Promise<void> {
    this.#ownNamespace(namespace);
    this.#ownObject(`daemonset ${namespace}/${ds.metadata?.name}`, ds.metadata?.labels);
    await this.api.deleteDaemonSet(namespace, ds.metadata?.name ?? '', policy);
  }

  async createPod(namespace: string, pod: Pod): Promise<Pod> {
    this.#ownNamespace(namespace);
    this.#ownObject(`pod in ${namespace}`, pod.metadata?.labels);
    return this.#creating(`pod in ${namespace}`, () => this.api.createPod(namespace, pod));
  }

  /**
   * A merge patch of a pod as read (its resourceVersion is the precondition: a pod changed since
   * is refused with 409, which the case reports as not applied).
   */
  async patchPod(namespace: string, pod: Pod, patch: { metadata?: object }): Promise<void> {
    this.#ownNamespace(namespace);
    this.#ownObject(`pod ${namespace}/${pod.metadata?.name}`, pod.metadata?.labels);
    await this.api.mergePatchPod(namespace, pod.metadata?.name ?? '', {
      ...patch,
      metadata: { ...(patch.metadata ?? {}), resourceVersion: pod.metadata?.resourceVersion },
    });
  }

  /** Pods of the run's DaemonSets carry the run label through the pod template. */
  async deletePod(namespace: string, pod: Pod): Promise<void> {
    this.#ownNamespace(namespace);
    this.#ownObject(`pod ${namespace}/${pod.metadata?.name}`, pod.metadata?.labels);
    await this.api.deletePod(namespace, pod.metadata?.name ?? '', pod.metadata?.uid ?? '');
  }

  // --- cleanup -----------------------------------------------------------------------------------------

  /** Deletes one case's namespace (and so everything in it) and nodes. */
  async cleanupCase(names: CaseNames): Promise<CleanupReport> {
    return this.#cleanup(`${RUN_LABEL}=${this.runId},${CASE_LABEL}=${names.caseId}`);
  }

  /** Deletes every namespace and node of the run that still exists; nothing is created after it starts. */
  async cleanupRun(): Promise<CleanupReport> {
    this.#closing = true;
    await Promise.allSettled([...this.#inflight]);
    return this.#cleanup(`${RUN_LABEL}=${this.runId}`);
  }

  async #creating<T>(what: string, create: () => Promise<T>): Promise<T> {
    if (this.#closing) throw new UnsafeOperation(`not creating ${what}: run ${this.runId} is being cleaned up`);
    const pending = create();
    this.#inflight.add(pending);
    try {
      return await pending;
    } finally {
      this.#inflight.delete(pending);
    }
  }

  async #cleanup(selector: string): Promise<CleanupReport> {
    const report: CleanupReport = { namespaces: [], nodes: [], failures: [] };
    const attempt = async (what: string, action: () => Promise<void>) => {
      try {
        await action();
      } catch (e) {
        if (!isKubeError(e, 404)) report.failures.push(`${what}: ${e instanceof Error ? e.message : String(e)}`);
      }
    };
    await attempt('list namespaces', async () => {
      for (const ns of await this.api.listNamespaces(selector)) {
        const name = ns.metadata?.name ?? '';
        // Both the label and the name must say it is the run's: a mislabelled namespace is left alone.
        if (!isRunNamespace(this.runId, name) || ns.metadata?.labels?.[RUN_LABEL] !== this.runId) continue;
        if (ns.metadata?.deletionTimestamp != null) continue;
        // A pod the case held (POD_FINALIZER_ADDED) would keep its namespace Terminating for ever.
        await attempt(`release held pods in ${name}`, async () => {
          for (const pod of await this.api.listPods(name)) {
            if (!isHeld(pod)) continue;
            await this.api.mergePatchPod(name, pod.metadata?.name ?? '', {
              metadata: { finalizers: finalizersWithoutHold(pod) ?? null },
            });
          }
        });
        await attempt(`delete namespace ${name}`, async () => {
          await this.api.deleteNamespace(name, ns.metadata?.uid ?? '');
          report.namespaces.push(name);
          this.#namespaces.delete(name);
        });
      }
    });
    await attempt('list nodes', async () => {
      for (const node of await this.api.listNodes(selector)) {
        const name = node.metadata?.name ?? '';
        if (node.metadata?.labels?.[RUN_LABEL] !== this.runId || !isRunNamespace(this.runId, name)) continue;
        await attempt(`delete node ${name}`, async () => {
          await this.api.deleteNode(name, node.metadata?.uid ?? '');
          report.nodes.push(name);
          this.#nodes.delete(name);
        });
      }
    });
    return report;
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
