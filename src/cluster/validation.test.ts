/**
 * DaemonSet, pod template, Pod and Node validation, exercised through a real ObjectStore so that
 * each rule is checked by the exact message the API server would return. Rules that upstream's
 * registry makes unreachable (its own preparation always satisfies them) are exercised through a
 * store that validates without defaulting.
 */
import type { DaemonSet, DaemonSetSpec, DaemonSetStatus } from 'kubernetes-types/apps/v1.js';
import type { Node, Pod, PodSpec, Taint, Toleration } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { describe, expect, it } from 'vitest';
import { kubernetesAdmission } from './admission.js';
import { isApiError } from './apiError.js';
import { VirtualClock } from './clock.js';
import { deepCopy, TemplateGenerationAnnotation } from './objects.js';
import { type Admission, ObjectStore } from './store.js';

// --- upstream wording, spelled out independently of the implementation ----------------------------

const DNS_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const LABEL_NAME_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const PERCENT_MSG =
  "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')";

// --- fixtures -------------------------------------------------------------------------------------

const newStore = (): ObjectStore => new ObjectStore(new VirtualClock(), kubernetesAdmission);

/** A store that validates but neither defaults nor prepares: reaches rules the registry pre-empts. */
function validatingOnlyStore(): ObjectStore {
  const { defaultOnCreate: _create, defaultOnUpdate: _update, ...validateOnly }: Admission = kubernetesAdmission;
  return new ObjectStore(new VirtualClock(), validateOnly);
}

/** The message of the ApiError `action` throws; fails the test if it does not throw one. */
function rejection(action: () => unknown): string {
  try {
    action();
  } catch (e) {
    if (isApiError(e)) return e.message;
    throw e;
  }
  throw new Error('expected the request to be rejected');
}

interface DaemonSetOptions {
  metadata?: Partial<ObjectMeta>;
  spec?: Partial<DaemonSetSpec>;
  pod?: Partial<PodSpec>;
  templateLabels?: Record<string, string>;
}

/** A minimal valid DaemonSet (selector app=agent), with optional overrides. */
function daemonSet(name: string, options: DaemonSetOptions = {}): DaemonSet {
  return {
    metadata: { name, ...options.metadata },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: options.templateLabels ?? { app: 'agent' } },
        spec: { containers: [{ name: 'agent', image: 'registry.example/agent:1.0' }], ...options.pod },
      },
      ...options.spec,
    },
  };
}

/** The DaemonSet as the real API server stores it: fully defaulted, so valid without defaulting. */
function storedDaemonSet(name: string, options: DaemonSetOptions = {}): DaemonSet {
  const stored = deepCopy(newStore().create('DaemonSet', daemonSet(name, options)));
  const meta = stored.metadata as ObjectMeta & { uid?: string; resourceVersion?: string };
  delete meta.uid;
  delete meta.resourceVersion;
  return stored;
}

function withStatus(ds: DaemonSet, status: DaemonSetStatus): DaemonSet {
  return { ...ds, status };
}

const counters = (extra: Partial<DaemonSetStatus> = {}): DaemonSetStatus => ({
  currentNumberScheduled: 0,
  numberMisscheduled: 0,
  desiredNumberScheduled: 0,
  numberReady: 0,
  ...extra,
});

function withTolerations(name: string, tolerations: Toleration[]): DaemonSet {
  return daemonSet(name, { pod: { tolerations } });
}

function node(name: string, taints: Taint[] = []): Node {
  return { metadata: { name }, spec: { taints } };
}

function pod(name: string, spec: Partial<PodSpec> = {}): Pod {
  return { metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec } };
}

// --- DaemonSet create -------------------------------------------------------------------------------

describe('DaemonSet metadata', () => {
  it('accepts a DNS-1123 subdomain name', () => {
    expect(newStore().create('DaemonSet', daemonSet('node-agent.v2')).metadata?.name).toBe('node-agent.v2');
  });

  it('rejects a name that is not a DNS-1123 subdomain', () => {
    expect(rejection(() => newStore().create('DaemonSet', daemonSet('Node_Agent')))).toBe(
      `DaemonSet.apps "Node_Agent" is invalid: metadata.name: Invalid value: "Node_Agent": ${DNS_SUBDOMAIN_MSG}`,
    );
  });

  it('rejects a name longer than 253 characters', () => {
    const name = 'a'.repeat(254);
    expect(rejection(() => newStore().create('DaemonSet', daemonSet(name)))).toBe(
      `DaemonSet.apps "${name}" is invalid: metadata.name: Invalid value: "${name}": must be no more than 253 characters`,
    );
  });

  it('validates metadata labels and annotations', () => {
    const store = newStore();
    expect(
      store.create('DaemonSet', daemonSet('ok', { metadata: { labels: { 'example.com/tier': 'node' } } })),
    ).toBeDefined();
    expect(
      rejection(() => store.create('DaemonSet', daemonSet('bad', { metadata: { labels: { tier: 'no spaces' } } }))),
    ).toBe(`DaemonSet.apps "bad" is invalid: metadata.labels: Invalid value: "no spaces": ${LABEL_VALUE_MSG}`);
    expect(
      rejection(() => store.create('DaemonSet', daemonSet('bad', { metadata: { annotations: { 'a b': 'x' } } }))),
    ).toBe(`DaemonSet.apps "bad" is invalid: metadata.annotations: Invalid value: "a b": ${LABEL_NAME_MSG}`);
  });

  it('allows at most one controller owner reference', () => {
    const ref = { apiVersion: 'v1', kind: 'Thing', uid: 'u', controller: true };
    const refs = [
      { ...ref, name: 'a' },
      { ...ref, name: 'b' },
    ];
    expect(
      rejection(() => newStore().create('DaemonSet', daemonSet('owned', { metadata: { ownerReferences: refs } }))),
    ).toBe(
      `DaemonSet.apps "owned" is invalid: metadata.ownerReferences: Invalid value: ${JSON.stringify(refs)}: Only one reference can have Controller set to true. Found "true" in references for Thing/a and Thing/b`,
    );
  });
});

describe('DaemonSet selector', () => {
  it('accepts a selector that matches the template labels, by labels or by expressions', () => {
    const store = newStore();
    expect(store.create('DaemonSet', daemonSet('by-labels'))).toBeDefined();
    const byExpression = daemonSet('by-expression', {
      spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['agent', 'other'] }] } },
    });
    expect(store.create('DaemonSet', byExpression)).toBeDefined();
  });

  it('rejects a missing selector, which selects nothing', () => {
    const ds = daemonSet('no-selector');
    delete (ds.spec as Partial<DaemonSetSpec>).selector;
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "no-selector" is invalid: spec.template.metadata.labels: Invalid value: {"app":"agent"}: `selector` does not match template `labels`',
    );
  });

  it('rejects a selector that does not match the template labels', () => {
    const ds = daemonSet('mismatch', { templateLabels: { app: 'other' } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "mismatch" is invalid: spec.template.metadata.labels: Invalid value: {"app":"other"}: `selector` does not match template `labels`',
    );
  });

  it('rejects an empty selector', () => {
    const ds = daemonSet('select-all', { spec: { selector: {} } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "select-all" is invalid: spec.selector: Invalid value: {}: empty selector is invalid for daemonset',
    );
  });

  it('rejects an unknown operator (and then skips the template match)', () => {
    const ds = daemonSet('bad-op', { spec: { selector: { matchExpressions: [{ key: 'app', operator: 'Equals' }] } } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "bad-op" is invalid: spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator',
    );
  });

  it('requires values for In and NotIn', () => {
    const ds = daemonSet('no-values', {
      spec: { selector: { matchExpressions: [{ key: 'app', operator: 'NotIn', values: [] }] } },
    });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      "DaemonSet.apps \"no-values\" is invalid: spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
    );
  });

  it('forbids values for Exists and DoesNotExist', () => {
    const ds = daemonSet('values', {
      spec: { selector: { matchExpressions: [{ key: 'app', operator: 'Exists', values: ['agent'] }] } },
    });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      "DaemonSet.apps \"values\" is invalid: spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
    );
  });

  it('rejects invalid label keys and values in the selector', () => {
    const badKey = daemonSet('bad-key', { spec: { selector: { matchLabels: { 'app!': 'agent' } } } });
    expect(rejection(() => newStore().create('DaemonSet', badKey))).toBe(
      `DaemonSet.apps "bad-key" is invalid: spec.selector.matchLabels: Invalid value: "app!": ${LABEL_NAME_MSG}`,
    );
    const badValue = daemonSet('bad-value', {
      spec: { selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['agent', '-x'] }] } },
    });
    expect(rejection(() => newStore().create('DaemonSet', badValue))).toBe(
      `DaemonSet.apps "bad-value" is invalid: spec.selector.matchExpressions[0].values[1]: Invalid value: "-x": ${LABEL_VALUE_MSG}`,
    );
  });
});

describe('DaemonSet pod template', () => {
  it('requires containers', () => {
    const ds = daemonSet('empty', { pod: { containers: [] } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "empty" is invalid: spec.template.spec.containers: Required value',
    );
  });

  it('requires container names and images', () => {
    const ds = daemonSet('anonymous', { pod: { containers: [{ name: '' }] } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "anonymous" is invalid: [spec.template.spec.containers[0].name: Required value, spec.template.spec.containers[0].image: Required value]',
    );
  });

  it('requires container names to be unique DNS-1123 labels', () => {
    const badName = daemonSet('bad-name', { pod: { containers: [{ name: 'Agent', image: 'a' }] } });
    expect(rejection(() => newStore().create('DaemonSet', badName))).toBe(
      `DaemonSet.apps "bad-name" is invalid: spec.template.spec.containers[0].name: Invalid value: "Agent": ${DNS_LABEL_MSG}`,
    );
    const twice = daemonSet('twice', {
      pod: {
        containers: [
          { name: 'agent', image: 'a' },
          { name: 'agent', image: 'b' },
        ],
      },
    });
    expect(rejection(() => newStore().create('DaemonSet', twice))).toBe(
      'DaemonSet.apps "twice" is invalid: spec.template.spec.containers[1].name: Duplicate value: "agent"',
    );
  });

  it('reports invalid template labels at spec.template.labels, as upstream does', () => {
    const ds = daemonSet('labels', { templateLabels: { app: 'agent', 'bad key': 'x' } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      `DaemonSet.apps "labels" is invalid: spec.template.labels: Invalid value: "bad key": ${LABEL_NAME_MSG}`,
    );
  });

  it('accepts restartPolicy Always and rejects any other', () => {
    const store = newStore();
    expect(store.create('DaemonSet', daemonSet('always', { pod: { restartPolicy: 'Always' } }))).toBeDefined();
    expect(rejection(() => store.create('DaemonSet', daemonSet('never', { pod: { restartPolicy: 'Never' } })))).toBe(
      'DaemonSet.apps "never" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"',
    );
    expect(
      rejection(() => store.create('DaemonSet', daemonSet('weird', { pod: { restartPolicy: 'Sometimes' } }))),
    ).toBe(
      'DaemonSet.apps "weird" is invalid: [spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never", spec.template.spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always"]',
    );
  });

  it('forbids activeDeadlineSeconds', () => {
    const store = newStore();
    expect(
      rejection(() => store.create('DaemonSet', daemonSet('deadline', { pod: { activeDeadlineSeconds: 60 } }))),
    ).toBe(
      'DaemonSet.apps "deadline" is invalid: spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported',
    );
    expect(rejection(() => store.create('DaemonSet', daemonSet('zero', { pod: { activeDeadlineSeconds: 0 } })))).toBe(
      'DaemonSet.apps "zero" is invalid: [spec.template.spec.activeDeadlineSeconds: Invalid value: 0: must be between 1 and 2147483647, inclusive, spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in DaemonSet is not Supported]',
    );
  });

  it('forbids ephemeral containers in the template', () => {
    const ds = daemonSet('ephemeral', { pod: { ephemeralContainers: [{ name: 'debug', image: 'busybox' }] } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "ephemeral" is invalid: spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template',
    );
  });

  it('validates the node selector and required node affinity the controller evaluates', () => {
    const store = newStore();
    const good = daemonSet('pinned', {
      pod: {
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }],
            },
          },
        },
      },
    });
    expect(store.create('DaemonSet', good)).toBeDefined();
    const noTerms = daemonSet('no-terms', {
      pod: {
        affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } },
      },
    });
    expect(rejection(() => store.create('DaemonSet', noTerms))).toBe(
      'DaemonSet.apps "no-terms" is invalid: spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term',
    );
    const badField = daemonSet('bad-field', {
      pod: {
        affinity: {
          nodeAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: {
              nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['x'] }] }],
            },
          },
        },
      },
    });
    expect(rejection(() => store.create('DaemonSet', badField))).toBe(
      'DaemonSet.apps "bad-field" is invalid: spec.template.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchFields[0].key: Invalid value: "metadata.uid": not a valid field selector key',
    );
    expect(rejection(() => store.create('DaemonSet', daemonSet('sel', { pod: { nodeSelector: { os: 'a b' } } })))).toBe(
      `DaemonSet.apps "sel" is invalid: spec.template.spec.nodeSelector: Invalid value: "a b": ${LABEL_VALUE_MSG}`,
    );
  });
});

describe('DaemonSet template tolerations', () => {
  it('accepts well-formed tolerations, including the match-everything wildcard', () => {
    const ds = withTolerations('tolerant', [
      { key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 30 },
      { key: 'gpu', value: 'true' },
      { operator: 'Exists' },
    ]);
    expect(newStore().create('DaemonSet', ds)).toBeDefined();
  });

  it('requires operator Exists when the key is empty', () => {
    const ds = withTolerations('empty-key', [{ operator: 'Equal', value: 'x' }]);
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "empty-key" is invalid: spec.template.spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"',
    );
  });

  it('requires an empty value with Exists', () => {
    const ds = withTolerations('exists-value', [{ key: 'k', operator: 'Exists', value: 'v' }]);
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "exists-value" is invalid: spec.template.spec.tolerations[0].operator: Invalid value: {"key":"k","operator":"Exists","value":"v"}: value must be empty when `operator` is \'Exists\'',
    );
  });

  it('supports only Equal and Exists (Lt and Gt are named: TaintTolerationComparisonOperators is alpha, off)', () => {
    const ds = withTolerations('gt', [{ key: 'k', operator: 'Gt', value: '3' }]);
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "gt" is invalid: spec.template.spec.tolerations[0].operator: Unsupported value: "Gt": supported values: "Equal", "Exists", "Lt", "Gt"',
    );
    const other = withTolerations('foo', [{ key: 'k', operator: 'Foo' }]);
    expect(rejection(() => newStore().create('DaemonSet', other))).toBe(
      'DaemonSet.apps "foo" is invalid: spec.template.spec.tolerations[0].operator: Unsupported value: "Foo": supported values: "Equal", "Exists"',
    );
  });

  it('requires a label-value value with Equal (reported on the operator path)', () => {
    const ds = withTolerations('bad-value', [{ key: 'k', operator: 'Equal', value: 'a b' }]);
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      `DaemonSet.apps "bad-value" is invalid: spec.template.spec.tolerations[0].operator: Invalid value: "a b": ${LABEL_VALUE_MSG}`,
    );
  });

  it('allows tolerationSeconds only with NoExecute', () => {
    const ds = withTolerations('seconds', [
      { key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 5 },
    ]);
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "seconds" is invalid: spec.template.spec.tolerations[0].effect: Invalid value: "NoSchedule": effect must be \'NoExecute\' when `tolerationSeconds` is set',
    );
  });

  it('rejects unknown effects and malformed keys', () => {
    const effect = withTolerations('effect', [{ key: 'k', operator: 'Exists', effect: 'NoAdmit' }]);
    expect(rejection(() => newStore().create('DaemonSet', effect))).toBe(
      'DaemonSet.apps "effect" is invalid: spec.template.spec.tolerations[0].effect: Unsupported value: "NoAdmit": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    );
    const badKey = withTolerations('key', [{ key: 'k k', operator: 'Exists' }]);
    expect(rejection(() => newStore().create('DaemonSet', badKey))).toBe(
      `DaemonSet.apps "key" is invalid: spec.template.spec.tolerations[0].key: Invalid value: "k k": ${LABEL_NAME_MSG}`,
    );
  });
});

describe('DaemonSet spec numbers', () => {
  it('requires minReadySeconds >= 0', () => {
    const store = newStore();
    expect(store.create('DaemonSet', daemonSet('zero', { spec: { minReadySeconds: 0 } }))).toBeDefined();
    expect(rejection(() => store.create('DaemonSet', daemonSet('negative', { spec: { minReadySeconds: -1 } })))).toBe(
      'DaemonSet.apps "negative" is invalid: spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0',
    );
  });

  it('requires revisionHistoryLimit >= 0, and 0 is valid', () => {
    const store = newStore();
    expect(store.create('DaemonSet', daemonSet('keep-none', { spec: { revisionHistoryLimit: 0 } }))).toBeDefined();
    expect(
      rejection(() => store.create('DaemonSet', daemonSet('negative', { spec: { revisionHistoryLimit: -2 } }))),
    ).toBe(
      'DaemonSet.apps "negative" is invalid: spec.revisionHistoryLimit: Invalid value: -2: must be greater than or equal to 0',
    );
  });

  it('requires templateGeneration >= 0 (only reachable without the registry, which sets it to >= 1)', () => {
    const store = validatingOnlyStore();
    const ds = storedDaemonSet('negative-generation');
    (ds.metadata as ObjectMeta).annotations = { [TemplateGenerationAnnotation]: '-1' };
    expect(rejection(() => store.create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "negative-generation" is invalid: spec.templateGeneration: Invalid value: -1: must be greater than or equal to 0',
    );
    (ds.metadata as ObjectMeta).annotations = { [TemplateGenerationAnnotation]: '0' };
    expect(store.create('DaemonSet', ds)).toBeDefined();
  });
});

describe('DaemonSet update strategy', () => {
  const strategy = (name: string, updateStrategy: NonNullable<DaemonSetSpec['updateStrategy']>): DaemonSet =>
    daemonSet(name, { spec: { updateStrategy } });

  it('accepts OnDelete and RollingUpdate', () => {
    const store = newStore();
    expect(store.create('DaemonSet', strategy('on-delete', { type: 'OnDelete' }))).toBeDefined();
    expect(store.create('DaemonSet', strategy('rolling', { type: 'RollingUpdate' }))).toBeDefined();
  });

  it('rejects any other type', () => {
    expect(rejection(() => newStore().create('DaemonSet', strategy('recreate', { type: 'Recreate' })))).toBe(
      'DaemonSet.apps "recreate" is invalid: spec.updateStrategy: Unsupported value: {"type":"Recreate"}: supported values: "RollingUpdate", "OnDelete"',
    );
  });

  it('requires rollingUpdate for RollingUpdate (only reachable without defaulting)', () => {
    const ds = storedDaemonSet('no-params');
    (ds.spec as DaemonSetSpec).updateStrategy = { type: 'RollingUpdate' };
    expect(rejection(() => validatingOnlyStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "no-params" is invalid: spec.updateStrategy.rollingUpdate: Required value',
    );
  });

  it('accepts ints and percents with exactly one of maxUnavailable and maxSurge non-zero', () => {
    const store = newStore();
    const valid: [string, number | string, number | string][] = [
      ['unavailable-int', 1, 0],
      ['unavailable-above-node-count', 500, 0],
      ['unavailable-percent', '25%', 0],
      ['surge-int', 0, 2],
      ['surge-percent', '0%', '100%'],
    ];
    for (const [name, maxUnavailable, maxSurge] of valid) {
      const ds = strategy(name, { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge } });
      expect(store.create('DaemonSet', ds).spec?.updateStrategy?.rollingUpdate).toEqual({ maxUnavailable, maxSurge });
    }
  });

  it('rejects maxSurge alone: maxUnavailable defaults to 1, and both may not be non-zero', () => {
    const ds = strategy('surge-only', { rollingUpdate: { maxSurge: 1 } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "surge-only" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
    );
  });

  it('rejects both non-zero, percents included', () => {
    const ds = strategy('both', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '10%', maxSurge: '10%' } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "both" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "10%": may not be set when maxUnavailable is non-zero',
    );
  });

  it('rejects both zero, 0% included', () => {
    for (const maxUnavailable of [0, '0%']) {
      const ds = strategy('stuck', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable, maxSurge: 0 } });
      expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
        'DaemonSet.apps "stuck" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: Required value: cannot be 0 when maxSurge is 0',
      );
    }
  });

  it('rejects negative ints', () => {
    const ds = strategy('negative', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: -1, maxSurge: 0 } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "negative" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0',
    );
  });

  it('rejects strings that are not <digits>%', () => {
    const ds = strategy('words', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 'some' } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      `DaemonSet.apps "words" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: "some": ${PERCENT_MSG}`,
    );
  });

  it('rejects percents above 100%', () => {
    const ds = strategy('over', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%', maxSurge: 0 } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet.apps "over" is invalid: spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: "150%": must not be greater than 100%',
    );
  });

  it('refuses numbers that are not integers as undecodable (400), as the typed decoding does', () => {
    const ds = strategy('fraction', { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1.5, maxSurge: 0 } });
    expect(rejection(() => newStore().create('DaemonSet', ds))).toBe(
      'DaemonSet in version "v1" cannot be handled as a DaemonSet: json: cannot unmarshal number 1.5 into Go struct field RollingUpdateDaemonSet.spec.updateStrategy.rollingUpdate.maxUnavailable of type int32',
    );
  });
});

// --- DaemonSet update -------------------------------------------------------------------------------

describe('DaemonSet update', () => {
  it('validates the new spec', () => {
    const store = newStore();
    const created = store.create('DaemonSet', daemonSet('ds'));
    expect(
      rejection(() =>
        store.update('DaemonSet', { ...created, spec: { ...created.spec, minReadySeconds: -5 } as DaemonSetSpec }),
      ),
    ).toBe(
      'DaemonSet.apps "ds" is invalid: spec.minReadySeconds: Invalid value: -5: must be greater than or equal to 0',
    );
  });

  it('keeps the selector immutable', () => {
    const store = newStore();
    const created = store.create('DaemonSet', daemonSet('ds'));
    const changed = daemonSet('ds', {
      spec: { selector: { matchLabels: { app: 'agent', tier: 'node' } } },
      templateLabels: { app: 'agent', tier: 'node' },
    });
    expect(rejection(() => store.update('DaemonSet', changed))).toBe(
      'DaemonSet.apps "ds" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"agent","tier":"node"}}: field is immutable',
    );
    // Same selector, new template: fine.
    const image = daemonSet('ds', { pod: { containers: [{ name: 'agent', image: 'registry.example/agent:2.0' }] } });
    expect(store.update('DaemonSet', image).metadata?.generation).toBe((created.metadata?.generation ?? 0) + 1);
  });

  it('treats a re-encoded but equal selector as unchanged', () => {
    const store = newStore();
    store.create(
      'DaemonSet',
      daemonSet('ds', { spec: { selector: { matchLabels: { app: 'agent' }, matchExpressions: [] } } }),
    );
    expect(store.update('DaemonSet', daemonSet('ds')).spec?.selector).toEqual({
      matchLabels: { app: 'agent' },
      matchExpressions: [],
    });
  });

  describe('templateGeneration rules (the registry always satisfies them; checked without it)', () => {
    function setUp(generation: string): { store: ObjectStore; stored: DaemonSet } {
      const store = validatingOnlyStore();
      const ds = storedDaemonSet('ds');
      (ds.metadata as ObjectMeta).annotations = { [TemplateGenerationAnnotation]: generation };
      return { store, stored: store.create('DaemonSet', ds) };
    }
    const withGeneration = (ds: DaemonSet, generation: string, image?: string): DaemonSet => {
      const next = deepCopy(ds);
      (next.metadata as ObjectMeta).annotations = { [TemplateGenerationAnnotation]: generation };
      const container = next.spec?.template.spec?.containers[0];
      if (image !== undefined && container !== undefined) container.image = image;
      return next;
    };

    it('accepts an increment together with a template change, and no change without one', () => {
      const { store, stored } = setUp('3');
      const bumped = store.update('DaemonSet', withGeneration(stored, '4', 'registry.example/agent:2.0'));
      expect(store.update('DaemonSet', withGeneration(bumped, '4'))).toBeDefined();
    });

    it('rejects a decrement', () => {
      const { store, stored } = setUp('3');
      expect(rejection(() => store.update('DaemonSet', withGeneration(stored, '2')))).toBe(
        'DaemonSet.apps "ds" is invalid: spec.templateGeneration: Invalid value: 2: must not be decremented',
      );
    });

    it('rejects a template change without an increment', () => {
      const { store, stored } = setUp('3');
      expect(
        rejection(() => store.update('DaemonSet', withGeneration(stored, '3', 'registry.example/agent:2.0'))),
      ).toBe(
        'DaemonSet.apps "ds" is invalid: spec.templateGeneration: Invalid value: 3: must be incremented upon template update',
      );
    });

    it('rejects an increment without a template change', () => {
      const { store, stored } = setUp('3');
      expect(rejection(() => store.update('DaemonSet', withGeneration(stored, '4')))).toBe(
        'DaemonSet.apps "ds" is invalid: spec.templateGeneration: Invalid value: 4: must not be incremented without template update',
      );
    });
  });

  it('does not let the main resource change status, nor the status subresource change spec', () => {
    const store = newStore();
    const created = store.create('DaemonSet', daemonSet('ds'));
    const updated = store.update('DaemonSet', withStatus(created, counters({ numberReady: 7 })));
    expect(updated.status?.numberReady).toBe(0);
    const statusWrite = {
      ...withStatus(updated, counters({ numberReady: 2 })),
      spec: { ...updated.spec, minReadySeconds: 9 },
    };
    const afterStatus = store.updateStatus('DaemonSet', statusWrite as DaemonSet);
    expect(afterStatus.status?.numberReady).toBe(2);
    expect(afterStatus.spec?.minReadySeconds).toBeUndefined();
  });
});

// --- DaemonSet status -------------------------------------------------------------------------------

describe('DaemonSet status', () => {
  const counterNames = [
    'currentNumberScheduled',
    'numberMisscheduled',
    'desiredNumberScheduled',
    'numberReady',
    'observedGeneration',
    'updatedNumberScheduled',
    'numberAvailable',
    'numberUnavailable',
    'collisionCount',
  ] as const;

  it('accepts non-negative counters', () => {
    const store = newStore();
    const created = store.create('DaemonSet', daemonSet('ds'));
    const status = counters({
      observedGeneration: 1,
      updatedNumberScheduled: 3,
      numberAvailable: 2,
      numberUnavailable: 1,
    });
    expect(store.updateStatus('DaemonSet', withStatus(created, status)).status).toEqual(status);
  });

  it.each(counterNames)('rejects a negative %s', (counter) => {
    const store = newStore();
    const created = store.create('DaemonSet', daemonSet('ds'));
    expect(rejection(() => store.updateStatus('DaemonSet', withStatus(created, counters({ [counter]: -1 }))))).toBe(
      `DaemonSet.apps "ds" is invalid: status.${counter}: Invalid value: -1: must be greater than or equal to 0`,
    );
  });

  it('never lets collisionCount go down, nor disappear', () => {
    const store = newStore();
    const created = store.create('DaemonSet', daemonSet('ds'));
    const two = store.updateStatus('DaemonSet', withStatus(created, counters({ collisionCount: 2 })));
    expect(
      store.updateStatus('DaemonSet', withStatus(two, counters({ collisionCount: 3 }))).status?.collisionCount,
    ).toBe(3);
    const current = store.get('DaemonSet', 'default', 'ds') as DaemonSet;
    expect(rejection(() => store.updateStatus('DaemonSet', withStatus(current, counters({ collisionCount: 1 }))))).toBe(
      'DaemonSet.apps "ds" is invalid: status.collisionCount: Invalid value: 1: cannot be decremented',
    );
    expect(rejection(() => store.updateStatus('DaemonSet', withStatus(current, counters())))).toBe(
      'DaemonSet.apps "ds" is invalid: status.collisionCount: Invalid value: 0: cannot be decremented',
    );
  });
});

// --- Node and Pod ------------------------------------------------------------------------------------

describe('Node taints', () => {
  it('accepts known effects, and one key under several effects', () => {
    const taints: Taint[] = [
      { key: 'dedicated', value: 'infra', effect: 'NoSchedule' },
      { key: 'dedicated', value: 'infra', effect: 'NoExecute' },
      { key: 'node.kubernetes.io/not-ready', effect: 'PreferNoSchedule' },
    ];
    expect(newStore().create('Node', node('node-1', taints)).spec?.taints).toEqual(taints);
  });

  it('rejects an unknown or missing effect (errors read metadata.taints, as upstream prints them)', () => {
    const store = newStore();
    expect(rejection(() => store.create('Node', node('n', [{ key: 'k', effect: 'NoAdmit' }])))).toBe(
      'Node "n" is invalid: metadata.taints[0].effect: Unsupported value: "NoAdmit": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    );
    expect(rejection(() => store.create('Node', node('n', [{ key: 'k', effect: '' }])))).toBe(
      'Node "n" is invalid: metadata.taints[0].effect: Required value',
    );
  });

  it('requires a key', () => {
    expect(rejection(() => newStore().create('Node', node('n', [{ key: '', effect: 'NoSchedule' }])))).toBe(
      `Node "n" is invalid: [metadata.taints[0].key: Invalid value: "": name part must be non-empty, metadata.taints[0].key: Invalid value: "": ${LABEL_NAME_MSG}]`,
    );
  });

  it('rejects a bad value', () => {
    expect(
      rejection(() => newStore().create('Node', node('n', [{ key: 'k', value: 'a b', effect: 'NoSchedule' }]))),
    ).toBe(`Node "n" is invalid: metadata.taints[0].value: Invalid value: "a b": ${LABEL_VALUE_MSG}`);
  });

  it('rejects a duplicate key and effect pair', () => {
    const taints = [
      { key: 'k', value: 'a', effect: 'NoSchedule' },
      { key: 'k', value: 'b', effect: 'NoSchedule' },
    ];
    const message = rejection(() => newStore().create('Node', node('n', taints)));
    // Upstream appends the detail to a Duplicate; the store's formatter does not print it (yet).
    expect(message).toMatch(
      /^Node "n" is invalid: metadata\.taints\[1\]: Duplicate value: \{"key":"k","value":"b","effect":"NoSchedule"\}(: taints must be unique by key and effect pair)?$/,
    );
  });

  it('validates taints on update too, and the node name on create', () => {
    const store = newStore();
    const created = store.create('Node', node('node-1'));
    expect(
      rejection(() => store.update('Node', { ...created, spec: { taints: [{ key: 'k', effect: 'Sometimes' }] } })),
    ).toBe(
      'Node "node-1" is invalid: metadata.taints[0].effect: Unsupported value: "Sometimes": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
    );
    expect(rejection(() => store.create('Node', node('Node_1')))).toBe(
      `Node "Node_1" is invalid: metadata.name: Invalid value: "Node_1": ${DNS_SUBDOMAIN_MSG}`,
    );
  });
});

describe('Pod', () => {
  it('accepts a pod with a container', () => {
    expect(newStore().create('Pod', pod('p')).metadata?.name).toBe('p');
  });

  it('requires containers', () => {
    expect(rejection(() => newStore().create('Pod', pod('p', { containers: [] })))).toBe(
      'Pod "p" is invalid: spec.containers: Required value',
    );
  });

  it('rejects images with surrounding whitespace', () => {
    expect(
      rejection(() => newStore().create('Pod', pod('p', { containers: [{ name: 'c', image: ' busybox' }] }))),
    ).toBe(
      'Pod "p" is invalid: spec.containers[0].image: Invalid value: " busybox": must not have leading or trailing whitespace',
    );
  });

  it('validates tolerations and the node name', () => {
    const store = newStore();
    expect(
      rejection(() => store.create('Pod', pod('p', { tolerations: [{ key: 'k', operator: 'Exists', value: 'v' }] }))),
    ).toBe(
      'Pod "p" is invalid: spec.tolerations[0].operator: Invalid value: {"key":"k","operator":"Exists","value":"v"}: value must be empty when `operator` is \'Exists\'',
    );
    expect(rejection(() => store.create('Pod', pod('p', { nodeName: 'Node_1' })))).toBe(
      `Pod "p" is invalid: spec.nodeName: Invalid value: "Node_1": ${DNS_SUBDOMAIN_MSG}`,
    );
  });

  it('validates the pod again on update, while allowing it to be bound', () => {
    const store = newStore();
    const created = store.create('Pod', pod('p'));
    expect(
      store.update('Pod', { ...created, spec: { ...(created.spec as PodSpec), nodeName: 'node-1' } }).spec?.nodeName,
    ).toBe('node-1');
    const current = store.get('Pod', 'default', 'p') as Pod;
    expect(
      rejection(() => store.update('Pod', { ...current, spec: { ...(current.spec as PodSpec), containers: [] } })),
    ).toBe('Pod "p" is invalid: spec.containers: Required value');
  });
});
