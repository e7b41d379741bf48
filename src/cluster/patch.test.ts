import { describe, expect, it } from 'vitest';
import { ApiError } from './apiError.js';
import { applyPatch, jsonPatch, mergePatch, strategicMergePatch } from './patch.js';

const pod = {
  metadata: {
    name: 'p',
    labels: { a: '1', b: '2' },
    finalizers: ['x'],
    ownerReferences: [{ uid: 'u1', kind: 'DaemonSet', name: 'ds', controller: true }],
  },
  spec: {
    containers: [
      { name: 'c1', image: 'i1', env: [{ name: 'E', value: '1' }] },
      { name: 'c2', image: 'i2' },
    ],
    tolerations: [{ key: 't1', operator: 'Exists' }],
  },
};

describe('JSON merge patch (RFC 7386)', () => {
  it('merges objects, removes on null and replaces lists', () => {
    const out = mergePatch(pod, {
      metadata: { labels: { a: null, c: '3' } },
      spec: { tolerations: [{ key: 't2', operator: 'Exists' }] },
    }) as typeof pod;
    expect(out.metadata.labels).toEqual({ b: '2', c: '3' });
    expect(out.spec.tolerations).toEqual([{ key: 't2', operator: 'Exists' }]);
    expect(out.spec.containers).toHaveLength(2);
    expect(pod.metadata.labels).toEqual({ a: '1', b: '2' }); // the target is not changed
  });
});

describe('strategic merge patch', () => {
  it('adopts by adding an owner reference and releases with $patch: delete (the DaemonSet controller)', () => {
    const adopted = strategicMergePatch(pod, {
      metadata: { ownerReferences: [{ uid: 'u2', kind: 'DaemonSet', name: 'other' }] },
    }) as typeof pod;
    expect(adopted.metadata.ownerReferences.map((o) => o.uid)).toEqual(['u1', 'u2']);
    const released = strategicMergePatch(adopted, {
      metadata: { ownerReferences: [{ $patch: 'delete', uid: 'u1' }] },
    }) as typeof pod;
    expect(released.metadata.ownerReferences.map((o) => o.uid)).toEqual(['u2']);
  });

  it('merges containers by name and env by name, keeps the others, replaces lists without a strategy', () => {
    const out = strategicMergePatch(pod, {
      spec: {
        containers: [{ name: 'c1', image: 'i1b', env: [{ name: 'F', value: '2' }] }],
        tolerations: [{ key: 't3', operator: 'Exists' }],
      },
    }) as typeof pod;
    expect(out.spec.containers.map((c) => `${c.name}=${c.image}`)).toEqual(['c1=i1b', 'c2=i2']);
    expect(out.spec.containers[0]?.env?.map((e) => e.name)).toEqual(['E', 'F']);
    expect(out.spec.tolerations).toEqual([{ key: 't3', operator: 'Exists' }]);
  });

  it('treats finalizers as a set and honours $deleteFromPrimitiveList, $setElementOrder and $retainKeys', () => {
    const out = strategicMergePatch(pod, {
      metadata: { finalizers: ['x', 'y'], '$deleteFromPrimitiveList/finalizers': ['x'] },
      spec: { '$setElementOrder/containers': [{ name: 'c2' }, { name: 'c1' }] },
    }) as typeof pod;
    expect(out.metadata.finalizers).toEqual(['y']);
    expect(out.spec.containers.map((c) => c.name)).toEqual(['c2', 'c1']);
    const retained = strategicMergePatch(pod, { metadata: { $retainKeys: ['name', 'labels'] } }) as typeof pod;
    expect(Object.keys(retained.metadata)).toEqual(['name', 'labels']);
  });

  it('replaces a map or a list with $patch: replace and deletes a map with $patch: delete', () => {
    const replaced = strategicMergePatch(pod, { metadata: { labels: { $patch: 'replace', z: '9' } } }) as typeof pod;
    expect(replaced.metadata.labels).toEqual({ z: '9' });
    const list = strategicMergePatch(pod, {
      spec: { containers: [{ $patch: 'replace' }, { name: 'only', image: 'i' }] },
    }) as typeof pod;
    expect(list.spec.containers).toEqual([{ name: 'only', image: 'i' }]);
    const deleted = strategicMergePatch(pod, { metadata: { labels: { $patch: 'delete' } } }) as typeof pod;
    expect(deleted.metadata.labels).toBeUndefined();
  });

  it('refuses a list item without its merge key', () => {
    expect(() => strategicMergePatch(pod, { spec: { containers: [{ image: 'x' }] } })).toThrow(/merge key: name/);
    expect(() => strategicMergePatch(pod, [])).toThrow(ApiError);
  });
});

describe('JSON patch (RFC 6902)', () => {
  it('applies operations and refuses a failed test with 422', () => {
    const out = jsonPatch(pod, [
      { op: 'replace', path: '/spec/containers/0/image', value: 'new' },
      { op: 'remove', path: '/metadata/labels/a' },
    ]) as typeof pod;
    expect(out.spec.containers[0]?.image).toBe('new');
    expect(out.metadata.labels).toEqual({ b: '2' });
    let error: unknown;
    try {
      jsonPatch(pod, [{ op: 'test', path: '/metadata/name', value: 'q' }]);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe(422);
    expect(() => applyPatch('json', pod, { op: 'add' })).toThrow(/list of operations/);
  });
});
