import type { Pod } from 'kubernetes-types/core/v1.js';
import { describe, expect, it } from 'vitest';
import { ApiError, isApiError } from './apiError.js';
import { VirtualClock } from './clock.js';
import type { DaemonSet } from './objects.js';
import { ObjectStore, type WatchEvent } from './store.js';

function newStore(): ObjectStore {
  return new ObjectStore(new VirtualClock());
}

function daemonSet(name = 'ds'): DaemonSet {
  return {
    metadata: { name, namespace: 'default' },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } },
    },
  };
}

function pod(name: string, nodeName?: string, extra: { finalizers?: string[] } = {}): Pod {
  return {
    metadata: { name, namespace: 'default', ...(extra.finalizers ? { finalizers: extra.finalizers } : {}) },
    spec: { containers: [{ name: 'c', image: 'busybox' }], ...(nodeName ? { nodeName } : {}) },
  };
}

function recorder(store: ObjectStore): WatchEvent[] {
  const events: WatchEvent[] = [];
  store.watch((e) => events.push(e));
  return events;
}

function reasonOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (isApiError(e)) return e.reason;
    throw e;
  }
  return undefined;
}

describe('ObjectStore metadata', () => {
  it('assigns uid, resourceVersion, creationTimestamp, and generation 1 for DaemonSets', () => {
    const store = newStore();
    const ds = store.create('DaemonSet', daemonSet());
    const p = store.create('Pod', pod('p'));
    expect(ds.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(p.metadata?.uid).not.toBe(ds.metadata?.uid);
    expect(ds.metadata?.creationTimestamp).toBe('2025-01-01T00:00:00Z');
    expect(ds.metadata?.generation).toBe(1);
    expect(Number(p.metadata?.resourceVersion)).toBeGreaterThan(Number(ds.metadata?.resourceVersion));
    expect(store.resourceVersion).toBe(p.metadata?.resourceVersion);
    expect(ds.apiVersion).toBe('apps/v1');
    expect(p.kind).toBe('Pod');
  });

  it('replaces server-owned metadata the client sends', () => {
    const store = newStore();
    const input = daemonSet();
    const created = store.create('DaemonSet', {
      ...input,
      metadata: { ...input.metadata, uid: 'mine', resourceVersion: '99', deletionTimestamp: '2020-01-01T00:00:00Z' },
    });
    expect(created.metadata?.uid).not.toBe('mine');
    expect(created.metadata?.resourceVersion).not.toBe('99');
    expect(created.metadata?.deletionTimestamp).toBeUndefined();
  });

  it('bumps generation on spec changes only', () => {
    const store = newStore();
    store.create('DaemonSet', daemonSet());
    const labelled = store.modify('DaemonSet', 'default', 'ds', (ds) => {
      ds.metadata = { ...ds.metadata, labels: { x: 'y' } };
    });
    expect(labelled.metadata?.generation).toBe(1);
    const changed = store.modify('DaemonSet', 'default', 'ds', (ds) => {
      ds.spec = { ...(ds.spec as NonNullable<DaemonSet['spec']>), minReadySeconds: 5 };
    });
    expect(changed.metadata?.generation).toBe(2);
  });

  it('generates names deterministically from generateName', () => {
    const names = (): string[] => {
      const store = newStore();
      return [1, 2, 3].map((i) => {
        const created = store.create('Pod', { ...pod(''), metadata: { generateName: 'ds-', namespace: 'default' } });
        expect(created.metadata?.name).toMatch(/^ds-[a-z0-9]{5}$/);
        return `${i}:${created.metadata?.name}`;
      });
    };
    expect(names()).toEqual(names());
    expect(new Set(names().map((n) => n.slice(2))).size).toBe(3);
  });

  it('rejects duplicates and unknown objects', () => {
    const store = newStore();
    store.create('Pod', pod('p'));
    expect(reasonOf(() => store.create('Pod', pod('p')))).toBe('AlreadyExists');
    expect(reasonOf(() => store.update('Pod', pod('q')))).toBe('NotFound');
    expect(reasonOf(() => store.delete('Pod', 'default', 'q'))).toBe('NotFound');
  });
});

describe('ObjectStore status subresource', () => {
  it('update ignores status; updateStatus ignores everything but status', () => {
    const store = newStore();
    const created = store.create('Pod', pod('p'));
    const viaUpdate = store.update('Pod', { ...created, status: { phase: 'Running' } });
    expect(viaUpdate.status).toEqual(created.status);
    const viaStatus = store.updateStatus('Pod', {
      ...created,
      metadata: { ...created.metadata, labels: { sneaky: 'yes' } },
      spec: { containers: [], nodeName: 'n1' },
      status: { phase: 'Running' },
    });
    expect(viaStatus.status?.phase).toBe('Running');
    expect(viaStatus.metadata?.labels).toBeUndefined();
    expect(viaStatus.spec?.nodeName).toBeUndefined();
  });

  it('a status write does not bump generation', () => {
    const store = newStore();
    const ds = store.create('DaemonSet', daemonSet());
    const written = store.updateStatus('DaemonSet', {
      ...ds,
      status: { currentNumberScheduled: 1, desiredNumberScheduled: 1, numberMisscheduled: 0, numberReady: 0 },
    });
    expect(written.metadata?.generation).toBe(1);
    expect(written.status?.currentNumberScheduled).toBe(1);
  });
});

describe('ObjectStore no-op writes', () => {
  it('emit nothing and keep the resourceVersion', () => {
    const store = newStore();
    const created = store.create('Pod', pod('p'));
    const events = recorder(store);
    const rv = store.resourceVersion;
    const same = store.update('Pod', created);
    const sameStatus = store.updateStatus('Pod', created);
    const modified = store.modify('Pod', 'default', 'p', () => {});
    expect(events).toEqual([]);
    expect(store.resourceVersion).toBe(rv);
    expect(same.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    expect(sameStatus).toBe(store.get('Pod', 'default', 'p'));
    expect(modified.metadata?.resourceVersion).toBe(rv);
  });

  it('a repeated delete of a terminating pod changes nothing', () => {
    const store = newStore();
    store.create('Pod', pod('p', 'n1'));
    store.delete('Pod', 'default', 'p');
    const events = recorder(store);
    const rv = store.resourceVersion;
    store.delete('Pod', 'default', 'p');
    expect(events).toEqual([]);
    expect(store.resourceVersion).toBe(rv);
  });
});

describe('ObjectStore conflicts', () => {
  it('rejects a stale resourceVersion or a different uid', () => {
    const store = newStore();
    const first = store.create('Pod', pod('p'));
    store.modify('Pod', 'default', 'p', (p) => {
      p.metadata = { ...p.metadata, labels: { v: '2' } };
    });
    expect(reasonOf(() => store.update('Pod', { ...first, metadata: { ...first.metadata, labels: { v: '3' } } }))).toBe(
      'Conflict',
    );
    const current = store.get('Pod', 'default', 'p') as Pod;
    expect(reasonOf(() => store.update('Pod', { ...current, metadata: { ...current.metadata, uid: 'other' } }))).toBe(
      'Conflict',
    );
    // Without a resourceVersion the update is unconditional.
    const { resourceVersion: _rv, ...meta } = current.metadata ?? {};
    expect(store.update('Pod', { ...current, metadata: { ...meta, labels: { v: '4' } } }).metadata?.labels).toEqual({
      v: '4',
    });
  });

  it('honours delete preconditions', () => {
    const store = newStore();
    const created = store.create('Pod', pod('p'));
    expect(reasonOf(() => store.delete('Pod', 'default', 'p', { preconditions: { uid: 'nope' } }))).toBe('Conflict');
    expect(reasonOf(() => store.delete('Pod', 'default', 'p', { preconditions: { resourceVersion: '0' } }))).toBe(
      'Conflict',
    );
    expect(
      store.delete('Pod', 'default', 'p', { preconditions: { uid: created.metadata?.uid ?? '' } }),
    ).toBeUndefined();
  });
});

describe('ObjectStore graceful pod deletion', () => {
  it('a bound pod gets deletionTimestamp = now + grace and stays until a grace-0 delete', () => {
    const store = newStore();
    store.create('Pod', {
      ...pod('p', 'n1'),
      spec: { containers: [], nodeName: 'n1', terminationGracePeriodSeconds: 30 },
    });
    const deleting = store.delete('Pod', 'default', 'p');
    expect(deleting?.metadata?.deletionTimestamp).toBe('2025-01-01T00:00:30Z');
    expect(deleting?.metadata?.deletionGracePeriodSeconds).toBe(30);
    expect(store.get('Pod', 'default', 'p')).toBeDefined();
    expect(store.delete('Pod', 'default', 'p', { gracePeriodSeconds: 0 })).toBeUndefined();
    expect(store.get('Pod', 'default', 'p')).toBeUndefined();
  });

  it('unbound and terminal pods go at once', () => {
    const store = newStore();
    store.create('Pod', pod('unbound'));
    expect(store.delete('Pod', 'default', 'unbound')).toBeUndefined();
    const done = store.create('Pod', pod('done', 'n1'));
    store.updateStatus('Pod', { ...done, status: { phase: 'Succeeded' } });
    expect(store.delete('Pod', 'default', 'done')).toBeUndefined();
    expect(store.count('Pod')).toBe(0);
  });

  it('a repeated delete may shorten the grace period but never lengthen it', () => {
    const store = newStore();
    store.create('Pod', pod('p', 'n1'));
    store.delete('Pod', 'default', 'p', { gracePeriodSeconds: 10 });
    store.clock.advanceSeconds(2);
    const longer = store.delete('Pod', 'default', 'p', { gracePeriodSeconds: 60 });
    expect(longer?.metadata?.deletionTimestamp).toBe('2025-01-01T00:00:10Z');
    const shorter = store.delete('Pod', 'default', 'p', { gracePeriodSeconds: 3 });
    expect(shorter?.metadata?.deletionTimestamp).toBe('2025-01-01T00:00:05Z');
    expect(shorter?.metadata?.deletionGracePeriodSeconds).toBe(3);
  });
});

describe('ObjectStore finalizers', () => {
  it('hold a deleted object until the last one is removed', () => {
    const store = newStore();
    store.create('Pod', pod('p', undefined, { finalizers: ['example.com/a', 'example.com/b'] }));
    const held = store.delete('Pod', 'default', 'p');
    expect(held?.metadata?.deletionTimestamp).toBeDefined();
    const events = recorder(store);
    store.modify('Pod', 'default', 'p', (p) => {
      p.metadata = { ...p.metadata, finalizers: ['example.com/b'] };
    });
    expect(store.get('Pod', 'default', 'p')).toBeDefined();
    store.modify('Pod', 'default', 'p', (p) => {
      p.metadata = { ...p.metadata, finalizers: [] };
    });
    expect(store.get('Pod', 'default', 'p')).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['MODIFIED', 'DELETED']);
  });

  it('forbid adding finalizers once deleting', () => {
    const store = newStore();
    store.create('Pod', pod('p', undefined, { finalizers: ['example.com/a'] }));
    store.delete('Pod', 'default', 'p');
    const error = (() => {
      try {
        store.modify('Pod', 'default', 'p', (p) => {
          p.metadata = { ...p.metadata, finalizers: ['example.com/a', 'example.com/b'] };
        });
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).reason).toBe('Invalid');
    expect((error as ApiError).message).toContain('no new finalizers can be added');
  });

  it('Foreground and Orphan deletes add their finalizer; Background removes them', () => {
    const store = newStore();
    store.create('DaemonSet', daemonSet('a'));
    store.create('DaemonSet', daemonSet('b'));
    store.create('DaemonSet', daemonSet('c'));
    expect(
      store.delete('DaemonSet', 'default', 'a', { propagationPolicy: 'Foreground' })?.metadata?.finalizers,
    ).toEqual(['foregroundDeletion']);
    expect(store.delete('DaemonSet', 'default', 'b', { propagationPolicy: 'Orphan' })?.metadata?.finalizers).toEqual([
      'orphan',
    ]);
    // Switching policy on a repeated delete swaps the finalizer.
    expect(
      store.delete('DaemonSet', 'default', 'b', { propagationPolicy: 'Foreground' })?.metadata?.finalizers,
    ).toEqual(['foregroundDeletion']);
    expect(store.delete('DaemonSet', 'default', 'c', { propagationPolicy: 'Background' })).toBeUndefined();
    // A repeated delete without a policy leaves the finalizers as they are.
    expect(store.delete('DaemonSet', 'default', 'a')?.metadata?.finalizers).toEqual(['foregroundDeletion']);
  });
});

describe('ObjectStore watch', () => {
  it('emits ADDED, MODIFIED with the old object, and DELETED; unsubscribe stops delivery', () => {
    const store = newStore();
    const events = recorder(store);
    store.create('Pod', pod('p'));
    store.modify('Pod', 'default', 'p', (p) => {
      p.metadata = { ...p.metadata, labels: { a: 'b' } };
    });
    store.delete('Pod', 'default', 'p');
    expect(events.map((e) => `${e.type} ${e.kind}`)).toEqual(['ADDED Pod', 'MODIFIED Pod', 'DELETED Pod']);
    expect(events[1]?.oldObject?.metadata?.labels).toBeUndefined();
    expect(events[1]?.object.metadata?.labels).toEqual({ a: 'b' });
    const seen: WatchEvent[] = [];
    const stop = store.watch((e) => seen.push(e));
    stop();
    store.create('Pod', pod('q'));
    expect(seen).toEqual([]);
  });

  it('stored objects are frozen and lists are snapshots', () => {
    const store = newStore();
    store.create('Pod', pod('a'));
    store.create('Pod', pod('b'));
    const before = store.list('Pod');
    expect(Object.isFrozen(before[0])).toBe(true);
    expect(Object.isFrozen(before[0]?.metadata)).toBe(true);
    store.modify('Pod', 'default', 'a', (p) => {
      p.metadata = { ...p.metadata, labels: { changed: 'yes' } };
    });
    expect(before[0]?.metadata?.labels).toBeUndefined();
    expect(store.list('Pod')[0]?.metadata?.labels).toEqual({ changed: 'yes' });
    expect(store.list('Pod').map((p) => p.metadata?.name)).toEqual(['a', 'b']);
  });

  it('lists are ordered by key and filter by namespace', () => {
    const store = newStore();
    store.create('Pod', { ...pod('z'), metadata: { name: 'z', namespace: 'b' } });
    store.create('Pod', { ...pod('y'), metadata: { name: 'y', namespace: 'a' } });
    store.create('Pod', { ...pod('x'), metadata: { name: 'x', namespace: 'b' } });
    expect(store.list('Pod').map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`)).toEqual(['a/y', 'b/x', 'b/z']);
    expect(store.list('Pod', 'b').map((p) => p.metadata?.name)).toEqual(['x', 'z']);
  });
});

describe('ObjectStore fault injection', () => {
  it('fails the chosen requests before they take effect', () => {
    const store = newStore();
    store.setFaultInjector(({ verb, kind }) =>
      verb === 'create' && kind === 'Pod' ? new ApiError('InternalError', 'injected') : undefined,
    );
    expect(reasonOf(() => store.create('Pod', pod('p')))).toBe('InternalError');
    expect(store.count('Pod')).toBe(0);
    store.setFaultInjector(undefined);
    expect(store.create('Pod', pod('p')).metadata?.name).toBe('p');
  });
});
