/**
 * One implementation process speaking the controller protocol over stdio: spawn, handshake,
 * request/reply with a per-request timeout, strict framing and schema checks, and a shutdown that
 * leaves no process behind. Started once per campaign; each case begins with a `reset`.
 *
 * Every failure becomes one AdapterError whose message is a single line naming the problem and
 * the request dsconform was waiting on, so the CLI can print it as is.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { AdapterError } from './adapterError.js';
import {
  type Capabilities,
  describeIssue,
  PROTOCOL_VERSION,
  Reply,
  type Reply as ReplyMessage,
  type Request,
} from './messages.js';
import { trackProcessGroup, untrackProcessGroup } from './processGroups.js';

export interface ControllerProcessOptions {
  /** Milliseconds to wait for each reply. */
  stepTimeoutMs?: number;
  /**
   * Milliseconds to wait for the reply to `init`: interpreters and JVMs take longer to start than
   * to answer a step. Default: the step timeout, but at least 10 s.
   */
  startTimeoutMs?: number;
  /** Longest accepted stdout line, in bytes (a runaway writer is stopped, not buffered forever). */
  maxLineBytes?: number;
  cwd?: string;
  /** Receives the implementation's stderr (its log). */
  onLog?: (chunk: string) => void;
}

type Pending = {
  id: number;
  type: string;
  resolve: (reply: ReplyMessage) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
};

const DEFAULT_TIMEOUT_MS = 10_000;
const MIN_START_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_LINE = 8 * 1024 * 1024;
/** After the process exits, how long to wait for the rest of its stdout before reporting the exit. */
const EXIT_DRAIN_MS = 200;

export class ControllerProcess {
  readonly command: string;
  implementation: { name: string; version?: string | undefined } = { name: 'unknown' };
  capabilities: Capabilities = { surge: true, rollingUpdate: true, revisions: true, taints: true, relist: false };
  readonly #child: ChildProcess;
  readonly #options: Required<Omit<ControllerProcessOptions, 'cwd' | 'onLog' | 'startTimeoutMs'>> &
    ControllerProcessOptions;
  /** The unfinished stdout line, in pieces (joined once a newline arrives), and its size in bytes. */
  #partial: string[] = [];
  #partialBytes = 0;
  #nextId = 1;
  #pending: Pending | undefined;
  /** The request most recently sent, for messages about what the process did after it. */
  #lastSent: { id: number; type: string } | undefined;
  #failure: AdapterError | undefined;
  #stderrTail = '';
  #exited = false;
  #exitPromise: Promise<void>;

  private constructor(command: string, options: ControllerProcessOptions) {
    this.command = command;
    this.#options = { stepTimeoutMs: DEFAULT_TIMEOUT_MS, maxLineBytes: DEFAULT_MAX_LINE, ...options };
    // Own process group, so that close() can take down whatever the command started.
    this.#child = spawn(command, {
      shell: true,
      detached: true,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.cwd ? { cwd: options.cwd } : {}),
    });
    // Known process-wide, so that an interrupted run ends the group even if close() never runs.
    if (this.#child.pid !== undefined) trackProcessGroup(this.#child.pid);
    this.#exitPromise = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exited = true;
        // A last reply or a last bad line may still be in the pipe: read it before reporting
        // the exit, so that the message names the first thing that went wrong.
        const stdout = this.#child.stdout;
        const drained =
          stdout === null || stdout.readableEnded
            ? Promise.resolve()
            : new Promise<void>((done) => stdout.once('end', done).once('close', done));
        void Promise.race([drained, delay(EXIT_DRAIN_MS)]).then(() => {
          this.#fail(new AdapterError('exited', this.#exitMessage(code, signal)));
          resolve();
        });
      });
    });
    this.#child.once('error', (e) => this.#fail(new AdapterError('spawn', `cannot start "${command}": ${e.message}`)));
    this.#child.stdin?.on('error', () => {}); // EPIPE after a crash: reported through 'exit'
    this.#child.stdout?.setEncoding('utf8');
    this.#child.stdout?.on('data', (chunk: string) => this.#onStdout(chunk));
    this.#child.stderr?.setEncoding('utf8');
    this.#child.stderr?.on('data', (chunk: string) => {
      this.#stderrTail = (this.#stderrTail + chunk).slice(-4096);
      this.#options.onLog?.(chunk);
    });
  }

  /** Spawns the command and performs the `init` handshake. */
  static async start(command: string, now: string, options: ControllerProcessOptions = {}): Promise<ControllerProcess> {
    if (command.trim() === '') throw new AdapterError('spawn', 'the controller command is empty');
    const proc = new ControllerProcess(command, options);
    try {
      const startTimeout =
        options.startTimeoutMs ?? Math.max(options.stepTimeoutMs ?? DEFAULT_TIMEOUT_MS, MIN_START_TIMEOUT_MS);
      const reply = await proc.request({ type: 'init', id: 0, protocol: PROTOCOL_VERSION, now }, startTimeout);
      if (reply.type !== 'init_ok')
        throw new AdapterError('schema', `expected init_ok in reply to init, got ${reply.type}`);
      if (reply.protocol !== PROTOCOL_VERSION) throw versionError(reply.protocol);
      proc.implementation = reply.implementation;
      proc.capabilities = reply.capabilities;
      return proc;
    } catch (e) {
      await proc.close();
      throw e;
    }
  }

  get failed(): AdapterError | undefined {
    return this.#failure;
  }

  /** The process id of the command's shell (its process group), while it runs. */
  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** Sends one request (its id is assigned here) and waits for the reply that names it. */
  request(message: Request, timeoutMs: number = this.#options.stepTimeoutMs): Promise<ReplyMessage> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    const withId = { ...message, id };
    this.#lastSent = { id, type: message.type };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const unfinished =
          this.#partialBytes > 0
            ? `; stdout holds ${this.#partialBytes} bytes of a line without its newline: ${snippet(this.#partial.join(''))} (every message must end with "\\n")`
            : '';
        const allowance = message.type === 'init' ? 'the start-up allowance' : 'the step timeout, --step-timeout';
        this.#fail(
          new AdapterError(
            'timeout',
            `no reply to ${message.type} #${id} within ${timeoutMs} ms (${allowance})${unfinished}`,
          ),
        );
      }, timeoutMs);
      this.#pending = { id, type: message.type, resolve, reject, timer };
      this.#child.stdin?.write(`${JSON.stringify(withId)}\n`);
    });
  }

  /** Asks politely, then ends the whole process group. Never leaves a child behind. */
  async close(): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.stdin?.write(`${JSON.stringify({ type: 'shutdown', id: this.#nextId++ })}\n`);
        this.#child.stdin?.end();
      } catch {
        // already gone
      }
      await Promise.race([this.#exitPromise, delay(300)]);
    }
    // Even after the command itself has exited, processes it started may live on in its group.
    this.#killGroup('SIGTERM');
    if (!this.#exited) await Promise.race([this.#exitPromise, delay(500)]);
    this.#killGroup('SIGKILL');
    if (!this.#exited) await Promise.race([this.#exitPromise, delay(500)]);
    if (this.#child.pid !== undefined) untrackProcessGroup(this.#child.pid);
    this.#child.stdout?.destroy();
    this.#child.stderr?.destroy();
    this.#child.stdin?.destroy();
  }

  #killGroup(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is gone
    }
  }

  /** "while dsconform waited for the reply to sync #12", or what was last asked. */
  #when(): string {
    if (this.#pending) return `while dsconform waited for the reply to ${this.#pending.type} #${this.#pending.id}`;
    if (this.#lastSent) return `after replying to ${this.#lastSent.type} #${this.#lastSent.id}`;
    return 'before dsconform sent anything';
  }

  #exitMessage(code: number | null, signal: NodeJS.Signals | null): string {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const notFound = code === 127 ? ' (command not found?)' : '';
    const when = this.#pending?.type === 'init' ? 'before answering init' : this.#when();
    const tail = this.#stderrTail.trim().split('\n').at(-1)?.trim() ?? '';
    return `implementation ${how}${notFound} ${when}${tail ? `; its last stderr line: ${snippet(tail, 200)}` : ''}`;
  }

  #onStdout(chunk: string): void {
    // After a failure the process is about to be stopped: nothing more is read or buffered.
    if (this.#failure) return;
    let start = 0;
    let at = chunk.indexOf('\n');
    while (at >= 0) {
      const piece = chunk.slice(start, at);
      const bytes = this.#partialBytes + Buffer.byteLength(piece);
      const line = this.#partial.length > 0 ? this.#partial.join('') + piece : piece;
      this.#partial = [];
      this.#partialBytes = 0;
      if (bytes > this.#options.maxLineBytes) {
        this.#fail(
          new AdapterError(
            'framing',
            `stdout line of ${bytes} bytes exceeds the ${this.#options.maxLineBytes}-byte limit ${this.#when()}`,
          ),
        );
        return;
      }
      const trimmed = line.trim();
      if (trimmed !== '') this.#onLine(trimmed);
      if (this.#failure) return;
      start = at + 1;
      at = chunk.indexOf('\n', start);
    }
    if (start < chunk.length) {
      const rest = chunk.slice(start);
      this.#partial.push(rest);
      this.#partialBytes += Buffer.byteLength(rest);
      if (this.#partialBytes > this.#options.maxLineBytes) {
        this.#fail(
          new AdapterError(
            'framing',
            `stdout line longer than the ${this.#options.maxLineBytes}-byte limit and still without a newline ${this.#when()}`,
          ),
        );
        this.#partial = [];
        this.#partialBytes = 0;
      }
    }
  }

  #onLine(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.#fail(
        new AdapterError(
          'framing',
          `stdout line is not JSON ${this.#when()}: ${snippet(line)} (stdout is for protocol messages only; log to stderr)`,
        ),
      );
      return;
    }
    const pending = this.#pending;
    // The version is checked before the shape: another version may well have another shape.
    const protocol = (parsed as { protocol?: unknown } | null)?.protocol;
    if (pending?.type === 'init' && typeof protocol === 'string' && protocol !== PROTOCOL_VERSION) {
      this.#fail(versionError(protocol));
      return;
    }
    const result = Reply.safeParse(parsed);
    if (!result.success) {
      const type = (parsed as { type?: unknown } | null)?.type;
      this.#fail(
        new AdapterError(
          'schema',
          `invalid ${typeof type === 'string' ? `"${snippet(type, 40)}" ` : ''}message ${this.#when()}: ${describeIssue(result.error)}`,
        ),
      );
      return;
    }
    const reply = result.data;
    if (pending === undefined || reply.re !== pending.id) {
      const what = `${reply.type} with "re": ${reply.re ?? '(none)'}`;
      this.#fail(
        new AdapterError(
          'schema',
          pending
            ? `reply to the wrong request: got ${what} ${this.#when()} (a reply's "re" must be its request's "id")`
            : `unexpected ${what} when no request was pending ${this.#when()}`,
        ),
      );
      return;
    }
    this.#pending = undefined;
    clearTimeout(pending.timer);
    if (reply.type === 'error') {
      pending.reject(
        new AdapterError(
          'implementation-error',
          `implementation answered ${pending.type} #${pending.id} with error ${snippet(reply.code, 40)}: ${snippet(reply.text, 300)}`,
        ),
      );
      return;
    }
    pending.resolve(reply);
  }

  #fail(error: AdapterError): void {
    if (this.#failure === undefined) this.#failure = error;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) {
      clearTimeout(pending.timer);
      pending.reject(this.#failure);
    }
  }
}

function versionError(protocol: string): AdapterError {
  return new AdapterError(
    'protocol-version',
    `implementation speaks protocol ${snippet(protocol, 40)}, dsconform speaks "${PROTOCOL_VERSION}" (docs/protocol.md)`,
  );
}

/** A short, single-line, quoted excerpt of something the implementation wrote. */
function snippet(text: string, max = 80): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
