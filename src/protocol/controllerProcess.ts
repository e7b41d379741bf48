/**
 * One implementation process speaking the controller protocol over stdio: spawn, handshake,
 * request/reply with a per-request timeout, strict framing and schema checks, and a shutdown that
 * leaves no process behind. Started once per campaign; each case begins with a `reset`.
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

export interface ControllerProcessOptions {
  /** Milliseconds to wait for each reply. */
  stepTimeoutMs?: number;
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
const DEFAULT_MAX_LINE = 8 * 1024 * 1024;

export class ControllerProcess {
  readonly command: string;
  implementation: { name: string; version?: string | undefined } = { name: 'unknown' };
  capabilities: Capabilities = { surge: true, rollingUpdate: true, revisions: true, taints: true };
  readonly #child: ChildProcess;
  readonly #options: Required<Omit<ControllerProcessOptions, 'cwd' | 'onLog'>> & ControllerProcessOptions;
  #buffer = '';
  #nextId = 1;
  #pending: Pending | undefined;
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
    this.#exitPromise = new Promise((resolve) => {
      this.#child.once('exit', (code, signal) => {
        this.#exited = true;
        const tail = this.#stderrTail.trim().split('\n').slice(-1)[0] ?? '';
        this.#fail(
          new AdapterError(
            'exited',
            `implementation exited (${signal ? `signal ${signal}` : `code ${code}`})${tail ? `; last stderr line: ${tail.slice(0, 200)}` : ''}`,
          ),
        );
        resolve();
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
    const proc = new ControllerProcess(command, options);
    try {
      const reply = await proc.request({ type: 'init', id: 0, protocol: PROTOCOL_VERSION, now });
      if (reply.type !== 'init_ok')
        throw new AdapterError('schema', `expected init_ok in reply to init, got ${reply.type}`);
      if (reply.protocol !== PROTOCOL_VERSION) {
        throw new AdapterError(
          'protocol-version',
          `implementation speaks protocol "${reply.protocol}", dsconform speaks "${PROTOCOL_VERSION}"`,
        );
      }
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

  /** Sends one request (its id is assigned here) and waits for the reply that names it. */
  request(message: Request): Promise<ReplyMessage> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    const withId = { ...message, id };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#fail(
          new AdapterError('timeout', `no reply to ${message.type} #${id} within ${this.#options.stepTimeoutMs} ms`),
        );
      }, this.#options.stepTimeoutMs);
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
    this.#killGroup('SIGTERM');
    if (!this.#exited) await Promise.race([this.#exitPromise, delay(500)]);
    this.#killGroup('SIGKILL');
    if (!this.#exited) await Promise.race([this.#exitPromise, delay(500)]);
    this.#child.stdout?.destroy();
    this.#child.stderr?.destroy();
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

  #onStdout(chunk: string): void {
    this.#buffer += chunk;
    if (Buffer.byteLength(this.#buffer) > this.#options.maxLineBytes && !this.#buffer.includes('\n')) {
      this.#fail(
        new AdapterError('framing', `stdout line longer than ${this.#options.maxLineBytes} bytes without a newline`),
      );
      this.#buffer = '';
      return;
    }
    let at = this.#buffer.indexOf('\n');
    while (at >= 0) {
      const line = this.#buffer.slice(0, at).trim();
      this.#buffer = this.#buffer.slice(at + 1);
      if (line !== '') this.#onLine(line);
      at = this.#buffer.indexOf('\n');
    }
  }

  #onLine(line: string): void {
    if (this.#failure) return;
    if (Buffer.byteLength(line) > this.#options.maxLineBytes) {
      this.#fail(
        new AdapterError(
          'framing',
          `stdout line of ${Buffer.byteLength(line)} bytes exceeds ${this.#options.maxLineBytes}`,
        ),
      );
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      this.#fail(
        new AdapterError(
          'framing',
          `stdout line is not JSON: ${JSON.stringify(line.slice(0, 80))} (stdout is for protocol messages only; log to stderr)`,
        ),
      );
      return;
    }
    const pending = this.#pending;
    const result = Reply.safeParse(parsed);
    if (!result.success) {
      const type = (parsed as { type?: unknown })?.type;
      this.#fail(
        new AdapterError(
          'schema',
          `invalid ${typeof type === 'string' ? `"${type}" ` : ''}message: ${describeIssue(result.error)}`,
        ),
      );
      return;
    }
    const reply = result.data;
    if (pending === undefined || reply.re !== pending.id) {
      this.#fail(
        new AdapterError(
          'schema',
          `unexpected ${reply.type} (re ${reply.re ?? 'none'}) while ${pending ? `waiting for the reply to ${pending.type} #${pending.id}` : 'no request was pending'}`,
        ),
      );
      return;
    }
    this.#pending = undefined;
    clearTimeout(pending.timer);
    if (reply.type === 'error') {
      pending.reject(
        new AdapterError('implementation-error', `implementation reported error ${reply.code}: ${reply.text}`),
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

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
