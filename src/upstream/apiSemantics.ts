/**
 * Upstream API semantics: the genuine Kubernetes API server's DaemonSet decoding, defaulting,
 * registry strategy (PrepareForCreate / PrepareForUpdate: status reset, `metadata.generation` and
 * the template generation) and validation (create, update, status update, with field paths), run
 * by the Go program in adapters/upstream-api/ (k8s.io/kubernetes v1.37.2 from the Go module cache),
 * next to the same request through dsconform's simulated API server (src/cluster/store.ts with
 * kubernetesAdmission), and a comparison of the two answers.
 *
 * The Go program is built on first use into a cache folder and reused afterwards, like the
 * controller adapter, with build.ts's cache folder and Go toolchain helpers (build.ts itself
 * builds adapters/upstream/ with an overlay of upstream's controller sources, which this program
 * does not need: it imports upstream's packages as they are).
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DaemonSet } from 'kubernetes-types/apps/v1.js';
import { kubernetesAdmission } from '../cluster/admission.js';
import { type FieldError, isApiError } from '../cluster/apiError.js';
import { VirtualClock } from '../cluster/clock.js';
import { semanticForm } from '../cluster/defaults.js';
import { deepCopy, TemplateGenerationAnnotation } from '../cluster/objects.js';
import { ObjectStore } from '../cluster/store.js';
import { goVersion, UpstreamBuildError } from './build.js';
import {
  type BuiltGoProgram,
  ensureGoProgram,
  goEnv,
  goSourceHash,
  PROGRAMS_KUBERNETES_VERSION,
  UPSTREAM_API_PROGRAM,
  vetGoProgram,
} from './goProgram.js';

export const API_ADAPTER_DIR = UPSTREAM_API_PROGRAM.dir;
/** The Kubernetes release adapters/upstream-api/go.mod pins. */
export const API_KUBERNETES_VERSION = PROGRAMS_KUBERNETES_VERSION;

// --- building -----------------------------------------------------------------------------------

/** Raised when the running program fails (it exits, or answers something that is not JSON). */
export class UpstreamApiError extends Error {
  override readonly name = 'UpstreamApiError';
}

/** Why the program cannot be built here (no `go` on PATH), or undefined when Go is there. */
export async function goMissingReason(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  try {
    await goVersion(goEnv(env));
    return undefined;
  } catch (e) {
    if (e instanceof UpstreamBuildError) return `adapters/upstream-api cannot be built (${e.message})`;
    throw e;
  }
}

/** A hash of the program's sources, its go.mod/go.sum and the Go toolchain: a change of any builds anew. */
export function apiSourceHash(go: string): string {
  return goSourceHash(API_ADAPTER_DIR, go);
}

/** Builds adapters/upstream-api unless the cache has it (src/upstream/goProgram.ts). */
export function ensureUpstreamApi(
  options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void; force?: boolean; parallelism?: number } = {},
): Promise<BuiltGoProgram> {
  return ensureGoProgram(UPSTREAM_API_PROGRAM, options);
}

// --- the protocol -------------------------------------------------------------------------------

export type ApiRequest =
  | { op: 'create'; object: unknown }
  | { op: 'update' | 'updateStatus'; old: unknown; object: unknown }
  /** A request body in any encoding a client sends (base64), answered as wire JSON in `object`. */
  | { op: 'decode'; body: string };

/** One field error as upstream's field.Error has it. */
export interface UpstreamFieldError {
  /** field.ErrorType: `FieldValueInvalid`, `FieldValueRequired`, ... */
  type: string;
  field: string;
  detail: string;
  origin?: string;
  /** field.Error.Error(): `<field>: <type text>: <value>: <detail>`. */
  error: string;
}

export interface UpstreamAnswer {
  accepted: boolean;
  /** metav1.StatusReason of a refusal: `Invalid` (422), `BadRequest` (400: the body does not decode). */
  reason?: string;
  code?: number;
  message?: string;
  errors?: UpstreamFieldError[];
  /** The object as stored (apps/v1), for accepted requests. */
  object?: DaemonSet;
}

/** The running Go program: one request at a time, answers in order. */
export class UpstreamApiServer {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #waiting: { resolve: (a: UpstreamAnswer) => void; reject: (e: Error) => void }[] = [];
  #stderr = '';
  #exited: Error | undefined;

  private constructor(binary: string) {
    this.#child = spawn(binary, [], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.#child.stderr.on('data', (chunk: Buffer) => {
      this.#stderr = (this.#stderr + chunk.toString()).slice(-4000);
    });
    createInterface({ input: this.#child.stdout }).on('line', (line) => {
      const waiter = this.#waiting.shift();
      if (waiter === undefined) return;
      try {
        waiter.resolve(JSON.parse(line) as UpstreamAnswer);
      } catch {
        waiter.reject(new UpstreamApiError(`adapters/upstream-api answered something that is not JSON: ${line}`));
      }
    });
    const fail = (why: string) => {
      this.#exited = new UpstreamApiError(
        `adapters/upstream-api ${why}${this.#stderr ? `: ${this.#stderr.trim()}` : ''}`,
      );
      for (const waiter of this.#waiting.splice(0)) waiter.reject(this.#exited);
    };
    this.#child.on('exit', (code, signal) => fail(`exited (${signal ?? code})`));
    this.#child.on('error', (e) => fail(`could not run: ${e.message}`));
    this.#child.stdin.on('error', () => {
      // EPIPE after an exit: reported through 'exit'.
    });
  }

  /** Builds (or takes from the cache) and starts the program. */
  static async start(
    options: { env?: NodeJS.ProcessEnv; log?: (line: string) => void } = {},
  ): Promise<UpstreamApiServer> {
    const { binary } = await ensureUpstreamApi(options);
    return new UpstreamApiServer(binary);
  }

  request(request: ApiRequest): Promise<UpstreamAnswer> {
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolveAnswer, reject) => {
      this.#waiting.push({ resolve: resolveAnswer, reject });
      this.#child.stdin.write(`${JSON.stringify(request)}\n`);
    });
  }

  close(): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return Promise.resolve();
    return new Promise((done) => {
      this.#child.once('exit', () => done());
      this.#child.stdin.end();
    });
  }
}

// --- dsconform's simulated API server, answering the same requests ------------------------------

/** An answer in the shape both sides are compared in. */
export interface ApiOutcome {
  accepted: boolean;
  reason?: string;
  message?: string;
  /** Distinct field errors as `<Type> <field>: <detail>` (Type without upstream's `FieldValue` prefix), sorted. */
  errors: string[];
  object?: DaemonSet;
}

/** `FieldValueInvalid` → `Invalid`: upstream's ErrorType constants against dsconform's names. */
export function errorKey(type: string, field: string, detail: string): string {
  return `${type.replace(/^FieldValue/, '')} ${field}: ${detail}`;
}

function distinctSorted(keys: readonly string[]): string[] {
  return [...new Set(keys)].sort();
}

export function upstreamOutcome(answer: UpstreamAnswer): ApiOutcome {
  return {
    accepted: answer.accepted,
    ...(answer.reason !== undefined ? { reason: answer.reason } : {}),
    ...(answer.message !== undefined ? { message: answer.message } : {}),
    errors: distinctSorted((answer.errors ?? []).map((e) => errorKey(e.type, e.field, e.detail))),
    ...(answer.object !== undefined ? { object: answer.object } : {}),
  };
}

function refusal(e: unknown): ApiOutcome {
  if (!isApiError(e)) throw e;
  return {
    accepted: false,
    reason: e.reason,
    message: e.message,
    errors: distinctSorted(e.causes.map((c: FieldError) => errorKey(c.type, c.field, c.detail))),
  };
}

/**
 * One DaemonSet's life in dsconform's simulated API server (the object store with the Kubernetes
 * admission, as SimulatedCluster builds it): create it, then update it.
 */
export class SimulatedApiSession {
  readonly store = new ObjectStore(new VirtualClock(), kubernetesAdmission);

  create(object: unknown): ApiOutcome {
    try {
      return { accepted: true, errors: [], object: deepCopy(this.store.create('DaemonSet', object as DaemonSet)) };
    } catch (e) {
      return refusal(e);
    }
  }

  update(object: unknown, status = false): ApiOutcome {
    try {
      const stored = status
        ? this.store.updateStatus('DaemonSet', object as DaemonSet)
        : this.store.update('DaemonSet', object as DaemonSet);
      return { accepted: true, errors: [], object: deepCopy(stored) };
    } catch (e) {
      return refusal(e);
    }
  }
}

// --- comparison -----------------------------------------------------------------------------------

/** Metadata a store writes for itself (identity, time, storage version, field managers): never compared. */
const SYSTEM_METADATA = ['uid', 'creationTimestamp', 'resourceVersion', 'managedFields', 'selfLink'] as const;

/**
 * The stored object as compared: without apiVersion/kind and the store's own metadata, as the Go
 * value it decodes to (semanticForm: absent, null, empty lists and maps, and the zero values of
 * plain fields alike). Upstream's JSON writes `resources: {}` and `currentNumberScheduled: 0`
 * where dsconform keeps what the client sent (nothing), and leaves out `minReadySeconds: 0`,
 * `hostNetwork: false` and `key: ""` where dsconform keeps them: the only rendering differences,
 * and Go reads each pair back the same.
 */
export function comparable(object: DaemonSet | undefined): unknown {
  if (object === undefined) return undefined;
  const copy = deepCopy(object) as DaemonSet & { apiVersion?: string; kind?: string };
  delete copy.apiVersion;
  delete copy.kind;
  const meta = copy.metadata as Record<string, unknown> | undefined;
  if (meta) for (const field of SYSTEM_METADATA) delete meta[field];
  return semanticForm(copy);
}

/** Paths where two pruned values differ, with both values. */
export function differences(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  const isObject = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (isObject(a) && isObject(b)) {
    const x = a as Record<string, unknown>;
    const y = b as Record<string, unknown>;
    const keys = [...new Set([...Object.keys(x), ...Object.keys(y)])].sort();
    return keys.flatMap((k) => differences(x[k], y[k], path === '' ? k : `${path}.${k}`));
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length)
    return a.flatMap((v, i) => differences(v, b[i], `${path}[${i}]`));
  return [`${path || '(object)'}: upstream ${JSON.stringify(a)} | dsconform ${JSON.stringify(b)}`];
}

/** `metadata.generation` and the template generation annotation of a stored object. */
export function generations(object: DaemonSet | undefined): { generation?: number; templateGeneration?: string } {
  const generation = object?.metadata?.generation;
  const templateGeneration = object?.metadata?.annotations?.[TemplateGenerationAnnotation];
  return {
    ...(generation !== undefined ? { generation } : {}),
    ...(templateGeneration !== undefined ? { templateGeneration } : {}),
  };
}

/**
 * Every difference between upstream's answer and dsconform's, as readable lines (none: they
 * agree): accept/reject, the refusal's reason, the distinct field errors (type, path and detail),
 * the generation moves, and the stored object.
 */
export function compareOutcomes(upstream: ApiOutcome, dsconform: ApiOutcome): string[] {
  const out: string[] = [];
  if (upstream.accepted !== dsconform.accepted) {
    const says = (o: ApiOutcome) => (o.accepted ? 'accepted' : `refused (${o.reason}: ${o.message})`);
    return [`accept/reject: upstream ${says(upstream)} | dsconform ${says(dsconform)}`];
  }
  if (!upstream.accepted) {
    if (upstream.reason !== dsconform.reason)
      out.push(`reason: upstream ${upstream.reason} | dsconform ${dsconform.reason}`);
    const theirs = new Set(dsconform.errors);
    const ours = new Set(upstream.errors);
    for (const e of upstream.errors) if (!theirs.has(e)) out.push(`only upstream reports: ${e}`);
    for (const e of dsconform.errors) if (!ours.has(e)) out.push(`only dsconform reports: ${e}`);
    return out;
  }
  const g = generations(upstream.object);
  const h = generations(dsconform.object);
  if (g.generation !== h.generation)
    out.push(`metadata.generation: upstream ${g.generation} | dsconform ${h.generation}`);
  if (g.templateGeneration !== h.templateGeneration)
    out.push(`template generation: upstream ${g.templateGeneration} | dsconform ${h.templateGeneration}`);
  out.push(...differences(comparable(upstream.object), comparable(dsconform.object)).map((d) => `stored ${d}`));
  return out;
}

/** `go vet` over the program (CI runs it beside the build). */
export function vetUpstreamApi(env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return vetGoProgram(UPSTREAM_API_PROGRAM, env);
}
