/**
 * Defaulting and the DaemonSet registry behaviour (status reset, generation and template
 * generation), observed through a real ObjectStore running kubernetesAdmission.
 */
import type { DaemonSet, DaemonSetSpec } from 'kubernetes-types/apps/v1.js';
import type { Pod, PodSpec } from 'kubernetes-types/core/v1.js';
import type { ObjectMeta } from 'kubernetes-types/meta/v1.js';
import { describe, expect, it } from 'vitest';
import { kubernetesAdmission } from './admission.js';
import { isApiError } from './apiError.js';
import { VirtualClock } from './clock.js';
import { imageTag, semanticallyEqual, setDefaultsDaemonSet } from './defaults.js';
import { deepCopy, TemplateGenerationAnnotation } from './objects.js';
import { ObjectStore } from './store.js';

const newStore = (): ObjectStore => new ObjectStore(new VirtualClock(), kubernetesAdmission);

function daemonSet(name: string, spec: Partial<DaemonSetSpec> = {}, metadata: Partial<ObjectMeta> = {}): DaemonSet {
  return {
    metadata: { name, ...metadata },
    spec: {
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: { containers: [{ name: 'agent', image: 'registry.example/agent:1.0' }] },
      },
      ...spec,
    },
  };
}

const templateGeneration = (ds: DaemonSet | undefined): string | undefined =>
  ds?.metadata?.annotations?.[TemplateGenerationAnnotation];

/** A private, mutable copy of the stored DaemonSet, for read-modify-write updates. */
function current(store: ObjectStore, name: string): DaemonSet {
  return deepCopy(store.get('DaemonSet', 'default', name) as DaemonSet);
}

function specOf(ds: DaemonSet): DaemonSetSpec {
  if (ds.spec === undefined) throw new Error('no spec');
  return ds.spec;
}

function podSpecOf(ds: DaemonSet): PodSpec {
  const spec = specOf(ds).template.spec;
  if (spec === undefined) throw new Error('no pod spec');
  return spec;
}

function rejection(action: () => unknown): { reason: string; message: string } {
  try {
    action();
  } catch (e) {
    if (isApiError(e)) return { reason: e.reason, message: e.message };
    throw e;
  }
  throw new Error('expected the request to be rejected');
}

describe('SetDefaults_DaemonSet', () => {
  it('defaults the update strategy, history limit and pod template', () => {
    const created = newStore().create('DaemonSet', daemonSet('ds'));
    expect(created.spec).toEqual({
      selector: { matchLabels: { app: 'agent' } },
      template: {
        metadata: { labels: { app: 'agent' } },
        spec: {
          containers: [
            {
              name: 'agent',
              image: 'registry.example/agent:1.0',
              imagePullPolicy: 'IfNotPresent',
              terminationMessagePath: '/dev/termination-log',
              terminationMessagePolicy: 'File',
            },
          ],
          dnsPolicy: 'ClusterFirst',
          restartPolicy: 'Always',
          securityContext: {},
          terminationGracePeriodSeconds: 30,
          schedulerName: 'default-scheduler',
        },
      },
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
      revisionHistoryLimit: 10,
    });
    // Pod-only defaults stay out of templates.
    expect(podSpecOf(created).enableServiceLinks).toBeUndefined();
  });

  it('adds no rollingUpdate for OnDelete', () => {
    const created = newStore().create('DaemonSet', daemonSet('ds', { updateStrategy: { type: 'OnDelete' } }));
    expect(created.spec?.updateStrategy).toEqual({ type: 'OnDelete' });
  });

  it('fills only the missing half of rollingUpdate', () => {
    const store = newStore();
    const percent = store.create(
      'DaemonSet',
      daemonSet('percent', { updateStrategy: { rollingUpdate: { maxUnavailable: '20%' } } }),
    );
    expect(percent.spec?.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: '20%', maxSurge: 0 },
    });
    const surge = store.create(
      'DaemonSet',
      daemonSet('surge', { updateStrategy: { rollingUpdate: { maxUnavailable: 0, maxSurge: 2 } } }),
    );
    expect(surge.spec?.updateStrategy?.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 2 });
  });

  it('defaults maxUnavailable to 1 when only maxSurge is given, which validation then rejects', () => {
    const { message } = rejection(() =>
      newStore().create('DaemonSet', daemonSet('surge-only', { updateStrategy: { rollingUpdate: { maxSurge: 1 } } })),
    );
    expect(message).toBe(
      'DaemonSet.apps "surge-only" is invalid: spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero',
    );
  });

  it('keeps explicit values, zero included', () => {
    const created = newStore().create(
      'DaemonSet',
      daemonSet('ds', { revisionHistoryLimit: 0, minReadySeconds: 5, template: daemonSet('x').spec?.template ?? {} }),
    );
    expect(created.spec?.revisionHistoryLimit).toBe(0);
    expect(created.spec?.minReadySeconds).toBe(5);
  });

  it('defaults the template even when the client sent no pod spec (and then validation speaks)', () => {
    const ds = daemonSet('bare');
    delete specOf(ds).template.spec;
    const { message } = rejection(() => newStore().create('DaemonSet', ds));
    expect(message).toBe('DaemonSet.apps "bare" is invalid: spec.template.spec.containers: Required value');
  });
});

describe('DaemonSet create (registry)', () => {
  it('clears status to the empty apps/v1 status and starts both generations at 1', () => {
    const sent: DaemonSet = {
      ...daemonSet('ds'),
      status: {
        currentNumberScheduled: 4,
        desiredNumberScheduled: 4,
        numberMisscheduled: 1,
        numberReady: 3,
        observedGeneration: 9,
      },
    };
    const created = newStore().create('DaemonSet', sent);
    expect(created.status).toEqual({
      currentNumberScheduled: 0,
      numberMisscheduled: 0,
      desiredNumberScheduled: 0,
      numberReady: 0,
    });
    expect(created.metadata?.generation).toBe(1);
    expect(templateGeneration(created)).toBe('1');
  });

  it('keeps a client-chosen template generation of at least 1, in canonical form', () => {
    const store = newStore();
    const cases: [string, string][] = [
      ['5', '5'],
      ['+7', '7'],
      ['0', '1'],
      ['-3', '1'],
    ];
    for (const [i, [sent, stored]] of cases.entries()) {
      const ds = daemonSet(`ds-${i}`, {}, { annotations: { [TemplateGenerationAnnotation]: sent, keep: 'me' } });
      const created = store.create('DaemonSet', ds);
      expect(templateGeneration(created)).toBe(stored);
      expect(created.metadata?.annotations?.keep).toBe('me');
    }
  });

  it('rejects an annotation the apps/v1 conversion cannot parse, as a bad request', () => {
    const store = newStore();
    expect(
      rejection(() =>
        store.create('DaemonSet', daemonSet('ds', {}, { annotations: { [TemplateGenerationAnnotation]: 'one' } })),
      ),
    ).toEqual({
      reason: 'BadRequest',
      message:
        'DaemonSet in version "v1" cannot be handled as a DaemonSet: strconv.ParseInt: parsing "one": invalid syntax',
    });
    expect(
      rejection(() =>
        store.create(
          'DaemonSet',
          daemonSet('ds', {}, { annotations: { [TemplateGenerationAnnotation]: '9223372036854775808' } }),
        ),
      ).message,
    ).toBe(
      'DaemonSet in version "v1" cannot be handled as a DaemonSet: strconv.ParseInt: parsing "9223372036854775808": value out of range',
    );
  });
});

describe('DaemonSet update (registry)', () => {
  it('bumps generation and template generation when the template changes', () => {
    const store = newStore();
    store.create('DaemonSet', daemonSet('ds'));
    const next = current(store, 'ds');
    const container = podSpecOf(next).containers[0];
    if (container !== undefined) container.image = 'registry.example/agent:2.0';
    const updated = store.update('DaemonSet', next);
    expect(updated.metadata?.generation).toBe(2);
    expect(templateGeneration(updated)).toBe('2');
  });

  it('counts a template label change as a template change', () => {
    const store = newStore();
    store.create('DaemonSet', daemonSet('ds'));
    const next = current(store, 'ds');
    specOf(next).template.metadata = { labels: { app: 'agent', version: 'v2' } };
    expect(templateGeneration(store.update('DaemonSet', next))).toBe('2');
  });

  it('bumps only generation for other spec changes', () => {
    const store = newStore();
    store.create('DaemonSet', daemonSet('ds'));
    const next = current(store, 'ds');
    specOf(next).minReadySeconds = 10;
    const updated = store.update('DaemonSet', next);
    expect(updated.metadata?.generation).toBe(2);
    expect(templateGeneration(updated)).toBe('1');
  });

  it('bumps neither for metadata-only changes', () => {
    const store = newStore();
    store.create('DaemonSet', daemonSet('ds'));
    const next = current(store, 'ds');
    (next.metadata as ObjectMeta).labels = { team: 'infra' };
    const updated = store.update('DaemonSet', next);
    expect(updated.metadata?.generation).toBe(1);
    expect(templateGeneration(updated)).toBe('1');
  });

  it('ignores a client-set template generation, and restores a removed one', () => {
    const store = newStore();
    store.create('DaemonSet', daemonSet('ds'));
    const forged = current(store, 'ds');
    (forged.metadata as ObjectMeta).annotations = { [TemplateGenerationAnnotation]: '42' };
    expect(templateGeneration(store.update('DaemonSet', forged))).toBe('1');
    const stripped = current(store, 'ds');
    (stripped.metadata as ObjectMeta).annotations = {};
    expect(templateGeneration(store.update('DaemonSet', stripped))).toBe('1');
  });

  it('still rejects an unparseable template generation on update', () => {
    const store = newStore();
    store.create('DaemonSet', daemonSet('ds'));
    const next = current(store, 'ds');
    (next.metadata as ObjectMeta).annotations = { [TemplateGenerationAnnotation]: '1.5' };
    expect(rejection(() => store.update('DaemonSet', next))).toEqual({
      reason: 'BadRequest',
      message:
        'DaemonSet in version "v1" cannot be handled as a DaemonSet: strconv.ParseInt: parsing "1.5": invalid syntax',
    });
  });

  it('defaults the new object again, so an update that drops defaulted fields changes nothing', () => {
    const store = newStore();
    store.create('DaemonSet', daemonSet('ds'));
    // The client sends its original manifest back: no defaults, different key order after defaulting.
    const updated = store.update('DaemonSet', daemonSet('ds'));
    expect(updated.spec?.updateStrategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxUnavailable: 1, maxSurge: 0 },
    });
    expect(updated.metadata?.generation).toBe(1);
    expect(templateGeneration(updated)).toBe('1');
  });

  it('does not count a re-ordered but equal spec as a spec change', () => {
    const store = newStore();
    const created = store.create('DaemonSet', daemonSet('ds'));
    const { selector, template, updateStrategy, revisionHistoryLimit } = specOf(deepCopy(created));
    const reordered: DaemonSet = {
      metadata: { name: 'ds' },
      spec: { revisionHistoryLimit, updateStrategy, template, selector } as DaemonSetSpec,
    };
    const updated = store.update('DaemonSet', reordered);
    expect(updated.metadata?.generation).toBe(1);
    expect(templateGeneration(updated)).toBe('1');
  });

  it('bumps again on each further template change', () => {
    const store = newStore();
    store.create('DaemonSet', daemonSet('ds'));
    for (const [i, version] of ['2.0', '3.0', '4.0'].entries()) {
      const updated = store.update(
        'DaemonSet',
        daemonSet('ds', {
          template: {
            metadata: { labels: { app: 'agent' } },
            spec: { containers: [{ name: 'agent', image: `registry.example/agent:${version}` }] },
          },
        }),
      );
      expect(updated.metadata?.generation).toBe(i + 2);
      expect(templateGeneration(updated)).toBe(String(i + 2));
    }
  });
});

describe('Pod defaults', () => {
  const pod = (spec: Partial<PodSpec> = {}): Pod => ({
    metadata: { name: 'p' },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36' }], ...spec },
  });

  it('applies SetDefaults_Pod and SetDefaults_PodSpec, and starts the pod Pending', () => {
    const created = newStore().create('Pod', pod());
    expect(created.spec).toEqual({
      containers: [
        {
          name: 'c',
          image: 'busybox:1.36',
          imagePullPolicy: 'IfNotPresent',
          terminationMessagePath: '/dev/termination-log',
          terminationMessagePolicy: 'File',
        },
      ],
      dnsPolicy: 'ClusterFirst',
      restartPolicy: 'Always',
      securityContext: {},
      terminationGracePeriodSeconds: 30,
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
    });
    expect(created.status).toEqual({ phase: 'Pending' });
  });

  it('keeps explicit values and a status the caller supplies', () => {
    const created = newStore().create('Pod', {
      ...pod({ restartPolicy: 'Never', terminationGracePeriodSeconds: 0, schedulerName: 'custom' }),
      status: { phase: 'Running' },
    });
    expect(created.spec?.restartPolicy).toBe('Never');
    expect(created.spec?.terminationGracePeriodSeconds).toBe(0);
    expect(created.spec?.schedulerName).toBe('custom');
    expect(created.status?.phase).toBe('Running');
  });

  it('defaults requests to limits, ports to TCP, and host ports under host networking', () => {
    const created = newStore().create(
      'Pod',
      pod({
        hostNetwork: true,
        containers: [
          {
            name: 'c',
            image: 'busybox',
            resources: { limits: { cpu: '1' }, requests: { memory: '64Mi' } },
            ports: [{ containerPort: 8080 }],
          },
        ],
      }),
    );
    const container = created.spec?.containers[0];
    expect(container?.resources?.requests).toEqual({ memory: '64Mi', cpu: '1' });
    expect(container?.ports).toEqual([{ containerPort: 8080, protocol: 'TCP', hostPort: 8080 }]);
    expect(container?.imagePullPolicy).toBe('Always');
  });
});

describe('Node defaults', () => {
  it('defaults allocatable to capacity', () => {
    const created = newStore().create('Node', {
      metadata: { name: 'n' },
      status: { capacity: { cpu: '4', pods: '110' } },
    });
    expect(created.status?.allocatable).toEqual({ cpu: '4', pods: '110' });
  });
});

describe('helpers', () => {
  it('reads the image tag the way the pull-policy default does', () => {
    expect(imageTag('nginx')).toBe('latest');
    expect(imageTag('nginx:latest')).toBe('latest');
    expect(imageTag('nginx:1.25')).toBe('1.25');
    expect(imageTag('localhost:5000/nginx')).toBe('latest');
    expect(imageTag('localhost:5000/nginx:1.25')).toBe('1.25');
    expect(imageTag('nginx@sha256:abcd')).toBe('');
    // Not a reference (ParseImageName fails): no tag, so IfNotPresent, as upstream defaults it.
    expect(imageTag(' nginx')).toBe('');
    expect(imageTag('Nginx')).toBe('');
    expect(imageTag('Registry.example.com:5000/agent')).toBe('latest');
    expect(imageTag(`agent@sha256:${'a'.repeat(64)}`)).toBe('');
  });

  it('compares semantically: key order and empty-versus-absent do not matter', () => {
    expect(semanticallyEqual({ a: 1, b: [1, 2] }, { b: [1, 2], a: 1 })).toBe(true);
    expect(semanticallyEqual({ a: [], b: {} }, {})).toBe(true);
    expect(semanticallyEqual(undefined, null)).toBe(true);
    expect(semanticallyEqual({ a: 1 }, { a: 2 })).toBe(false);
    expect(semanticallyEqual([1, 2], [2, 1])).toBe(false);
  });

  it('compares as the decoded Go structs do: a plain zero is absent, a pointer to empty or to zero is not (Semantic.DeepEqual)', () => {
    expect(semanticallyEqual({ hostNetwork: false, minReadySeconds: 0, value: '' }, {})).toBe(true);
    expect(semanticallyEqual({ affinity: { nodeAffinity: {} } }, {})).toBe(false);
    expect(semanticallyEqual({ affinity: {} }, { affinity: { nodeAffinity: {} } })).toBe(false);
    expect(semanticallyEqual({ tolerationSeconds: 0 }, {})).toBe(false);
    expect(semanticallyEqual({ resources: {} }, {})).toBe(true);
    // Map entries are data: an empty label value is a label.
    expect(semanticallyEqual({ labels: { a: '' } }, {})).toBe(false);
  });

  it('keeps an absent rolling-update budget as 0 through the apps/v1 conversion, OnDelete too', () => {
    const ds: DaemonSet = {
      spec: {
        selector: {},
        template: {},
        updateStrategy: { type: 'OnDelete', rollingUpdate: { maxSurge: 1 } },
      },
    };
    setDefaultsDaemonSet(ds);
    expect(ds.spec?.updateStrategy?.rollingUpdate).toEqual({ maxSurge: 1, maxUnavailable: 0 });
  });
});
