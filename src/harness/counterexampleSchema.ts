/**
 * The schema of a counterexample file (`dsconform/counterexample@1`), checked as strictly as a
 * manifest: a file that was edited by hand, damaged, or written by something else must never
 * replay as "passes now" because an event silently did nothing (a node name the API refuses, a
 * taint effect that does not exist). Every problem is one line with the JSON path to it:
 *
 *     cx.json: events[3].taint.effect: expected one of NoSchedule, PreferNoSchedule, NoExecute
 *
 * Shapes are checked, not semantics: a DaemonSet spec the API server would refuse (both rolling
 * budgets zero, say) is a legitimate event (DS_CREATED is then "rejected without effect"), so
 * only what cannot be an event of model/events.ts at all is refused. Sizes and times are bounded
 * (docs/limits.md).
 */
import { z } from 'zod';
import { EVENT_TYPES } from '../../model/events.ts';
import {
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPercent,
  nameIsDNSSubdomain,
} from '../cluster/validation.js';
import { apiFaultEventSchema } from './apiFailureSchema.js';
import { FLAKY_MUTANT_NAMES, MUTANTS } from './mutants.js';
import { PROFILE_NAMES } from './profiles.js';

/** Limits on what a counterexample file may hold (docs/limits.md). */
export const COUNTEREXAMPLE_LIMITS = {
  /** Events in one file; generated ones hold at most --max-events plus a set-up. */
  maxEvents: 10_000,
  /** One TIME_ADVANCED: a year of virtual time (the virtual clock must stay a valid date). */
  maxAdvanceSeconds: 31_536_000,
  /** minReadySeconds, revisionHistoryLimit, tolerationSeconds: Kubernetes' int32 range. */
  maxInt32: 2_147_483_647,
  /** Any string (an image, a message line). */
  maxString: 4_096,
  /** Labels per node, tolerations, taints, terms, values. */
  maxItems: 64,
  /** The file itself. */
  maxBytes: 32 * 1024 * 1024,
} as const;

const L = COUNTEREXAMPLE_LIMITS;

/** A refinement from one of the API server's validators (they return a list of problems). */
function apiRule(check: (value: string) => string[]) {
  return (value: string, ctx: z.RefinementCtx) => {
    const [problem] = check(value);
    if (problem !== undefined) ctx.addIssue({ code: 'custom', message: `${JSON.stringify(value)}: ${problem}` });
  };
}

const text = z.string().max(L.maxString);
/** Strings replay prints as they are: one line, no control characters (no terminal escapes). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const printable = text.regex(/^[^\u0000-\u001f\u007f-\u009f]*$/, {
  message: 'control characters (newlines, terminal escapes) are not allowed here',
});
const nodeName = z
  .string()
  .max(253)
  .superRefine(apiRule((v) => nameIsDNSSubdomain(v, false)));
const labelKey = z.string().superRefine(apiRule(isQualifiedName));
const labelValue = z.string().superRefine(apiRule(isValidLabelValue));
const labels = z
  .record(labelKey, labelValue)
  .refine((r) => Object.keys(r).length <= L.maxItems, { message: `at most ${L.maxItems} labels` });
const effect = z.enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute']);
const int32 = z.number().min(0).max(L.maxInt32).int();

const taint = z.strictObject({ key: labelKey, value: labelValue, effect });

const toleration = z.strictObject({
  key: z.union([z.literal(''), labelKey]).optional(),
  operator: z.enum(['Exists', 'Equal', 'Lt', 'Gt']).optional(),
  value: text.optional(),
  effect: z.union([z.literal(''), effect]).optional(),
  tolerationSeconds: z.number().min(-L.maxInt32).max(L.maxInt32).int().optional(),
});

const requirement = z.strictObject({
  key: text,
  // Any other operator is legal data: the term that holds it never matches (model/types.ts).
  operator: text,
  values: z.array(text).max(L.maxItems),
});

const term = z.strictObject({
  matchExpressions: z.array(requirement).max(L.maxItems).optional(),
  matchFields: z.array(requirement).max(L.maxItems).optional(),
});

const template = z.strictObject({
  image: text,
  nodeSelector: labels,
  requiredNodeAffinity: z.array(term).max(L.maxItems).optional(),
  tolerations: z.array(toleration).max(L.maxItems),
  hostNetwork: z.boolean(),
  nodeName: nodeName.optional(),
});

const intOrPercent = z.union([
  int32,
  z.string().superRefine(apiRule((v) => (isValidPercent(v).length > 0 ? ['expected a whole number or "N%"'] : []))),
]);

const updateStrategy = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('RollingUpdate'), maxUnavailable: intOrPercent, maxSurge: intOrPercent }),
  z.strictObject({ type: z.literal('OnDelete') }),
]);

const spec = z.strictObject({
  template,
  updateStrategy,
  minReadySeconds: int32,
  revisionHistoryLimit: int32,
});

const revisionClass = z.enum(['current', 'old']);
const pick = { node: nodeName, revision: revisionClass.optional() };
const bare = <T extends string>(type: T) => z.strictObject({ type: z.literal(type) });

/** One schema per event type of model/events.ts. */
const EVENT_SCHEMAS = {
  NODE_ADDED: z.strictObject({
    type: z.literal('NODE_ADDED'),
    node: nodeName,
    labels: labels.optional(),
    taints: z.array(taint).max(L.maxItems).optional(),
  }),
  NODE_REMOVED: z.strictObject({ type: z.literal('NODE_REMOVED'), node: nodeName }),
  NODE_LABEL_SET: z.strictObject({
    type: z.literal('NODE_LABEL_SET'),
    node: nodeName,
    key: labelKey,
    value: labelValue,
  }),
  NODE_LABEL_REMOVED: z.strictObject({ type: z.literal('NODE_LABEL_REMOVED'), node: nodeName, key: labelKey }),
  TAINT_ADDED: z.strictObject({ type: z.literal('TAINT_ADDED'), node: nodeName, taint }),
  TAINT_REMOVED: z.strictObject({ type: z.literal('TAINT_REMOVED'), node: nodeName, key: labelKey, effect }),
  NODE_CORDONED: z.strictObject({ type: z.literal('NODE_CORDONED'), node: nodeName }),
  NODE_UNCORDONED: z.strictObject({ type: z.literal('NODE_UNCORDONED'), node: nodeName }),
  NODE_READY: z.strictObject({ type: z.literal('NODE_READY'), node: nodeName }),
  NODE_NOT_READY: z.strictObject({
    type: z.literal('NODE_NOT_READY'),
    node: nodeName,
    status: z.enum(['False', 'Unknown']).optional(),
  }),
  DS_CREATED: z.strictObject({
    type: z.literal('DS_CREATED'),
    spec,
    name: z.string().max(253).superRefine(apiRule(isDNS1123Subdomain)).optional(),
  }),
  TEMPLATE_UPDATED: z.strictObject({ type: z.literal('TEMPLATE_UPDATED'), template }),
  STRATEGY_CHANGED: z.strictObject({
    type: z.literal('STRATEGY_CHANGED'),
    updateStrategy,
    minReadySeconds: int32.optional(),
    revisionHistoryLimit: int32.optional(),
  }),
  DS_DELETED: z.strictObject({ type: z.literal('DS_DELETED'), policy: z.enum(['Background', 'Foreground', 'Orphan']) }),
  POD_BECAME_READY: z.strictObject({ type: z.literal('POD_BECAME_READY'), ...pick }),
  POD_FAILED: z.strictObject({ type: z.literal('POD_FAILED'), ...pick }),
  POD_DELETED_BY_USER: z.strictObject({ type: z.literal('POD_DELETED_BY_USER'), ...pick }),
  ORPHAN_POD_APPEARED: z.strictObject({
    type: z.literal('ORPHAN_POD_APPEARED'),
    node: nodeName,
    revision: z.enum(['current', 'none']),
  }),
  FOREIGN_POD_APPEARED: z.strictObject({
    type: z.literal('FOREIGN_POD_APPEARED'),
    node: nodeName,
    revision: z.enum(['current', 'none']),
  }),
  POD_RELABELED: z.strictObject({ type: z.literal('POD_RELABELED'), ...pick, matches: z.boolean() }),
  POD_FINALIZER_ADDED: z.strictObject({ type: z.literal('POD_FINALIZER_ADDED'), ...pick }),
  POD_FINALIZER_REMOVED: z.strictObject({ type: z.literal('POD_FINALIZER_REMOVED'), ...pick }),
  POD_CREATES_FAIL: apiFaultEventSchema('POD_CREATES_FAIL'),
  POD_DELETES_FAIL: apiFaultEventSchema('POD_DELETES_FAIL'),
  CONTROLLER_CRASHES: z.strictObject({
    type: z.literal('CONTROLLER_CRASHES'),
    afterWrites: z.number().int().min(0).max(1000),
  }),
  WATCH_RELISTED: bare('WATCH_RELISTED'),
  STATUS_WRITE_CONFLICTS: bare('STATUS_WRITE_CONFLICTS'),
  POD_INFORMER_LAGS: bare('POD_INFORMER_LAGS'),
  WATCH_EVENTS_DUPLICATED: bare('WATCH_EVENTS_DUPLICATED'),
  CONTROLLER_RESTARTED: bare('CONTROLLER_RESTARTED'),
  TIME_ADVANCED: z.strictObject({
    type: z.literal('TIME_ADVANCED'),
    seconds: z
      .number()
      .positive()
      .max(L.maxAdvanceSeconds, { message: `at most ${L.maxAdvanceSeconds} seconds (a year) per event` }),
  }),
  CONTROLLER_SYNC: bare('CONTROLLER_SYNC'),
  KUBELET_STEP: bare('KUBELET_STEP'),
  SCHEDULER_STEP: bare('SCHEDULER_STEP'),
  GC_STEP: bare('GC_STEP'),
} satisfies Record<(typeof EVENT_TYPES)[number], z.ZodType>;

const event = z.unknown().superRefine((value, ctx) => {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    ctx.addIssue({ code: 'custom', message: 'expected an event object' });
    return;
  }
  const type = (value as { type?: unknown }).type;
  if (typeof type !== 'string' || !(EVENT_TYPES as readonly string[]).includes(type)) {
    ctx.addIssue({
      code: 'custom',
      path: ['type'],
      message: `unknown event type ${JSON.stringify(type)}; expected one of ${EVENT_TYPES.join(', ')}`,
    });
    return;
  }
  const parsed = EVENT_SCHEMAS[type as keyof typeof EVENT_SCHEMAS].safeParse(value);
  if (!parsed.success)
    for (const issue of parsed.error.issues) ctx.addIssue(issue as unknown as Parameters<typeof ctx.addIssue>[0]);
});

const implementation = z.strictObject({
  name: printable,
  kind: z.enum(['reference', 'process']),
  controller: printable.min(1).optional(),
  mutant: z.enum([...MUTANTS.map((m) => m.name), ...FLAKY_MUTANT_NAMES] as [string, ...string[]]).optional(),
  serve: z.array(printable.min(1)).min(1).optional(),
  clock: z.enum(['virtual', 'wall']).optional(),
  cluster: z.literal(true).optional(),
  upstream: z
    .string()
    .regex(/^v?\d+\.\d+(\.\d+)?$/)
    .optional(),
});

const count = z.number().min(0).max(Number.MAX_SAFE_INTEGER).int();

/** A side of a differential counterexample (`dsconform diff`): `upstream` names a pinned release, rebuilt on replay. */
const diffSide = implementation;

/** The whole file. Report-only fields (trace, finalTable) are kept loose: replay never reads them. */
export const counterexampleFileSchema = z.object({
  format: z.literal('dsconform/counterexample@1'),
  implementation,
  profile: z.enum(PROFILE_NAMES as unknown as [string, ...string[]]),
  seed: z.number().int(),
  caseIndex: count,
  caseSeed: z.number().int(),
  path: printable,
  shrinks: count,
  scope: z.strictObject({ nodes: count, maxEvents: count }),
  invariant: printable.min(1).max(200),
  message: printable,
  node: printable.optional(),
  step: z.number().int().min(-1),
  events: z.array(event).max(L.maxEvents, { message: `at most ${L.maxEvents} events` }),
  trace: z.array(z.unknown()),
  finalTable: z.array(z.string()),
  /** Recorded from a non-deterministic implementation (docs/harness.md). */
  nonDeterministic: z.literal(true).optional(),
  /** A divergence found by `dsconform diff` between two implementations; replay runs both in lock step. */
  differential: z.strictObject({ left: diffSide, right: diffSide }).optional(),
});

/** `events[3].taint.effect` from a zod path. */
export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string' && /^[A-Za-z_$][\w$]*$/.test(segment)) out += out ? `.${segment}` : segment;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** The first problem of a failed parse of `data`, as `path: what is wrong`. */
export function describeCounterexampleIssue(error: z.ZodError, data: unknown): string {
  const issue = error.issues[0];
  if (issue === undefined) return error.message;
  let at: unknown = data;
  for (const segment of issue.path.slice(0, -1)) at = (at as Record<PropertyKey, unknown> | undefined)?.[segment];
  const field = issue.path.at(-1);
  const parent = at as Record<PropertyKey, unknown> | undefined;
  // A missing field of an event: say which event type needs it (`events[1]: TAINT_ADDED needs "taint"`).
  if (
    (issue.code === 'invalid_type' || /received undefined$/.test(issue.message)) &&
    field !== undefined &&
    parent !== null &&
    typeof parent === 'object' &&
    parent[field] === undefined
  ) {
    if (issue.path.length === 1) return `${String(field)}: missing`;
    const type = typeof parent.type === 'string' ? parent.type : 'this object';
    return `${jsonPath(issue.path.slice(0, -1))}: ${type} needs ${JSON.stringify(String(field))}`;
  }
  const where = jsonPath(issue.path);
  let message = issue.message;
  if (issue.code === 'invalid_value' && 'values' in issue)
    message = `expected one of ${(issue.values as unknown[]).map((v) => String(v)).join(', ')}`;
  if (issue.code === 'unrecognized_keys' && 'keys' in issue)
    message = `unknown field${(issue.keys as string[]).length > 1 ? 's' : ''} ${(issue.keys as string[]).map((k) => JSON.stringify(k)).join(', ')}`;
  return `${where || '(the file)'}: ${message.replace(/\s*[\r\n]+\s*/g, ' ')}`;
}
