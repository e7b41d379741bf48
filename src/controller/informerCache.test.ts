/**
 * The informer cache's per-owner pod lists: kept sorted by merging what changed since the last
 * list, they must always equal a fresh sort of what the cache holds.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Pod } from '../cluster/objects.js';
import { objectKey } from '../cluster/objects.js';
import { InformerCache } from './informerCache.js';

const OWNERS = ['', 'ds-a', 'ds-b'] as const;

function pod(name: string, owner: string, namespace: string): Pod {
  return {
    metadata: {
      name,
      namespace,
      ...(owner === ''
        ? {}
        : {
            ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: owner, uid: owner, controller: true }],
          }),
    },
  };
}

/** What podsOwnedByOrOrphan must return: the cached pods of `uid` or no one, in `namespace`, by key. */
function expected(held: Map<string, Pod>, uid: string, namespace: string): string[] {
  return [...held.entries()]
    .filter(([, p]) => {
      const owner = p.metadata?.ownerReferences?.[0]?.uid ?? '';
      return (owner === uid || owner === '') && p.metadata?.namespace === namespace;
    })
    .map(([k]) => k)
    .sort();
}

const step = fc.oneof(
  fc.record({
    op: fc.constant('put' as const),
    name: fc.constantFrom('a', 'b', 'c', 'd'),
    owner: fc.constantFrom(...OWNERS),
    namespace: fc.constantFrom('default', 'other'),
  }),
  fc.record({
    op: fc.constant('delete' as const),
    name: fc.constantFrom('a', 'b', 'c', 'd'),
    namespace: fc.constantFrom('default', 'other'),
  }),
  fc.record({
    op: fc.constant('list' as const),
    uid: fc.constantFrom(...OWNERS),
    namespace: fc.constantFrom('default', 'other'),
  }),
);

describe('InformerCache.podsOwnedByOrOrphan', () => {
  it('lists exactly the owned and orphan pods, sorted by key, through any adds, moves and deletes', () => {
    fc.assert(
      fc.property(fc.array(step, { minLength: 10, maxLength: 80, size: 'max' }), (steps) => {
        const cache = new InformerCache();
        const held = new Map<string, Pod>();
        for (const s of steps) {
          if (s.op === 'list') {
            const listed = cache.podsOwnedByOrOrphan(s.uid, s.namespace).map((p) => objectKey(p.metadata ?? {}));
            expect(listed).toEqual(expected(held, s.uid, s.namespace));
            continue;
          }
          const key = objectKey({ name: s.name, namespace: s.namespace });
          const before = held.get(key);
          if (s.op === 'put') {
            const object = pod(s.name, s.owner, s.namespace);
            cache.apply({
              type: before ? 'MODIFIED' : 'ADDED',
              kind: 'Pod',
              object,
              ...(before ? { oldObject: before } : {}),
            });
            held.set(key, object);
          } else if (before) {
            cache.apply({ type: 'DELETED', kind: 'Pod', object: before, oldObject: before });
            held.delete(key);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
