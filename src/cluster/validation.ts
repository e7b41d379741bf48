/**
 * Validation for the simulated API server: the apps/v1 DaemonSet rules in full, and the parts of
 * Pod, pod template, Node and ObjectMeta validation that matter to DaemonSet semantics.
 *
 * Rules, field paths and detail strings follow upstream (`pkg/apis/apps/validation`,
 * `pkg/apis/core/validation`, apimachinery's `api/validation`, `apis/meta/v1/validation` and
 * `util/validation`). Validators run on the object as it will be stored, after defaulting and the
 * registry's preparation (see defaults.ts), just as upstream validates after PrepareFor*.
 * Values are reported as wire JSON (the store's formatter renders them), where upstream prints Go
 * values: the field, the error type and the detail are the same.
 */
import type {
  DaemonSet,
  DaemonSetStatus,
  DaemonSetUpdateStrategy,
  RollingUpdateDaemonSet,
} from 'kubernetes-types/apps/v1.js';
import type {
  Affinity,
  Container,
  Node,
  NodeSelector,
  NodeSelectorRequirement,
  Pod,
  PodSpec,
  PodTemplateSpec,
  Taint,
  Toleration,
} from 'kubernetes-types/core/v1.js';
import type { LabelSelector, ObjectMeta, OwnerReference } from 'kubernetes-types/meta/v1.js';
import type { FieldError } from './apiError.js';
import { semanticallyEqual, templateGenerationOf } from './defaults.js';
import { compileLabelSelector } from './labels.js';

// --- field paths and errors (field.Path, field.Error) ----------------------------------------

/** `a.b` like field.Path.Child; the root path is ''. */
const child = (path: string, ...names: string[]): string => {
  // Field paths are built for every field of every write: a loop, not filter and join.
  let out = path;
  for (const name of names) if (name !== '') out = out === '' ? name : `${out}.${name}`;
  return out;
};
/** `a[3]` like field.Path.Index. */
const index = (path: string, i: number): string => `${path}[${i}]`;

const invalid = (field: string, value: unknown, detail: string): FieldError => ({
  field,
  type: 'Invalid',
  value,
  detail,
});
const required = (field: string, detail = ''): FieldError => ({ field, type: 'Required', detail });
const forbidden = (field: string, detail: string): FieldError => ({ field, type: 'Forbidden', detail });
const duplicate = (field: string, value: unknown, detail = ''): FieldError => ({
  field,
  type: 'Duplicate',
  value,
  detail,
});
const tooLong = (field: string, maxBytes: number): FieldError => ({
  field,
  type: 'TooLong',
  detail: `must have at most ${maxBytes} bytes`,
});
/** field.NotSupported: the detail lists the quoted supported values. */
const notSupported = (field: string, value: unknown, supported: readonly string[]): FieldError => ({
  field,
  type: 'NotSupported',
  value,
  detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
});

const FieldImmutableErrorMsg = 'field is immutable';
const IsNegativeErrorMsg = 'must be greater than or equal to 0';

// --- string formats (util/validation, api/validate/content) ----------------------------------

const utf8 = new TextEncoder();
const PRINTABLE_ASCII = /^[ -~]*$/;
/** Go's len(): bytes, not UTF-16 units (the same for printable ASCII, which names and label keys nearly always are). */
const byteLength = (s: string): number => (PRINTABLE_ASCII.test(s) ? s.length : utf8.encode(s).length);

const maxLenError = (n: number): string => `must be no more than ${n} characters`;
/** content.MaxLenError: label keys and values say bytes (which is what they count). */
const contentMaxLenError = (n: number): string => `must be no more than ${n} bytes`;
const emptyError = (): string => 'must be non-empty';
const inclusiveRangeError = (lo: number, hi: number): string => `must be between ${lo} and ${hi}, inclusive`;

/** RegexError: the message, examples and the regex, worded as upstream words them. */
function regexError(msg: string, format: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${format}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${format}')`;
}

const dns1123LabelFmt = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";

/**
 * IsDNS1123Subdomain. Names (util/validation) word a length error in characters; label-key
 * prefixes (api/validate/content, since 1.36) in bytes, hence `maxLen`.
 */
export function isDNS1123Subdomain(value: string, maxLen: (n: number) => string = maxLenError): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 253) errs.push(maxLen(253));
  if (!dns1123SubdomainRe.test(value))
    errs.push(regexError(dns1123SubdomainErrMsg, dns1123SubdomainFmt, 'example.com'));
  return errs;
}

/** IsDNS1123Label. */
export function isDNS1123Label(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(maxLenError(63));
  if (!dns1123LabelRe.test(value)) {
    // A valid subdomain that is not a valid label can only be failing on its dots.
    errs.push(
      dns1123SubdomainRe.test(value)
        ? 'must not contain dots'
        : regexError(dns1123LabelErrMsg, dns1123LabelFmt, 'my-name', '123-abc'),
    );
  }
  return errs;
}

const labelKeyFmt = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const labelKeyRe = new RegExp(`^${labelKeyFmt}$`);
const labelKeyErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueFmt = `(${labelKeyFmt})?`;
const labelValueRe = new RegExp(`^${labelValueFmt}$`);
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** IsQualifiedName (content.IsLabelKey): an optional DNS-subdomain prefix, '/', and a name (lengths in bytes). */
export function isQualifiedName(value: string): string[] {
  const errs: string[] = [];
  const parts = value.split('/');
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? '';
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix === '') errs.push(`prefix part ${emptyError()}`);
    else errs.push(...isDNS1123Subdomain(prefix, contentMaxLenError).map((m) => `prefix part ${m}`));
  } else {
    return [
      `a valid label key ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name === '') errs.push(`name part ${emptyError()}`);
  else if (byteLength(name) > 63) errs.push(`name part ${contentMaxLenError(63)}`);
  if (!labelKeyRe.test(name))
    errs.push(`name part ${regexError(labelKeyErrMsg, labelKeyFmt, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

/** IsValidLabelValue (content.IsLabelValue; lengths in bytes). */
export function isValidLabelValue(value: string): string[] {
  const errs: string[] = [];
  if (byteLength(value) > 63) errs.push(contentMaxLenError(63));
  if (!labelValueRe.test(value)) errs.push(regexError(labelValueErrMsg, labelValueFmt, 'MyValue', 'my_value', '12345'));
  return errs;
}

const percentFmt = '[0-9]+%';
const percentRe = new RegExp(`^${percentFmt}$`);

/** IsValidPercent. */
export function isValidPercent(value: string): string[] {
  if (percentRe.test(value)) return [];
  return [
    regexError("a valid percent string must be a numeric string followed by an ending '%'", percentFmt, '1%', '93%'),
  ];
}

/** NameIsDNSSubdomain; a generateName prefix may end in '-' (maskTrailingDash). */
export function nameIsDNSSubdomain(name: string, prefix: boolean): string[] {
  const masked = prefix && name.length > 1 && name.endsWith('-') ? `${name.slice(0, -2)}a` : name;
  return isDNS1123Subdomain(masked);
}

// --- generic field validators ------------------------------------------------------------------

/** ValidateNonnegativeField. */
export function validateNonnegativeField(value: number, path: string): FieldError[] {
  return value < 0 ? [invalid(path, value, IsNegativeErrorMsg)] : [];
}

/** ValidateImmutableField (semantic equality). */
export function validateImmutableField(newValue: unknown, oldValue: unknown, path: string): FieldError[] {
  return semanticallyEqual(newValue, oldValue) ? [] : [invalid(path, newValue, FieldImmutableErrorMsg)];
}

/** ValidateLabelName. */
export function validateLabelName(name: string, path: string): FieldError[] {
  return isQualifiedName(name).map((msg) => invalid(path, name, msg));
}

/** ValidateLabels: errors sit on the map's own path, not on the key. */
export function validateLabels(labels: Readonly<Record<string, string>> | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    errs.push(...validateLabelName(k, path));
    errs.push(...isValidLabelValue(v).map((msg) => invalid(path, v, msg)));
  }
  return errs;
}

const TotalAnnotationSizeLimitB = 256 * 1024;

/** ValidateAnnotations: keys are qualified names, case-insensitively; 256 KiB in total. */
export function validateAnnotations(
  annotations: Readonly<Record<string, string>> | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations ?? {})) {
    errs.push(...isQualifiedName(k.toLowerCase()).map((msg) => invalid(path, k, msg)));
    size += byteLength(k) + byteLength(v);
  }
  if (size > TotalAnnotationSizeLimitB) errs.push(tooLong(path, TotalAnnotationSizeLimitB));
  return errs;
}

/** ValidateOwnerReferences: each reference complete, at most one controller. */
function validateOwnerReferences(refs: readonly OwnerReference[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  let firstController = '';
  for (const ref of refs ?? []) {
    const version = (ref.apiVersion ?? '').split('/').pop() ?? '';
    if (version === '')
      errs.push(invalid(child(path, 'apiVersion'), ref.apiVersion ?? '', 'version must not be empty'));
    if (!ref.kind) errs.push(invalid(child(path, 'kind'), ref.kind ?? '', 'must not be empty'));
    if (!ref.name) errs.push(invalid(child(path, 'name'), ref.name ?? '', 'must not be empty'));
    if (!ref.uid) errs.push(invalid(child(path, 'uid'), ref.uid ?? '', 'must not be empty'));
    if (ref.controller === true) {
      const current = `${ref.kind}/${ref.name}`;
      if (firstController === '') firstController = current;
      else {
        errs.push(
          invalid(
            path,
            refs,
            `Only one reference can have Controller set to true. Found "true" in references for ${firstController} and ${current}`,
          ),
        );
      }
    }
  }
  return errs;
}

const StandardFinalizers = ['kubernetes', 'orphan', 'foregroundDeletion'];

/**
 * ValidateFinalizers (names, and orphan/foregroundDeletion are mutually exclusive), plus core's
 * validateKubeFinalizerName: a name without a '/' prefix must be one of the standard ones.
 */
function validateFinalizers(finalizers: readonly string[] | undefined, path: string): FieldError[] {
  const list = finalizers ?? [];
  const errs = list.flatMap((f) => isQualifiedName(f).map((msg) => invalid(path, f, msg)));
  for (const [i, f] of list.entries()) {
    if (!f.includes('/') && !StandardFinalizers.includes(f))
      errs.push(invalid(index(path, i), f, 'name is neither a standard finalizer name nor is it fully qualified'));
  }
  if (list.includes('orphan') && list.includes('foregroundDeletion')) {
    errs.push(invalid(path, list, 'finalizer orphan and foregroundDeletion cannot be both set'));
  }
  return errs;
}

type NameValidator = (name: string, prefix: boolean) => string[];

/** The parts of ObjectMeta validation common to create and update. */
function validateObjectMetaCommon(meta: ObjectMeta, path: string): FieldError[] {
  return [
    ...validateNonnegativeField(meta.generation ?? 0, child(path, 'generation')),
    ...validateLabels(meta.labels, child(path, 'labels')),
    ...validateAnnotations(meta.annotations, child(path, 'annotations')),
    ...validateOwnerReferences(meta.ownerReferences, child(path, 'ownerReferences')),
    ...validateFinalizers(meta.finalizers, child(path, 'finalizers')),
  ];
}

/** ValidateObjectMeta: name (and generateName) by `nameFn`, namespace, labels, annotations, references. */
export function validateObjectMeta(
  meta: ObjectMeta | undefined,
  requiresNamespace: boolean,
  nameFn: NameValidator,
  path = 'metadata',
): FieldError[] {
  const m = meta ?? {};
  const errs: FieldError[] = [];
  if (m.generateName) {
    errs.push(...nameFn(m.generateName, true).map((msg) => invalid(child(path, 'generateName'), m.generateName, msg)));
  }
  if (!m.name) errs.push(required(child(path, 'name'), 'name or generateName is required'));
  else errs.push(...nameFn(m.name, false).map((msg) => invalid(child(path, 'name'), m.name, msg)));
  if (requiresNamespace) {
    if (!m.namespace) errs.push(required(child(path, 'namespace')));
    else errs.push(...isDNS1123Label(m.namespace).map((msg) => invalid(child(path, 'namespace'), m.namespace, msg)));
  } else if (m.namespace) {
    errs.push(forbidden(child(path, 'namespace'), 'not allowed on this type'));
  }
  return [...errs, ...validateObjectMetaCommon(m, path)];
}

/**
 * ValidateObjectMetaUpdate, minus the checks the store already enforces by keeping server-owned
 * fields (name, namespace, uid, timestamps, generation) and refusing new finalizers on deletion.
 */
export function validateObjectMetaUpdate(meta: ObjectMeta | undefined, path = 'metadata'): FieldError[] {
  return validateObjectMetaCommon(meta ?? {}, path);
}

// --- label selectors (apis/meta/v1/validation) ---------------------------------------------------

/** ValidateLabelSelector, with label values checked strictly (AllowInvalidLabelValueInSelector off). */
export function validateLabelSelector(selector: LabelSelector | undefined, path: string): FieldError[] {
  if (selector == null) return [];
  const errs = validateLabels(selector.matchLabels, child(path, 'matchLabels'));
  for (const [i, req] of (selector.matchExpressions ?? []).entries()) {
    const reqPath = index(child(path, 'matchExpressions'), i);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0)
          errs.push(required(child(reqPath, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          errs.push(
            forbidden(child(reqPath, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
          );
        }
        break;
      default:
        errs.push(invalid(child(reqPath, 'operator'), req.operator ?? '', 'not a valid selector operator'));
    }
    errs.push(...validateLabelName(req.key ?? '', child(reqPath, 'key')));
    for (const [j, value] of values.entries()) {
      errs.push(...isValidLabelValue(value).map((msg) => invalid(index(child(reqPath, 'values'), j), value, msg)));
    }
  }
  return errs;
}

// --- pod spec (core/validation) --------------------------------------------------------------

const TaintEffects = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'] as const;

/** validateTaintEffect: one of the three effects; empty only where allowed (tolerations). */
function validateTaintEffect(effect: string, allowEmpty: boolean, path: string): FieldError[] {
  if (!allowEmpty && effect === '') return [required(path)];
  return (TaintEffects as readonly string[]).includes(effect) ? [] : [notSupported(path, effect, TaintEffects)];
}

/** ValidateTolerations. */
export function validateTolerations(tolerations: readonly Toleration[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  for (const [i, t] of (tolerations ?? []).entries()) {
    const p = index(path, i);
    const tKey = t.key ?? '';
    const operator = t.operator ?? '';
    const value = t.value ?? '';
    const effect = t.effect ?? '';
    if (tKey !== '') errs.push(...validateLabelName(tKey, child(p, 'key')));
    // An empty key with Exists is the "tolerate everything" wildcard; any other empty key is an error.
    if (tKey === '' && operator !== 'Exists') {
      errs.push(
        invalid(
          child(p, 'operator'),
          operator,
          'operator must be Exists when `key` is empty, which means "match all values and all keys"',
        ),
      );
    }
    if (t.tolerationSeconds != null && effect !== 'NoExecute') {
      errs.push(invalid(child(p, 'effect'), effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (operator) {
      case 'Equal':
      case '': {
        // Upstream reports a bad value on the operator's path.
        const msgs = isValidLabelValue(value);
        if (msgs.length > 0) errs.push(invalid(child(p, 'operator'), value, msgs.join(';')));
        break;
      }
      case 'Exists':
        if (value !== '')
          errs.push(invalid(child(p, 'operator'), t, "value must be empty when `operator` is 'Exists'"));
        break;
      case 'Lt':
      case 'Gt':
        // TaintTolerationComparisonOperators is alpha (off by default): the operators are named, then refused.
        errs.push(notSupported(child(p, 'operator'), operator, ['Equal', 'Exists', 'Lt', 'Gt']));
        break;
      default:
        errs.push(notSupported(child(p, 'operator'), operator, ['Equal', 'Exists']));
    }
    if (effect !== '') errs.push(...validateTaintEffect(effect, true, child(p, 'effect')));
  }
  return errs;
}

/**
 * ValidateNodeSelectorRequirement (label expressions). The values must be label values in a
 * required node affinity (`checkValues`), not in a preferred one; upstream lets an update keep
 * invalid values an older object already had, which never arises here (they were refused on create).
 */
function validateNodeSelectorRequirement(
  req: NodeSelectorRequirement,
  path: string,
  checkValues = false,
): FieldError[] {
  const errs: FieldError[] = [];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0)
        errs.push(required(child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) {
        errs.push(
          forbidden(child(path, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"),
        );
      }
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1) {
        errs.push(required(child(path, 'values'), "must be specified single value when `operator` is 'Lt' or 'Gt'"));
      }
      break;
    default:
      errs.push(invalid(child(path, 'operator'), req.operator ?? '', 'not a valid selector operator'));
  }
  errs.push(...validateLabelName(req.key ?? '', child(path, 'key')));
  if (checkValues) {
    for (const [i, value] of values.entries()) {
      errs.push(...isValidLabelValue(value).map((msg) => invalid(index(child(path, 'values'), i), value, msg)));
    }
  }
  return errs;
}

/** ValidateNodeFieldSelectorRequirement: only metadata.name, with exactly one value. */
function validateNodeFieldSelectorRequirement(req: NodeSelectorRequirement, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = req.values ?? [];
  if (req.operator === 'In' || req.operator === 'NotIn') {
    if (values.length !== 1) {
      errs.push(
        required(
          child(path, 'values'),
          "must be only one value when `operator` is 'In' or 'NotIn' for node field selector",
        ),
      );
    }
  } else {
    errs.push(invalid(child(path, 'operator'), req.operator ?? '', 'not a valid selector operator'));
  }
  if (req.key !== 'metadata.name')
    errs.push(invalid(child(path, 'key'), req.key ?? '', 'not a valid field selector key'));
  else {
    for (const [i, v] of values.entries()) {
      errs.push(...nameIsDNSSubdomain(v, false).map((msg) => invalid(index(child(path, 'values'), i), v, msg)));
    }
  }
  return errs;
}

/** ValidateNodeSelector: at least one term; each term's expressions and fields. */
function validateNodeSelector(selector: NodeSelector, path: string): FieldError[] {
  const termsPath = child(path, 'nodeSelectorTerms');
  const terms = selector.nodeSelectorTerms ?? [];
  if (terms.length === 0) return [required(termsPath, 'must have at least one node selector term')];
  return terms.flatMap((term, i) => [
    ...(term.matchExpressions ?? []).flatMap((r, j) =>
      validateNodeSelectorRequirement(r, index(child(index(termsPath, i), 'matchExpressions'), j), true),
    ),
    ...(term.matchFields ?? []).flatMap((r, j) =>
      validateNodeFieldSelectorRequirement(r, index(child(index(termsPath, i), 'matchFields'), j)),
    ),
  ]);
}

/** validateAffinity, node affinity only: the part the DaemonSet controller evaluates. */
function validateAffinity(affinity: Affinity | undefined, path: string): FieldError[] {
  const nodeAffinity = affinity?.nodeAffinity;
  if (nodeAffinity == null) return [];
  const p = child(path, 'nodeAffinity');
  const errs: FieldError[] = [];
  const requiredTerms = nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  if (requiredTerms != null)
    errs.push(...validateNodeSelector(requiredTerms, child(p, 'requiredDuringSchedulingIgnoredDuringExecution')));
  for (const [i, term] of (nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution ?? []).entries()) {
    const termPath = index(child(p, 'preferredDuringSchedulingIgnoredDuringExecution'), i);
    if (term.weight <= 0 || term.weight > 100)
      errs.push(invalid(child(termPath, 'weight'), term.weight, 'must be in the range 1-100'));
    const preference = term.preference ?? {};
    const prefPath = child(termPath, 'preference');
    errs.push(
      ...(preference.matchExpressions ?? []).flatMap((r, j) =>
        validateNodeSelectorRequirement(r, index(child(prefPath, 'matchExpressions'), j)),
      ),
      ...(preference.matchFields ?? []).flatMap((r, j) =>
        validateNodeFieldSelectorRequirement(r, index(child(prefPath, 'matchFields'), j)),
      ),
    );
  }
  return errs;
}

const PullPolicies = ['Always', 'IfNotPresent', 'Never'] as const;
const TerminationMessagePolicies = ['File', 'FallbackToLogsOnError'] as const;

/** validateContainerCommon: name, image, termination message policy, pull policy. */
function validateContainerCommon(container: Container, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const namePath = child(path, 'name');
  if (!container.name) errs.push(required(namePath));
  else errs.push(...isDNS1123Label(container.name).map((msg) => invalid(namePath, container.name, msg)));
  if (!container.image) errs.push(required(child(path, 'image')));
  const policy = container.terminationMessagePolicy ?? '';
  if (policy === '') errs.push(required(child(path, 'terminationMessagePolicy')));
  else if (!(TerminationMessagePolicies as readonly string[]).includes(policy)) {
    errs.push(notSupported(child(path, 'terminationMessagePolicy'), policy, TerminationMessagePolicies));
  }
  const pull = container.imagePullPolicy ?? '';
  if (pull === '') errs.push(required(child(path, 'imagePullPolicy')));
  else if (!(PullPolicies as readonly string[]).includes(pull)) {
    errs.push(notSupported(child(path, 'imagePullPolicy'), pull, PullPolicies));
  }
  errs.push(...validateContainerPorts(container, path));
  return errs;
}

/**
 * validateContainerRestartPolicy, as ContainerRestartRules (beta, on by default since 1.35) has
 * it: a container's restartPolicy, where set, is one of Always, Never and OnFailure.
 */
const ContainerRestartPolicies = ['Always', 'Never', 'OnFailure'] as const;
function validateContainerRestartPolicy(container: Container, path: string): FieldError[] {
  const policy = container.restartPolicy;
  if (policy == null || (ContainerRestartPolicies as readonly string[]).includes(policy)) return [];
  return [notSupported(child(path, 'restartPolicy'), policy, ContainerRestartPolicies)];
}

const PortProtocols = ['SCTP', 'TCP', 'UDP'] as const;

/** IsValidPortName: an IANA service name. */
function isValidPortName(name: string): string[] {
  const errs: string[] = [];
  if (byteLength(name) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(name)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(name)) errs.push('must contain at least one letter (a-z)');
  if (name.includes('--')) errs.push('must not contain consecutive hyphens');
  if (name.startsWith('-') || name.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

const portNumberError = (n: number): string[] => (n >= 1 && n <= 65535 ? [] : [inclusiveRangeError(1, 65535)]);

/** validateContainerPorts: names valid and unique in the container, port numbers in range, a known protocol. */
function validateContainerPorts(container: Container, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [i, port] of (container.ports ?? []).entries()) {
    const p = index(child(path, 'ports'), i);
    const name = port.name ?? '';
    if (name !== '') {
      const msgs = isValidPortName(name);
      if (msgs.length > 0) errs.push(...msgs.map((m) => invalid(child(p, 'name'), name, m)));
      else if (names.has(name)) errs.push(duplicate(child(p, 'name'), name));
      else names.add(name);
    }
    if (!port.containerPort) errs.push(required(child(p, 'containerPort')));
    else
      errs.push(
        ...portNumberError(port.containerPort).map((m) => invalid(child(p, 'containerPort'), port.containerPort, m)),
      );
    if (port.hostPort)
      errs.push(...portNumberError(port.hostPort).map((m) => invalid(child(p, 'hostPort'), port.hostPort, m)));
    const protocol = port.protocol ?? '';
    if (protocol === '') errs.push(required(child(p, 'protocol')));
    else if (!(PortProtocols as readonly string[]).includes(protocol))
      errs.push(notSupported(child(p, 'protocol'), protocol, PortProtocols));
  }
  return errs;
}

/** checkHostPortConflicts: a protocol/hostIP/hostPort is used once in a list of containers. */
function checkHostPortConflicts(containers: readonly Container[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const [i, container] of containers.entries()) {
    for (const [j, port] of (container.ports ?? []).entries()) {
      if (!port.hostPort) continue;
      const key = `${port.protocol ?? ''}/${port.hostIP ?? ''}/${port.hostPort}`;
      if (seen.has(key)) errs.push(duplicate(child(index(child(index(path, i), 'ports'), j), 'hostPort'), key));
      else seen.add(key);
    }
  }
  return errs;
}

/** validateContainers: at least one; names unique; ports; a restartPolicy where set is a known one. */
function validateContainers(containers: readonly Container[] | undefined, path: string): FieldError[] {
  const list = containers ?? [];
  if (list.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  for (const [i, container] of list.entries()) {
    const p = index(path, i);
    errs.push(...validateContainerCommon(container, p));
    if (names.has(container.name ?? '')) errs.push(duplicate(child(p, 'name'), container.name ?? ''));
    else names.add(container.name ?? '');
    errs.push(...validateContainerRestartPolicy(container, p));
  }
  return [...errs, ...checkHostPortConflicts(list, path)];
}

/** validateInitContainers: common checks, names unique across both lists, ports, a known restartPolicy. */
function validateInitContainers(
  containers: readonly Container[] | undefined,
  regular: readonly Container[] | undefined,
  path: string,
): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set((regular ?? []).map((c) => c.name ?? ''));
  for (const [i, container] of (containers ?? []).entries()) {
    const p = index(path, i);
    errs.push(...validateContainerCommon(container, p));
    errs.push(...validateContainerRestartPolicy(container, p));
    if (names.has(container.name ?? '')) errs.push(duplicate(child(p, 'name'), container.name ?? ''));
    else if (container.name) names.add(container.name);
  }
  return [...errs, ...checkHostPortConflicts(containers ?? [], path)];
}

const RestartPolicies = ['Always', 'OnFailure', 'Never'] as const;
const DNSPolicies = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'] as const;
const MaxInt32 = 2147483647;

/** Required-or-one-of, as validateRestartPolicy and validateDNSPolicy do it. */
function validateEnum(value: string | undefined, allowed: readonly string[], path: string): FieldError[] {
  const v = value ?? '';
  if (v === '') return [required(path)];
  return allowed.includes(v) ? [] : [notSupported(path, v, allowed)];
}

/**
 * validatePodHostNetworkDeps: with hostNetwork, a container's hostPort is its containerPort (in a
 * pod template 0 is allowed too: the pod's defaulting fills it in).
 */
function validatePodHostNetworkDeps(spec: PodSpec, path: string, resourceIsPod: boolean): FieldError[] {
  if (!spec.hostNetwork) return [];
  return (spec.containers ?? []).flatMap((container, i) =>
    (container.ports ?? []).flatMap((port, j) => {
      const hostPort = port.hostPort ?? 0;
      if ((!resourceIsPod && hostPort === 0) || hostPort === port.containerPort) return [];
      return [
        invalid(
          child(index(child(index(child(path, 'containers'), i), 'ports'), j), 'hostPort'),
          hostPort,
          'must match `containerPort` when `hostNetwork` is true',
        ),
      ];
    }),
  );
}

/** ValidatePodSpec, the parts that matter here (volumes, probes, security contexts are not modelled). */
export function validatePodSpec(spec: PodSpec | undefined, path: string, resourceIsPod = false): FieldError[] {
  const s = spec ?? ({} as PodSpec);
  const errs: FieldError[] = [];
  if (s.terminationGracePeriodSeconds == null) errs.push(required(child(path, 'terminationGracePeriodSeconds')));
  errs.push(...validateContainers(s.containers, child(path, 'containers')));
  errs.push(...validateInitContainers(s.initContainers, s.containers, child(path, 'initContainers')));
  errs.push(...validateEnum(s.restartPolicy, RestartPolicies, child(path, 'restartPolicy')));
  errs.push(...validateEnum(s.dnsPolicy, DNSPolicies, child(path, 'dnsPolicy')));
  // validatePodDNSConfig, its first rule: dnsPolicy None needs a dnsConfig (its contents are not modelled).
  if (s.dnsPolicy === 'None' && s.dnsConfig == null)
    errs.push(required(child(path, 'dnsConfig'), 'must provide `dnsConfig` when `dnsPolicy` is None'));
  errs.push(...validatePodHostNetworkDeps(s, path, resourceIsPod));
  errs.push(...validateLabels(s.nodeSelector, child(path, 'nodeSelector')));
  errs.push(...validateAffinity(s.affinity, child(path, 'affinity')));
  if (s.nodeName)
    errs.push(...nameIsDNSSubdomain(s.nodeName, false).map((msg) => invalid(child(path, 'nodeName'), s.nodeName, msg)));
  const deadline = s.activeDeadlineSeconds;
  if (deadline != null && (deadline < 1 || deadline > MaxInt32)) {
    errs.push(invalid(child(path, 'activeDeadlineSeconds'), deadline, inclusiveRangeError(1, MaxInt32)));
  }
  errs.push(...validateTolerations(s.tolerations, child(path, 'tolerations')));
  return errs;
}

/** ValidatePodTemplateSpec: note upstream reports template labels at `<path>.labels`, not `.metadata.labels`. */
export function validatePodTemplateSpec(template: PodTemplateSpec | undefined, path: string): FieldError[] {
  const t = template ?? {};
  const errs = [
    ...validateLabels(t.metadata?.labels, child(path, 'labels')),
    ...validateAnnotations(t.metadata?.annotations, child(path, 'annotations')),
    ...validatePodSpec(t.spec, child(path, 'spec')),
  ];
  if ((t.spec?.ephemeralContainers ?? []).length > 0) {
    errs.push(
      forbidden(child(path, 'spec', 'ephemeralContainers'), 'ephemeral containers not allowed in pod template'),
    );
  }
  return errs;
}

// --- Pod -----------------------------------------------------------------------------------------

/** Image names may not carry surrounding whitespace in a real pod (validateContainersOnlyForPod). */
function validateContainersOnlyForPod(containers: readonly Container[] | undefined, path: string): FieldError[] {
  return (containers ?? []).flatMap((c, i) =>
    (c.image ?? '') !== (c.image ?? '').trim()
      ? [invalid(child(index(path, i), 'image'), c.image, 'must not have leading or trailing whitespace')]
      : [],
  );
}

/** validatePodMetadataAndSpec: what ValidatePodCreate checks, in the parts modelled here. */
export function validatePod(pod: Pod): FieldError[] {
  return [
    ...validateObjectMeta(pod.metadata, true, nameIsDNSSubdomain),
    ...validatePodSpec(pod.spec, 'spec', true),
    ...validateContainersOnlyForPod(pod.spec?.containers, 'spec.containers'),
    ...validateContainersOnlyForPod(pod.spec?.initContainers, 'spec.initContainers'),
  ];
}

/**
 * Pod update: the new pod must still be valid. Upstream also freezes most of the pod spec; that is
 * not enforced here because simulated components bind pods by updating spec.nodeName.
 */
export function validatePodUpdate(pod: Pod): FieldError[] {
  return [
    ...validateObjectMetaUpdate(pod.metadata),
    ...validatePodSpec(pod.spec, 'spec', true),
    ...validateContainersOnlyForPod(pod.spec?.containers, 'spec.containers'),
    ...validateContainersOnlyForPod(pod.spec?.initContainers, 'spec.initContainers'),
  ];
}

// --- Node ----------------------------------------------------------------------------------------

/**
 * validateNodeTaints: key a qualified name, value a label value, effect required and known, and
 * (key, effect) unique. Upstream passes `metadata.taints` as the path, so errors read that way.
 */
export function validateNodeTaints(taints: readonly Taint[] | undefined, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const seen = new Set<string>();
  for (const [i, taint] of (taints ?? []).entries()) {
    const p = index(path, i);
    errs.push(...validateLabelName(taint.key ?? '', child(p, 'key')));
    const valueErrs = isValidLabelValue(taint.value ?? '');
    if (valueErrs.length > 0) errs.push(invalid(child(p, 'value'), taint.value ?? '', valueErrs.join(';')));
    errs.push(...validateTaintEffect(taint.effect ?? '', false, child(p, 'effect')));
    const id = JSON.stringify([taint.effect ?? '', taint.key ?? '']);
    if (seen.has(id)) {
      errs.push(duplicate(p, taint, 'taints must be unique by key and effect pair'));
      continue;
    }
    seen.add(id);
  }
  return errs;
}

/** ValidateNode: metadata (name a DNS subdomain, no namespace) and taints. */
export function validateNode(node: Node): FieldError[] {
  return [
    ...validateObjectMeta(node.metadata, false, nameIsDNSSubdomain),
    ...validateNodeTaints(node.spec?.taints, 'metadata.taints'),
  ];
}

/** ValidateNodeUpdate: metadata and taints (status may change freely). */
export function validateNodeUpdate(node: Node): FieldError[] {
  return [...validateObjectMetaUpdate(node.metadata), ...validateNodeTaints(node.spec?.taints, 'metadata.taints')];
}

// --- DaemonSet (apps/validation) ---------------------------------------------------------------

type IntOrString = number | string;

/** strconv.Atoi for the IntOrString fallbacks: a failed parse reads as 0. */
function atoi(s: string): number {
  return /^[+-]?[0-9]+$/.test(s) ? Number.parseInt(s, 10) : 0;
}

/** getPercentValue: the number in a well-formed "<digits>%", or undefined. */
function percentValue(value: IntOrString | undefined): number | undefined {
  if (typeof value !== 'string' || isValidPercent(value).length > 0) return undefined;
  return atoi(value.slice(0, -1));
}

/** getIntOrPercentValue: a percent's number, an int as is, any other string via Atoi. */
function intOrPercentValue(value: IntOrString | undefined): number {
  const percent = percentValue(value);
  if (percent !== undefined) return percent;
  if (typeof value === 'number') return value;
  return typeof value === 'string' ? atoi(value) : 0;
}

/** ValidatePositiveIntOrPercent: an int ≥ 0 or a "<digits>%" string. */
export function validatePositiveIntOrPercent(value: IntOrString | undefined, path: string): FieldError[] {
  const v = value ?? 0; // a nil IntOrString converts to the int 0
  if (typeof v === 'string') return isValidPercent(v).map((msg) => invalid(path, v, msg));
  if (Number.isInteger(v)) return validateNonnegativeField(v, path);
  return [invalid(path, v, "must be an integer or percentage (e.g '5%%')")];
}

/** IsNotMoreThan100Percent. */
export function isNotMoreThan100Percent(value: IntOrString | undefined, path: string): FieldError[] {
  const percent = percentValue(value);
  return percent !== undefined && percent > 100 ? [invalid(path, value, 'must not be greater than 100%')] : [];
}

/** ValidateRollingUpdateDaemonSet: both well-formed, ≤ 100%, exactly one of them non-zero. */
export function validateRollingUpdateDaemonSet(rollingUpdate: RollingUpdateDaemonSet, path: string): FieldError[] {
  const { maxUnavailable, maxSurge } = rollingUpdate;
  const errs = [
    ...validatePositiveIntOrPercent(maxUnavailable, child(path, 'maxUnavailable')),
    ...validatePositiveIntOrPercent(maxSurge, child(path, 'maxSurge')),
    ...isNotMoreThan100Percent(maxUnavailable, child(path, 'maxUnavailable')),
    ...isNotMoreThan100Percent(maxSurge, child(path, 'maxSurge')),
  ];
  const hasUnavailable = intOrPercentValue(maxUnavailable) !== 0;
  const hasSurge = intOrPercentValue(maxSurge) !== 0;
  if (hasUnavailable && hasSurge) {
    errs.push(invalid(child(path, 'maxSurge'), maxSurge ?? 0, 'may not be set when maxUnavailable is non-zero'));
  } else if (!hasUnavailable && !hasSurge) {
    errs.push(required(child(path, 'maxUnavailable'), 'cannot be 0 when maxSurge is 0'));
  }
  return errs;
}

/** ValidateDaemonSetUpdateStrategy. */
export function validateDaemonSetUpdateStrategy(
  strategy: DaemonSetUpdateStrategy | undefined,
  path: string,
): FieldError[] {
  const s = strategy ?? {};
  switch (s.type) {
    case 'OnDelete':
      return [];
    case 'RollingUpdate':
      if (s.rollingUpdate == null) return [required(child(path, 'rollingUpdate'))];
      return validateRollingUpdateDaemonSet(s.rollingUpdate, child(path, 'rollingUpdate'));
    default:
      return [notSupported(path, s, ['RollingUpdate', 'OnDelete'])];
  }
}

/** ValidateDaemonSetSpec (the template generation is read from its apps/v1 annotation). */
export function validateDaemonSetSpec(ds: DaemonSet, path = 'spec'): FieldError[] {
  const spec = ds.spec;
  const selector = spec?.selector;
  const templateLabels = spec?.template?.metadata?.labels;
  const selectorErrs = validateLabelSelector(selector, child(path, 'selector'));
  const errs = [...selectorErrs];
  // An unparseable selector is only reported as such; a nil selector selects nothing, so it fails here.
  const compiled = compileLabelSelector(selector);
  if (selectorErrs.length === 0 && compiled.ok && !compiled.matches(templateLabels)) {
    errs.push(
      invalid(
        child(path, 'template', 'metadata', 'labels'),
        templateLabels,
        '`selector` does not match template `labels`',
      ),
    );
  }
  if (
    selector != null &&
    Object.keys(selector.matchLabels ?? {}).length + (selector.matchExpressions ?? []).length === 0
  ) {
    errs.push(invalid(child(path, 'selector'), selector, 'empty selector is invalid for daemonset'));
  }
  errs.push(...validatePodTemplateSpec(spec?.template, child(path, 'template')));
  const templateSpec = spec?.template?.spec;
  const restartPolicy = templateSpec?.restartPolicy ?? '';
  if (restartPolicy !== 'Always') {
    errs.push(notSupported(child(path, 'template', 'spec', 'restartPolicy'), restartPolicy, ['Always']));
  }
  if (templateSpec?.activeDeadlineSeconds != null) {
    errs.push(
      forbidden(
        child(path, 'template', 'spec', 'activeDeadlineSeconds'),
        'activeDeadlineSeconds in DaemonSet is not Supported',
      ),
    );
  }
  errs.push(...validateNonnegativeField(spec?.minReadySeconds ?? 0, child(path, 'minReadySeconds')));
  errs.push(...validateNonnegativeField(Number(templateGenerationOf(ds)), child(path, 'templateGeneration')));
  errs.push(...validateDaemonSetUpdateStrategy(spec?.updateStrategy, child(path, 'updateStrategy')));
  if (spec?.revisionHistoryLimit != null) {
    errs.push(...validateNonnegativeField(spec.revisionHistoryLimit, child(path, 'revisionHistoryLimit')));
  }
  return errs;
}

/** ValidateDaemonSet: metadata (name a DNS subdomain) and spec. */
export function validateDaemonSet(ds: DaemonSet): FieldError[] {
  return [...validateObjectMeta(ds.metadata, true, nameIsDNSSubdomain), ...validateDaemonSetSpec(ds)];
}

/** ValidateDaemonSetSpecUpdate: the template generation never decreases and moves exactly with the template. */
export function validateDaemonSetSpecUpdate(ds: DaemonSet, old: DaemonSet, path = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  const generation = templateGenerationOf(ds);
  const oldGeneration = templateGenerationOf(old);
  const p = child(path, 'templateGeneration');
  if (generation < oldGeneration) errs.push(invalid(p, Number(generation), 'must not be decremented'));
  const templateUpdated = !semanticallyEqual(ds.spec?.template, old.spec?.template);
  if (generation === oldGeneration && templateUpdated) {
    errs.push(invalid(p, Number(generation), 'must be incremented upon template update'));
  } else if (generation > oldGeneration && !templateUpdated) {
    errs.push(invalid(p, Number(generation), 'must not be incremented without template update'));
  }
  return errs;
}

/**
 * daemonSetStrategy.ValidateUpdate: the whole object again, the update rules, and (apps/v1) an
 * immutable selector.
 */
export function validateDaemonSetUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  return [
    ...validateDaemonSet(ds),
    ...validateObjectMetaUpdate(ds.metadata),
    ...validateDaemonSetSpecUpdate(ds, old),
    ...validateImmutableField(ds.spec?.selector, old.spec?.selector, 'spec.selector'),
  ];
}

/** validateDaemonSetStatus: every counter non-negative. */
export function validateDaemonSetStatus(status: DaemonSetStatus | undefined, path = 'status'): FieldError[] {
  const s = status;
  const counters: [keyof DaemonSetStatus, number | undefined][] = [
    ['currentNumberScheduled', s?.currentNumberScheduled],
    ['numberMisscheduled', s?.numberMisscheduled],
    ['desiredNumberScheduled', s?.desiredNumberScheduled],
    ['numberReady', s?.numberReady],
    ['observedGeneration', s?.observedGeneration],
    ['updatedNumberScheduled', s?.updatedNumberScheduled],
    ['numberAvailable', s?.numberAvailable],
    ['numberUnavailable', s?.numberUnavailable],
  ];
  const errs = counters.flatMap(([name, value]) => validateNonnegativeField(value ?? 0, child(path, name)));
  if (s?.collisionCount != null)
    errs.push(...validateNonnegativeField(s.collisionCount, child(path, 'collisionCount')));
  return errs;
}

/** ValidateDaemonSetStatusUpdate: valid counters, and collisionCount never goes down (nor away). */
export function validateDaemonSetStatusUpdate(ds: DaemonSet, old: DaemonSet): FieldError[] {
  const errs = [...validateObjectMetaUpdate(ds.metadata), ...validateDaemonSetStatus(ds.status)];
  const next = ds.status?.collisionCount;
  const prev = old.status?.collisionCount;
  if (prev != null && (next == null || next < prev)) {
    errs.push(invalid('status.collisionCount', next ?? 0, 'cannot be decremented'));
  }
  return errs;
}
