/**
 * Every process group dsconform started for an implementation (`--controller`), in this process
 * and in its worker threads, so that an interrupted run (Ctrl-C, SIGTERM, a closed stdout) can
 * end all of them before it exits: a user's controller must never outlive the command.
 *
 * Worker threads have their own copy of this module; they tell the main thread's copy about the
 * groups they start and stop over a BroadcastChannel, so that the main thread alone can kill
 * every group, synchronously, even while the workers are busy.
 */
import { BroadcastChannel, isMainThread } from 'node:worker_threads';

type Message = { op: 'add' | 'remove'; pid: number };

const groups = new Set<number>();
let channel: BroadcastChannel | undefined;

function open(): BroadcastChannel {
  if (channel === undefined) {
    channel = new BroadcastChannel('dsconform:process-groups');
    if (isMainThread) {
      channel.onmessage = (event) => {
        const { op, pid } = (event as { data: Message }).data;
        if (op === 'add') groups.add(pid);
        else groups.delete(pid);
      };
    }
    // Never what keeps a process (or a worker) alive (after onmessage, which would ref it again).
    (channel as unknown as { unref(): void }).unref();
  }
  return channel;
}

// The main thread listens from the start: a worker may start a group before anything else here runs.
if (isMainThread) open();

/** Records a process group (the pid of a detached child) started for an implementation. */
export function trackProcessGroup(pid: number): void {
  if (isMainThread) groups.add(pid);
  else open().postMessage({ op: 'add', pid } satisfies Message);
}

/** Forgets a process group once it has been ended. */
export function untrackProcessGroup(pid: number): void {
  if (isMainThread) groups.delete(pid);
  else open().postMessage({ op: 'remove', pid } satisfies Message);
}

/** The process groups still recorded (the main thread's view: its own and its workers'). */
export function trackedProcessGroups(): number[] {
  return [...groups];
}

/** Sends `signal` to every recorded process group, synchronously. Returns how many were signalled. */
export function signalProcessGroups(signal: NodeJS.Signals): number {
  let sent = 0;
  for (const pid of groups) {
    try {
      process.kill(-pid, signal);
      sent++;
    } catch {
      groups.delete(pid); // the group is gone
    }
  }
  return sent;
}
