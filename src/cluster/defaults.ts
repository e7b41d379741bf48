/**
 * Server-side defaulting for the kinds the simulated API server stores, plus the DaemonSet
 * registry strategy's create/update preparation (status reset, template generation).
 *
 * Defaulting follows `pkg/apis/apps/v1/defaults.go` and `pkg/apis/core/v1/defaults.go`; the
 * registry behaviour follows `pkg/registry/apps/daemonset/strategy.go` together with the apps/v1
 * conversion that carries the internal `spec.templateGeneration` in the
 * `deprecated.daemonset.template.generation` annotation.
 */
import type { DaemonSet, DaemonSetSpec, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Container, Node, Pod, PodSpec, PodTemplateSpec, Volume } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { ApiError } from './apiError.js';
import { deepCopy, TemplateGenerationAnnotation } from './objects.js';

export const DefaultTerminationGracePeriodSeconds = 30;
export const DefaultSchedulerName = 'default-scheduler';
export const DefaultRevisionHistoryLimit = 10;
export const DefaultMaxUnavailable = 1;
export const DefaultMaxSurge = 0;
export const DefaultTerminationMessagePath = '/dev/termination-log';

/** kubernetes-types marks server-owned fields readonly; the server itself must write them. */
type Writable<T> = { -readonly [K in keyof T]: T[K] };
type WritableDaemonSet = Writable<DaemonSet> & { metadata?: ObjectMeta; status?: DaemonSetStatus };

// --- core/v1 -------------------------------------------------------------------------------------

/**
 * SetDefaults_Container: pull policy from the image tag, termination message path and policy,
 * port protocols; with the defaults of what it holds (SetDefaults_Probe, SetDefaults_HTTPGetAction
 * for probes and lifecycle hooks, SetDefaults_ObjectFieldSelector for env).
 */
export function setDefaultsContainer(container: Container): void {
  container.imagePullPolicy ||= imageTag(container.image ?? '') === 'latest' ? 'Always' : 'IfNotPresent';
  container.terminationMessagePath ||= DefaultTerminationMessagePath;
  container.terminationMessagePolicy ||= 'File';
  for (const port of container.ports ?? []) port.protocol ||= 'TCP';
  for (const probe of [container.livenessProbe, container.readinessProbe, container.startupProbe]) {
    if (probe == null) continue;
    probe.timeoutSeconds ||= 1;
    probe.periodSeconds ||= 10;
    probe.successThreshold ||= 1;
    probe.failureThreshold ||= 3;
    setDefaultsHTTPGetAction(probe.httpGet);
  }
  setDefaultsHTTPGetAction(container.lifecycle?.postStart?.httpGet);
  setDefaultsHTTPGetAction(container.lifecycle?.preStop?.httpGet);
  for (const env of container.env ?? []) {
    const fieldRef = env.valueFrom?.fieldRef;
    if (fieldRef != null) fieldRef.apiVersion ||= 'v1';
  }
}

function setDefaultsHTTPGetAction(action: { path?: string; scheme?: string } | undefined): void {
  if (action == null) return;
  action.path ||= '/';
  action.scheme ||= 'HTTP';
}

/** File mode 0644, the default of configMap, secret, downwardAPI and projected volumes. */
const DefaultVolumeMode = 0o644;

/**
 * SetDefaults_Volume (no source is an emptyDir) and the sources' own: SetDefaults_HostPathVolumeSource
 * (type ""), and the default mode of configMap, secret, downwardAPI and projected volumes.
 */
export function setDefaultsVolume(volume: Volume): void {
  const sources = Object.entries(volume).filter(([k, v]) => k !== 'name' && v != null);
  if (sources.length === 0) volume.emptyDir = {};
  if (volume.hostPath != null) volume.hostPath.type ??= '';
  for (const source of [volume.configMap, volume.secret, volume.downwardAPI, volume.projected]) {
    if (source != null) source.defaultMode ??= DefaultVolumeMode;
  }
  for (const item of volume.downwardAPI?.items ?? []) {
    if (item.fieldRef != null) item.fieldRef.apiVersion ||= 'v1';
  }
}

// The reference grammar of github.com/distribution/reference, which parsers.ParseImageName uses.
const domainComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainAndPort = `(?:${domainComponent}(?:\\.${domainComponent})*|\\[[a-fA-F0-9:]+\\])(?::[0-9]+)?`;
const pathComponent = '[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*';
const referenceRe = new RegExp(
  `^((?:${domainAndPort}/)?${pathComponent}(?:/${pathComponent})*)(?::([\\w][\\w.-]{0,127}))?(?:@([A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}))?$`,
);

/**
 * The tag parsers.ParseImageName would report: the explicit tag, '' for a digest-only reference,
 * and 'latest' when neither is given. A ':' before the last '/' is a registry port, not a tag. An
 * image that is not a valid reference (whitespace, upper case in the path, a bare 64-hex id, a
 * name over 255 characters) fails to parse and reports '', as SetDefaults_Container reads it.
 */
export function imageTag(image: string): string {
  const m = referenceRe.exec(image);
  if (m === null || /^[a-f0-9]{64}$/.test(image) || (m[1] ?? '').length > 255) return '';
  const tag = m[2] ?? '';
  if (tag !== '') return tag;
  return m[3] !== undefined ? '' : 'latest';
}

/** SetDefaults_PodSpec (which also applies inside pod templates) plus the container defaults. */
export function setDefaultsPodSpec(spec: PodSpec): void {
  spec.dnsPolicy ||= 'ClusterFirst';
  spec.restartPolicy ||= 'Always';
  spec.securityContext ??= {};
  spec.terminationGracePeriodSeconds ??= DefaultTerminationGracePeriodSeconds;
  spec.schedulerName ||= DefaultSchedulerName;
  for (const container of spec.initContainers ?? []) setDefaultsContainer(container);
  for (const container of spec.containers ?? []) setDefaultsContainer(container);
  for (const volume of spec.volumes ?? []) setDefaultsVolume(volume);
}

/** SetDefaults_Pod on top of SetDefaults_PodSpec: only real Pods get these, never templates. */
export function setDefaultsPod(pod: Pod): void {
  const spec = podSpecOf(pod);
  setDefaultsPodSpec(spec);
  for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
    // Requests default to limits, per resource, when limits are given.
    const limits = container.resources?.limits;
    if (limits === undefined) continue;
    container.resources ??= {};
    container.resources.requests ??= {};
    const requests = container.resources.requests;
    for (const [name, quantity] of Object.entries(limits)) requests[name] ??= quantity;
  }
  spec.enableServiceLinks ??= true;
  if (spec.hostNetwork) {
    // With host networking every container port is also a host port.
    for (const container of [...(spec.containers ?? []), ...(spec.initContainers ?? [])]) {
      for (const port of container.ports ?? []) port.hostPort ||= port.containerPort;
    }
  }
}

/**
 * Pod create: defaults, and a new pod starts Pending (podStrategy.PrepareForCreate). Unlike
 * upstream, a status the caller supplies is kept, so fixtures can seed running pods directly.
 */
export function preparePodForCreate(pod: Pod): void {
  setDefaultsPod(pod);
  const writable = pod as Writable<Pod>;
  writable.status ??= {};
  writable.status.phase ||= 'Pending';
}

/** SetDefaults_NodeStatus: allocatable defaults to capacity. */
export function setDefaultsNode(node: Node): void {
  const status = node.status;
  if (status?.capacity !== undefined && status.allocatable === undefined) status.allocatable = { ...status.capacity };
}

function podSpecOf(pod: Pod): PodSpec {
  // PodSpec is a struct upstream, so its defaults apply even when the client sent no spec.
  pod.spec ??= { containers: [] };
  return pod.spec;
}

// --- apps/v1 DaemonSet ---------------------------------------------------------------------------

function daemonSetSpecOf(ds: DaemonSet): DaemonSetSpec {
  ds.spec ??= {} as DaemonSetSpec;
  return ds.spec;
}

function templateSpecOf(template: PodTemplateSpec): PodSpec {
  template.spec ??= {} as PodSpec;
  return template.spec;
}

/** SetDefaults_DaemonSet, plus SetDefaults_PodSpec on the embedded pod template. */
export function setDefaultsDaemonSet(ds: DaemonSet): void {
  const spec = daemonSetSpecOf(ds);
  spec.updateStrategy ??= {};
  const strategy = spec.updateStrategy;
  strategy.type ||= 'RollingUpdate';
  if (strategy.type === 'RollingUpdate') {
    strategy.rollingUpdate ??= {};
    const rollingUpdate = strategy.rollingUpdate;
    rollingUpdate.maxUnavailable ??= DefaultMaxUnavailable;
    rollingUpdate.maxSurge ??= DefaultMaxSurge;
  }
  // The internal type holds both budgets as plain IntOrStrings: through the apps/v1 conversion
  // (Convert_v1_RollingUpdateDaemonSet_To_apps_RollingUpdateDaemonSet and back) an absent one
  // comes back as 0 whatever the strategy type (OnDelete keeps its rollingUpdate as sent).
  const rollingUpdate = strategy.rollingUpdate;
  if (rollingUpdate != null) {
    rollingUpdate.maxUnavailable ??= 0;
    rollingUpdate.maxSurge ??= 0;
  }
  spec.revisionHistoryLimit ??= DefaultRevisionHistoryLimit;
  spec.template ??= {};
  setDefaultsPodSpec(templateSpecOf(spec.template));
}

/** The freshly created DaemonSet status as apps/v1 serialises an empty one (four required counters). */
export function emptyDaemonSetStatus(): DaemonSetStatus {
  return { currentNumberScheduled: 0, numberMisscheduled: 0, desiredNumberScheduled: 0, numberReady: 0 };
}

/**
 * Reads the template generation the apps/v1 conversion would decode from the annotation: absent
 * reads as 0; a value strconv.ParseInt rejects makes the whole request undecodable (400).
 */
export function decodeTemplateGeneration(ds: DaemonSet): bigint {
  const raw = ds.metadata?.annotations?.[TemplateGenerationAnnotation];
  if (raw === undefined) return 0n;
  const why = parseIntProblem(raw);
  if (why !== undefined) {
    throw new ApiError(
      'BadRequest',
      `DaemonSet in version "v1" cannot be handled as a DaemonSet: strconv.ParseInt: parsing ${JSON.stringify(raw)}: ${why}`,
    );
  }
  return BigInt(raw);
}

/**
 * The integer fields of a DaemonSet that its controller and the pods it makes read, with their Go
 * types: JSON that does not fit one (1.5, 2147483648 in an int32, "10") fails upstream's decoding
 * into the typed struct, a 400 before any validation (for IntOrString budgets, numbers only).
 */
const INTEGER_FIELDS: readonly [
  path: readonly string[],
  struct: string,
  type: 'int32' | 'int64',
  intOrString?: boolean,
][] = [
  [['spec', 'minReadySeconds'], 'DaemonSetSpec', 'int32'],
  [['spec', 'revisionHistoryLimit'], 'DaemonSetSpec', 'int32'],
  [['spec', 'updateStrategy', 'rollingUpdate', 'maxUnavailable'], 'RollingUpdateDaemonSet', 'int32', true],
  [['spec', 'updateStrategy', 'rollingUpdate', 'maxSurge'], 'RollingUpdateDaemonSet', 'int32', true],
  [['spec', 'template', 'spec', 'terminationGracePeriodSeconds'], 'PodSpec', 'int64'],
  [['spec', 'template', 'spec', 'activeDeadlineSeconds'], 'PodSpec', 'int64'],
  [['spec', 'template', 'spec', 'tolerations', '*', 'tolerationSeconds'], 'Toleration', 'int64'],
  [['spec', 'template', 'spec', 'containers', '*', 'ports', '*', 'containerPort'], 'ContainerPort', 'int32'],
  [['spec', 'template', 'spec', 'containers', '*', 'ports', '*', 'hostPort'], 'ContainerPort', 'int32'],
];

function valuesAt(value: unknown, path: readonly string[], at: string): [string, unknown][] {
  if (path.length === 0) return [[at, value]];
  const [head, ...rest] = path as [string, ...string[]];
  if (head === '*') return Array.isArray(value) ? value.flatMap((v, i) => valuesAt(v, rest, `${at}[${i}]`)) : [];
  if (value === null || typeof value !== 'object') return [];
  return valuesAt((value as Record<string, unknown>)[head], rest, at === '' ? head : `${at}.${head}`);
}

/** The decoding into Go's typed DaemonSet, for the integer fields: a 400 where a value does not fit. */
export function decodeIntegerFields(ds: DaemonSet): void {
  for (const [path, struct, type, intOrString] of INTEGER_FIELDS) {
    for (const [at, v] of valuesAt(ds, path, '')) {
      if (v === undefined || v === null || (intOrString && typeof v === 'string')) continue;
      const bits = type === 'int32' ? 31n : 63n;
      const fits = typeof v === 'number' && Number.isInteger(v) && BigInt(v) >= -(2n ** bits) && BigInt(v) < 2n ** bits;
      if (fits) continue;
      const what = typeof v === 'number' ? `number ${v}` : typeof v;
      throw new ApiError(
        'BadRequest',
        `DaemonSet in version "v1" cannot be handled as a DaemonSet: json: cannot unmarshal ${what} into Go struct field ${struct}.${at.replace(/\[\d+\]/g, '')} of type ${type}`,
      );
    }
  }
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Why strconv.ParseInt(s, 10, 64) would fail, or undefined if it would not. */
function parseIntProblem(s: string): string | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return 'invalid syntax';
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? 'value out of range' : undefined;
}

/** The template generation as stored: the annotation the apps/v1 conversion always writes. */
export function templateGenerationOf(ds: DaemonSet): bigint {
  const raw = ds.metadata?.annotations?.[TemplateGenerationAnnotation];
  return raw !== undefined && parseIntProblem(raw) === undefined ? BigInt(raw) : 0n;
}

function setTemplateGeneration(ds: DaemonSet, generation: bigint): void {
  ds.metadata ??= {};
  ds.metadata.annotations = { ...ds.metadata.annotations, [TemplateGenerationAnnotation]: generation.toString() };
}

/**
 * daemonSetStrategy.PrepareForCreate: status cleared, template generation at least 1 (a client
 * may choose a higher starting value). The store sets metadata.generation itself.
 */
export function prepareDaemonSetForCreate(ds: DaemonSet): void {
  decodeIntegerFields(ds);
  const requested = decodeTemplateGeneration(ds);
  setDefaultsDaemonSet(ds);
  (ds as WritableDaemonSet).status = emptyDaemonSetStatus();
  setTemplateGeneration(ds, requested < 1n ? 1n : requested);
}

/**
 * daemonSetStrategy.PrepareForUpdate: the client cannot set the template generation; it is
 * carried over and bumped exactly when spec.template changed (semantically, after defaulting).
 */
export function prepareDaemonSetForUpdate(ds: DaemonSet, old: DaemonSet): void {
  decodeIntegerFields(ds);
  decodeTemplateGeneration(ds); // an undecodable annotation fails the request even though it is then ignored
  setDefaultsDaemonSet(ds);
  const carried = templateGenerationOf(old);
  const changed = !semanticallyEqual(ds.spec?.template, old.spec?.template);
  setTemplateGeneration(ds, changed ? carried + 1n : carried);
  // A spec that only differs in encoding (key order, [] for absent) is the same spec: keep the
  // stored encoding so that byte comparisons downstream (the store's generation bump) agree.
  if (old.spec !== undefined && semanticallyEqual(ds.spec, old.spec)) ds.spec = deepCopy(old.spec);
}

// --- semantic equality ---------------------------------------------------------------------------

/**
 * apiequality.Semantic.DeepEqual over wire JSON, as the decoded Go structs compare: key order is
 * irrelevant; an absent field, null, an empty list and an empty map compare equal (the forked
 * reflect treats nil and empty slices and maps alike); a plain (non-pointer) field's zero value
 * (0, false, '') is its absence; but a pointer to an empty struct (`affinity: {}`) is not nil, and
 * a pointer to zero (`tolerationSeconds: 0`) is not nil either. The two sets below say which
 * fields are pointers; every other field is a plain value or a map.
 */
export function semanticallyEqual(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** Fields (of the DaemonSet and pod template surface) that are pointers to structs: `{}` is not absent. */
const POINTER_STRUCT_FIELDS = new Set([
  'affinity',
  'nodeAffinity',
  'podAffinity',
  'podAntiAffinity',
  'requiredDuringSchedulingIgnoredDuringExecution',
  'selector',
  'labelSelector',
  'namespaceSelector',
  'rollingUpdate',
  'securityContext',
  'dnsConfig',
  'livenessProbe',
  'readinessProbe',
  'startupProbe',
  'lifecycle',
  'seccompProfile',
  'appArmorProfile',
  'seLinuxOptions',
  'capabilities',
  'windowsOptions',
  'os',
  'valueFrom',
  'fieldRef',
  'resourceFieldRef',
  'configMapKeyRef',
  'secretKeyRef',
]);

/** Fields that are pointers to scalars: a zero value is set, not absent. */
const POINTER_SCALAR_FIELDS = new Set([
  'terminationGracePeriodSeconds',
  'activeDeadlineSeconds',
  'revisionHistoryLimit',
  'tolerationSeconds',
  'collisionCount',
  'restartPolicy', // a container's (a pod's restartPolicy is never empty after defaulting)
  'automountServiceAccountToken',
  'enableServiceLinks',
  'shareProcessNamespace',
  'setHostnameAsFQDN',
  'hostUsers',
  'priority',
  'runtimeClassName',
  'preemptionPolicy',
  'maxUnavailable',
  'maxSurge',
  'runAsUser',
  'runAsGroup',
  'runAsNonRoot',
  'privileged',
  'readOnlyRootFilesystem',
  'allowPrivilegeEscalation',
  'fsGroup',
]);

/** Map-valued fields: their entries are data, kept whatever their value. */
const MAP_FIELDS = new Set(['labels', 'annotations', 'nodeSelector', 'matchLabels', 'limits', 'requests']);

function canonicalJson(value: unknown): string {
  return JSON.stringify(semanticForm(value)) ?? 'null';
}

/** The value as semanticallyEqual sees it: sorted keys, and what Go cannot tell from absent left out. */
export function semanticForm(value: unknown): unknown {
  return normalize(value, undefined, false);
}

function isZero(value: unknown): boolean {
  return value === 0 || value === false || value === '';
}

/** `key`: the field this value sits in (undefined in a list); `inMap`: the value is a map entry. */
function normalize(value: unknown, key: string | undefined, inMap: boolean): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) {
    return value.length === 0 ? undefined : value.map((v) => normalize(v, undefined, false) ?? null);
  }
  if (typeof value === 'object') {
    const map = key !== undefined && MAP_FIELDS.has(key);
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = normalize((value as Record<string, unknown>)[k], k, map);
      if (v !== undefined) out[k] = v;
    }
    if (Object.keys(out).length > 0) return out;
    return key !== undefined && !inMap && POINTER_STRUCT_FIELDS.has(key) ? {} : undefined;
  }
  if (key !== undefined && !inMap && isZero(value) && !POINTER_SCALAR_FIELDS.has(key)) return undefined;
  return value;
}
