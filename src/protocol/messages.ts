/**
 * The controller protocol (docs/protocol.md): newline-delimited JSON between dsconform and an
 * implementation under test. These zod schemas are the one source of truth: the process adapter
 * validates every message with them, and `docs/protocol.schema.json` is generated from them.
 */
import * as z from 'zod';

export const PROTOCOL_VERSION = 'dsconform/v1';

/** A Kubernetes object in wire form; dsconform validates objects through its API server, not here. */
const KubeObject = z.looseObject({
  metadata: z.looseObject({ name: z.string().optional(), namespace: z.string().optional() }),
});

// --- dsconform → implementation --------------------------------------------------------------

export const WatchEventSchema = z.object({
  type: z.enum(['ADDED', 'MODIFIED', 'DELETED']),
  kind: z.enum(['Node', 'Pod', 'DaemonSet', 'ControllerRevision']),
  object: KubeObject,
});

export const WriteResultSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), object: KubeObject.optional() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ reason: z.string(), code: z.number().int(), message: z.string() }),
  }),
]);

export const InitRequest = z.object({
  type: z.literal('init'),
  id: z.number().int(),
  protocol: z.string(),
  now: z.string(),
});

export const ResetRequest = z.object({ type: z.literal('reset'), id: z.number().int() });

export const SyncRequest = z.object({
  type: z.literal('sync'),
  id: z.number().int(),
  /** Virtual time, RFC 3339. */
  now: z.string(),
  /** Watch events since the previous sync; after init or reset, every object arrives as ADDED (the informers' LIST). */
  events: z.array(WatchEventSchema),
  /** Outcome of each write of the previous sync_ok, in order. */
  results: z.array(WriteResultSchema),
  /**
   * The watches broke since the previous sync (a fault, sent only to an implementation that
   * declares the `relist` capability): `events` is a full LIST (every object as ADDED), the
   * events in between are lost, and an object your caches hold that the LIST lacks was deleted
   * (its final state unknown: client-go's DeletedFinalStateUnknown). Keep your memory.
   */
  relist: z.boolean().optional(),
});

export const ShutdownRequest = z.object({ type: z.literal('shutdown'), id: z.number().int() });

export const Request = z.discriminatedUnion('type', [InitRequest, ResetRequest, SyncRequest, ShutdownRequest]);

// --- implementation → dsconform --------------------------------------------------------------

const Namespaced = { namespace: z.string().default('default') };
const ObjectRef = { ...Namespaced, name: z.string().min(1) };

/**
 * A pod's or revision's metadata patch. Either the result (`ownerReferences` replaces the list,
 * `labels` merge) or, as client-go sends it, the patch itself (`patch`, applied by the API server
 * to the object as stored: a strategic merge patch merges ownerReferences by uid, so an adoption
 * made from a stale cache cannot silently undo a concurrent one).
 */
const MetadataPatch = {
  ...ObjectRef,
  uid: z.string().optional(),
  ownerReferences: z.array(z.looseObject({ uid: z.string(), kind: z.string(), name: z.string() })).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  patch: z.looseObject({ metadata: z.looseObject({}) }).optional(),
  patchType: z.enum(['strategic', 'merge']).optional(),
};

export const WriteSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('createPod'), ...Namespaced, pod: KubeObject }),
  z.object({ op: z.literal('deletePod'), ...ObjectRef, uid: z.string().optional() }),
  /** Replaces ownerReferences and/or merges labels, or applies `patch`; `uid` is a precondition. */
  z.object({ op: z.literal('patchPod'), ...MetadataPatch }),
  z.object({ op: z.literal('createControllerRevision'), ...Namespaced, revision: KubeObject }),
  z.object({ op: z.literal('updateControllerRevision'), ...Namespaced, revision: KubeObject }),
  z.object({ op: z.literal('deleteControllerRevision'), ...ObjectRef }),
  z.object({ op: z.literal('patchControllerRevision'), ...MetadataPatch }),
  z.object({
    op: z.literal('updateDaemonSetStatus'),
    ...ObjectRef,
    status: z.looseObject({}),
    resourceVersion: z.string().optional(),
  }),
  z.object({
    op: z.literal('recordEvent'),
    ...ObjectRef,
    eventType: z.enum(['Normal', 'Warning']),
    reason: z.string(),
    message: z.string(),
  }),
]);

export const CapabilitiesSchema = z.object({
  /** RollingUpdate with maxSurge > 0. */
  surge: z.boolean().default(true),
  /** RollingUpdate at all (without it, only OnDelete behaviour is checked). */
  rollingUpdate: z.boolean().default(true),
  /** ControllerRevisions: history, hashes, rollback. */
  revisions: z.boolean().default(true),
  /** Taints and tolerations in eligibility. */
  taints: z.boolean().default(true),
  /** Understands `sync` messages marked `relist` (a broken watch and a fresh LIST); without it that fault is not applied. */
  relist: z.boolean().default(false),
});

export const InitOk = z.object({
  type: z.literal('init_ok'),
  re: z.number().int(),
  protocol: z.string(),
  implementation: z.object({ name: z.string(), version: z.string().optional() }),
  capabilities: CapabilitiesSchema.default({
    surge: true,
    rollingUpdate: true,
    revisions: true,
    taints: true,
    relist: false,
  }),
});

export const ResetOk = z.object({ type: z.literal('reset_ok'), re: z.number().int() });

export const SyncOk = z.object({
  type: z.literal('sync_ok'),
  re: z.number().int(),
  writes: z.array(WriteSchema),
  /** Seconds after which the controller wants another sync even if nothing changes (failed-pod backoff, minReadySeconds). */
  wakeAfterSeconds: z.number().nonnegative().optional(),
});

export const ErrorReply = z.object({
  type: z.literal('error'),
  re: z.number().int().optional(),
  code: z.string(),
  text: z.string(),
});

export const Reply = z.discriminatedUnion('type', [InitOk, ResetOk, SyncOk, ErrorReply]);

export type Request = z.infer<typeof Request>;
export type Reply = z.infer<typeof Reply>;
export type Write = z.infer<typeof WriteSchema>;
export type WriteResult = z.infer<typeof WriteResultSchema>;
export type Capabilities = z.infer<typeof CapabilitiesSchema>;
export type WireWatchEvent = z.infer<typeof WatchEventSchema>;

/** One line describing what is wrong with a message: the field path and what was expected. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid message';
  const path =
    issue.path.length > 0
      ? issue.path
          .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
          .join('')
          .replace(/^\./, '')
      : '(message)';
  return `${path}: ${issue.message}`;
}

/** The JSON Schema published for implementers (docs/protocol.schema.json). */
export function protocolJsonSchema(): Record<string, unknown> {
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: `dsconform controller protocol ${PROTOCOL_VERSION}`,
    $defs: {
      request: z.toJSONSchema(Request, { io: 'input' }),
      reply: z.toJSONSchema(Reply, { io: 'input' }),
    },
  };
}

/** The schema file's exact text (the committed docs/protocol.schema.json must equal it). */
export function protocolSchemaText(): string {
  return `${JSON.stringify(protocolJsonSchema(), null, 2)}\n`;
}
