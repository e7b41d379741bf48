/**
 * How the `dsconform` process ends when it is told to stop from outside: Ctrl-C (SIGINT), a
 * SIGTERM from CI or a supervisor, or a reader that closed stdout (`dsconform check | head`).
 *
 * Every path ends the same way: one line on stderr (none for a closed stdout), the commands'
 * clean-ups (a real cluster's objects, a controller's polite shutdown) given a short while, then
 * every process group started for an implementation killed (src/protocol/processGroups.ts: the
 * main thread's and the worker threads'), and the exit code of a process ended by that signal:
 *
 *   SIGINT 130, SIGTERM 143, closed stdout (EPIPE) 141 (= 128 + SIGPIPE, what `yes | head` gives).
 *
 * A second signal while cleaning up skips the clean-ups. Installed only by the real command
 * (main() with the process's own output); in-process callers (tests) keep their own handlers.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { signalProcessGroups } from '../protocol/processGroups.js';

export const SIGNAL_EXIT = { SIGINT: 130, SIGTERM: 143, EPIPE: 141 } as const;

/** How long clean-ups may take before the process groups are killed anyway. */
const CLEANUP_MS = 3_000;
/** Between SIGTERM and SIGKILL to the implementations' process groups. */
const TERM_GRACE_MS = 300;

type Cleanup = () => Promise<void> | void;
/** Clean-ups, with what they stop (named in the interrupt line). */
const cleanups = new Map<Cleanup, string | undefined>();
let installed = false;
let stopping = false;

/** Marks what runs inside a clean-up (its log lines are still shown). */
const inCleanup = new AsyncLocalStorage<true>();

/**
 * Whether output should be dropped: once the process is being stopped, what a command still
 * prints on its way down (a run cut short by the implementation being killed) would bury the
 * interrupt line; only the clean-ups' own lines ("deleted 3 namespaces") still show.
 */
export function outputIsDropped(): boolean {
  return stopping && inCleanup.getStore() === undefined;
}

/**
 * Registers a clean-up to run if the process is interrupted (`what` it stops is named in the
 * interrupt line); returns the function that removes it.
 */
export function onInterrupt(cleanup: Cleanup, what?: string): () => void {
  cleanups.set(cleanup, what);
  return () => {
    cleanups.delete(cleanup);
  };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** The line printed for a signal: what is being stopped. */
function interruptLine(signal: NodeJS.Signals): string {
  const what = [...cleanups.values()].filter((w): w is string => w !== undefined);
  return `\ndsconform: interrupted (${signal})${what.length > 0 ? `; stopping ${what.join(', ')}` : ''}\n`;
}

/** Ends the process: clean-ups (bounded), then every implementation's process group, then exit. */
export async function stopProcess(code: number, line: string | undefined): Promise<void> {
  if (stopping) {
    // Asked twice: no more waiting.
    signalProcessGroups('SIGKILL');
    process.exit(code);
  }
  stopping = true;
  // The command may finish on its own meanwhile (its implementation is gone): the process must
  // not end before this does, with the command's exit code instead of the signal's.
  process.exitCode = code;
  setInterval(() => {}, 1_000);
  if (line !== undefined) {
    try {
      process.stderr.write(line);
    } catch {
      // stderr is gone too
    }
  }
  const pending = [...cleanups.keys()].map(async (cleanup) => {
    try {
      await inCleanup.run(true, cleanup);
    } catch {
      // a clean-up that fails must not keep the process alive
    }
  });
  await Promise.race([Promise.all(pending), delay(CLEANUP_MS)]);
  if (signalProcessGroups('SIGTERM') > 0) {
    await delay(TERM_GRACE_MS);
    signalProcessGroups('SIGKILL');
  }
  process.exit(code);
}

function isBrokenPipe(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}

/** Installs the signal, closed-stdout and exit handlers of the real command (once). */
export function installProcessHandlers(): void {
  if (installed) return;
  installed = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    let received = 0;
    process.on(signal, () => {
      received++;
      // A command with its own handler for the signal (a graceful stop that still writes its
      // report) goes first; a second signal ends the process regardless.
      if (received === 1 && process.listenerCount(signal) > 1) return;
      void stopProcess(SIGNAL_EXIT[signal], interruptLine(signal));
    });
  }
  // A reader that stops reading is not a failure of what was checked: end quietly.
  process.stdout.on('error', (error) => {
    if (isBrokenPipe(error)) void stopProcess(SIGNAL_EXIT.EPIPE, undefined);
    else void stopProcess(2, `dsconform: cannot write to stdout: ${(error as Error).message}\n`);
  });
  process.stderr.on('error', () => {
    // Nowhere left to say anything; stdout or the exit code still tell.
  });
  // Whatever way the process exits, no implementation's process group outlives it.
  process.on('exit', () => {
    signalProcessGroups('SIGKILL');
  });
}
