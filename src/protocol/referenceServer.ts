/**
 * The reference controller behind the controller protocol: what `dsconform reference-controller`
 * runs. It keeps a mirror of the cluster fed by the sync messages, steps the in-process controller
 * over it, and answers with the writes the controller wanted to make. It is the conforming
 * implementation the process adapter is tested with, and (with a mutant) the faulty ones.
 */
import { createInterface } from 'node:readline';
import { CLOCK_ORIGIN_MS, parseTimestamp, VirtualClock } from '../cluster/clock.js';
import { type AnyObject, KINDS, objectKey } from '../cluster/objects.js';
import { ObjectStore } from '../cluster/store.js';
import { DaemonSetController, type DaemonSetControllerOptions } from '../controller/controller.js';
import { type DaemonSetControl, isNamespaceTerminatingRefusal } from '../controller/daemonSetControl.js';
import { PROTOCOL_VERSION, type Reply, Request, type WriteResult } from './messages.js';
import { RecordingControl } from './recordingControl.js';

/** Controller options given the server's write seam (mutants wrap it). */
export type ServerOptions = (control: DaemonSetControl) => DaemonSetControllerOptions;

export class ReferenceServer {
  readonly #options: ServerOptions;
  readonly #name: string;
  #clock = new VirtualClock();
  #mirror = new ObjectStore(this.#clock);
  #control = new RecordingControl(this.#mirror);
  #controller: DaemonSetController;

  constructor(options: ServerOptions = () => ({}), name = 'dsconform-reference') {
    this.#options = options;
    this.#name = name;
    this.#controller = this.#newController();
  }

  #newController(): DaemonSetController {
    return new DaemonSetController(this.#mirror, { control: this.#control, ...this.#options(this.#control) });
  }

  #reset(): void {
    this.#controller.stop();
    // A reset may start a new case, whose clock starts over: keeping this one would leave the
    // controller ahead of the cluster (and each case dependent on the ones before). The next
    // sync's `now` moves it forward from the origin.
    this.#clock = new VirtualClock(CLOCK_ORIGIN_MS);
    this.#mirror = new ObjectStore(this.#clock);
    this.#control = new RecordingControl(this.#mirror);
    this.#controller = this.#newController();
  }

  /**
   * The outcomes of the previous step's writes (still in the write seam until the next step
   * clears it): what syncNodes does when a call fails (the protocol reports it a step late). A refused create or delete will never be observed, so its
   * expectation is lowered (a delete of a pod already gone is no error), and the DaemonSet's sync
   * is retried with the rate limiter, as processNextWorkItem does after an error.
   */
  #applyResults(results: readonly WriteResult[]): void {
    const failed = new Set<string>();
    results.forEach((result, i) => {
      const write = this.#control.writes[i];
      const key = this.#control.owners[i];
      if (result.ok || write === undefined || key === undefined || write.op === 'recordEvent') return;
      if (write.op === 'createPod') {
        if (isNamespaceTerminatingRefusal(result.error)) return;
        if (this.#controller.rules.lowerExpectationsForFailedCreates)
          this.#controller.expectations.creationObserved(key);
      } else if (write.op === 'deletePod') {
        this.#controller.expectations.deletionObserved(key);
        if (result.error.reason === 'NotFound') return;
      }
      failed.add(key);
    });
    for (const key of failed) this.#controller.requeueRateLimited(key);
  }

  #setTime(now: string): void {
    const ms = parseTimestamp(now);
    if (ms !== undefined && ms > this.#clock.nowMs()) this.#clock.advance(ms - this.#clock.nowMs());
  }

  /** Handles one request; returns the reply, or undefined for shutdown. */
  handle(raw: unknown): Reply | undefined {
    const parsed = Request.safeParse(raw);
    if (!parsed.success) {
      const re = (raw as { id?: unknown })?.id;
      return {
        type: 'error',
        ...(typeof re === 'number' ? { re } : {}),
        code: 'bad-request',
        text: parsed.error.message,
      };
    }
    const request = parsed.data;
    switch (request.type) {
      case 'init':
        this.#setTime(request.now);
        return {
          type: 'init_ok',
          re: request.id,
          protocol: PROTOCOL_VERSION,
          implementation: { name: this.#name },
          capabilities: { surge: true, rollingUpdate: true, revisions: true, taints: true, relist: true },
        };
      case 'reset':
        this.#reset();
        return { type: 'reset_ok', re: request.id };
      case 'shutdown':
        return undefined;
      case 'sync': {
        this.#setTime(request.now);
        if (request.relist) {
          // The mirror becomes the LIST; the controller's informers then relist it themselves.
          const listed = new Set(request.events.map((e) => `${e.kind}/${objectKey(e.object.metadata ?? {})}`));
          for (const kind of KINDS) {
            for (const object of this.#mirror.list(kind)) {
              if (!listed.has(`${kind}/${objectKey(object.metadata ?? {})}`))
                this.#mirror.replicate({ type: 'DELETED', kind, object: object as unknown as AnyObject });
            }
          }
        }
        for (const event of request.events) {
          this.#mirror.replicate({ type: event.type, kind: event.kind, object: event.object as unknown as AnyObject });
        }
        if (request.relist) this.#controller.relist();
        this.#applyResults(request.results);
        this.#control.clear();
        this.#controller.step();
        const wake = this.#controller.nextDelayedMs();
        const reply: Reply = { type: 'sync_ok', re: request.id, writes: [...this.#control.writes] };
        if (wake !== undefined) reply.wakeAfterSeconds = Math.max(0, (wake - this.#clock.nowMs()) / 1000);
        return reply;
      }
    }
  }
}

/** Serves the protocol on stdin/stdout until shutdown or end of input. */
export async function serveReference(options: ServerOptions = () => ({}), name?: string): Promise<void> {
  const server = new ReferenceServer(options, name);
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === '') continue;
    let message: unknown;
    try {
      message = JSON.parse(line);
    } catch {
      process.stdout.write(`${JSON.stringify({ type: 'error', code: 'bad-json', text: 'request is not JSON' })}\n`);
      continue;
    }
    const reply = server.handle(message);
    if (reply === undefined) break;
    process.stdout.write(`${JSON.stringify(reply)}\n`);
  }
}
