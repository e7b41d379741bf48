// biome-ignore-all lint/suspicious/noExplicitAny: the tests read wire JSON of many kinds
/**
 * `dsconform serve`'s HTTP API, in process: what a Kubernetes client can rely on (status codes and
 * reasons, optimistic concurrency, selectors, paging, watches from a resourceVersion, patches,
 * deletion with propagation) and that writes go through the simulated cluster's components.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { daemonSet, type InProcessServe, serveInProcess } from './support.js';

let s: InProcessServe;

beforeEach(async () => {
  s = await serveInProcess();
});
afterEach(async () => {
  await s.close();
});

/** Reads watch events from a streaming response until `enough` says so (or the stream ends). */
async function readWatch(response: Response, enough: (events: any[]) => boolean): Promise<any[]> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  const events: any[] = [];
  let buffered = '';
  while (!enough(events)) {
    const { done, value } = await reader.read();
    if (done) break;
    buffered += decoder.decode(value, { stream: true });
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      events.push(JSON.parse(buffered.slice(0, newline)));
      buffered = buffered.slice(newline + 1);
      newline = buffered.indexOf('\n');
    }
  }
  await reader.cancel();
  return events;
}

describe('discovery', () => {
  it('lists the served groups and resources as kubectl reads them', async () => {
    expect(s.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await s.call('GET', '/version')).body.gitVersion).toMatch(/^v1\.\d+\.\d+/);
    expect((await s.call('GET', '/api')).body.versions).toEqual(['v1']);
    const core = (await s.call('GET', '/api/v1')).body;
    expect(core.resources.map((r: any) => r.name)).toEqual(
      expect.arrayContaining(['pods', 'pods/status', 'nodes', 'namespaces', 'events']),
    );
    const groups = (await s.call('GET', '/apis')).body.groups.map((g: any) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['apps', 'events.k8s.io', 'coordination.k8s.io']));
    const apps = (await s.call('GET', '/apis/apps/v1')).body;
    expect(apps.resources.find((r: any) => r.name === 'daemonsets')).toMatchObject({
      kind: 'DaemonSet',
      namespaced: true,
      shortNames: ['ds'],
    });
    expect((await s.call('GET', '/apis/apps')).body.preferredVersion.groupVersion).toBe('apps/v1');
    const openapi = (await s.call('GET', '/openapi/v3')).body;
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['api/v1', 'apis/apps/v1']));
    const gv = (await s.call('GET', '/openapi/v3/apis/apps/v1')).body;
    const patch = gv.paths['/apis/apps/v1/namespaces/{namespace}/daemonsets/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'DaemonSet' });
    expect((await s.call('GET', '/healthz')).body).toBe('ok');
    expect((await s.call('GET', '/apis/nothing/v1')).status).toBe(404);
  });
});

describe('writes go through the simulated cluster', () => {
  it('creates a DaemonSet; the reference controller, scheduler and kubelet give every node a running pod', async () => {
    const created = await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web'));
    expect(created.status).toBe(201);
    expect(created.body.metadata).toMatchObject({ name: 'web', namespace: 'default', generation: 1 });
    const pods = (await s.call('GET', '/api/v1/namespaces/default/pods?labelSelector=app%3Dweb')).body;
    expect(pods.kind).toBe('PodList');
    expect(pods.items.map((p: any) => p.spec.nodeName).sort()).toEqual(['node-0', 'node-1', 'node-2']);
    expect(pods.items.every((p: any) => p.status.phase === 'Running')).toBe(true);
    const ds = (await s.call('GET', '/apis/apps/v1/namespaces/default/daemonsets/web')).body;
    expect(ds.status).toMatchObject({ desiredNumberScheduled: 3, numberReady: 3, updatedNumberScheduled: 3 });
    const events = (await s.call('GET', '/api/v1/namespaces/default/events?fieldSelector=reason%3DSuccessfulCreate'))
      .body;
    expect(events.items).toHaveLength(3);
    expect(events.items[0].involvedObject).toMatchObject({ kind: 'DaemonSet', name: 'web', apiVersion: 'apps/v1' });
  });

  it('answers invalid objects with 422 and the field, as the API server does', async () => {
    const bad = daemonSet('bad') as any;
    bad.spec.selector.matchLabels.app = 'other';
    const answer = await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', bad);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Invalid', code: 422 });
    expect(answer.body.message).toMatch(/^DaemonSet\.apps "bad" is invalid: spec\.template\.metadata\.labels/);
    expect(answer.body.details.causes[0]).toMatchObject({
      field: 'spec.template.metadata.labels',
      reason: 'FieldValueInvalid',
    });
    const again = await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web'));
    expect(again.status).toBe(201);
    const duplicate = await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web'));
    expect(duplicate).toMatchObject({ status: 409, body: { reason: 'AlreadyExists' } });
  });

  it('refuses malformed requests with a Status naming the problem', async () => {
    const notJson = await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', '{"kind": ');
    expect(notJson).toMatchObject({ status: 400, body: { reason: 'BadRequest' } });
    expect(notJson.body.message).toMatch(/not JSON/);
    const wrongKind = await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', {
      kind: 'Pod',
      metadata: { name: 'x' },
    });
    expect(wrongKind.status).toBe(400);
    const otherNamespace = await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', {
      ...daemonSet('x'),
      metadata: { name: 'x', namespace: 'kube-system' },
    });
    expect(otherNamespace.body.message).toMatch(/does not match the namespace/);
    const text = await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', 'x', {
      'Content-Type': 'text/plain',
    });
    expect(text).toMatchObject({ status: 415, body: { reason: 'UnsupportedMediaType' } });
    expect((await s.call('GET', '/apis/apps/v1/namespaces/default/daemonsets/none')).body).toMatchObject({
      code: 404,
      reason: 'NotFound',
      message: 'daemonsets.apps "none" not found',
    });
    expect((await s.call('PUT', '/apis/apps/v1/namespaces/default/daemonsets')).status).toBe(405);
    expect((await s.call('GET', '/api/v1/namespaces/default/nodes')).status).toBe(404);
    expect((await s.call('POST', '/apis/apps/v1/namespaces/nowhere/daemonsets', daemonSet('x'))).body.message).toBe(
      'namespaces "nowhere" not found',
    );
    expect((await s.call('GET', '/api/v1/pods?labelSelector=a%20in%20()')).status).toBe(400);
    expect((await s.call('GET', '/api/v1/pods?fieldSelector=spec.image%3Dx')).body.message).toBe(
      'field label not supported: spec.image',
    );
    expect((await s.call('GET', '/api/v1/pods?watch=true&resourceVersion=abc')).status).toBe(400);
  });
});

describe('optimistic concurrency, status and patches', () => {
  it('refuses an update from a stale resourceVersion with 409 and writes status only through /status', async () => {
    const created = (await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web'))).body;
    const path = '/apis/apps/v1/namespaces/default/daemonsets/web';
    const current = (await s.call('GET', path)).body;
    const stale = {
      ...current,
      metadata: { ...current.metadata, resourceVersion: created.metadata.resourceVersion, labels: { x: '1' } },
    };
    expect(current.metadata.resourceVersion).not.toBe(created.metadata.resourceVersion);
    const conflict = await s.call('PUT', path, stale);
    expect(conflict).toMatchObject({ status: 409, body: { reason: 'Conflict' } });
    const status = await s.call('PUT', `${path}/status`, {
      ...current,
      metadata: { ...current.metadata, labels: { ignored: 'yes' } },
      status: { ...current.status, numberMisscheduled: 7 },
    });
    expect(status.status).toBe(200);
    expect(status.body.status.numberMisscheduled).toBe(7);
    expect(status.body.metadata.labels).toBeUndefined();
    // The controller has since corrected the status it owns (a new resourceVersion): read it again.
    const latest = (await s.call('GET', path)).body;
    expect(latest.status.numberMisscheduled).toBe(0);
    const spec = await s.call('PUT', path, {
      ...latest,
      metadata: { ...latest.metadata, labels: { team: 'a' } },
      status: {},
    });
    expect(spec.body.metadata.labels).toEqual({ team: 'a' });
    expect(spec.body.status.desiredNumberScheduled).toBe(3);
  });

  it('applies strategic merge, merge and JSON patches; a template change rolls the pods over', async () => {
    await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web', 'nginx:1'));
    const path = '/apis/apps/v1/namespaces/default/daemonsets/web';
    const strategic = await s.call(
      'PATCH',
      path,
      { spec: { template: { spec: { containers: [{ name: 'c', image: 'nginx:2' }] } } } },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    expect(strategic.status).toBe(200);
    expect(strategic.body.metadata.generation).toBe(2);
    // maxUnavailable 1: settling after the write rolls one node at a time until all are new.
    for (let i = 0; i < 5; i++) s.served.settle();
    const images = (await s.call('GET', '/api/v1/namespaces/default/pods')).body.items.map(
      (p: any) => p.spec.containers[0].image,
    );
    expect(images).toEqual(['nginx:2', 'nginx:2', 'nginx:2']);
    const merge = await s.call(
      'PATCH',
      path,
      { metadata: { labels: { a: 'b' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(merge.body.metadata.labels).toEqual({ a: 'b' });
    const json = await s.call('PATCH', path, [{ op: 'remove', path: '/metadata/labels/a' }], {
      'Content-Type': 'application/json-patch+json',
    });
    expect(json.body.metadata.labels).toEqual({});
    const failedTest = await s.call('PATCH', path, [{ op: 'test', path: '/metadata/name', value: 'no' }], {
      'Content-Type': 'application/json-patch+json',
    });
    expect(failedTest.status).toBe(422);
    const stale = await s.call(
      'PATCH',
      path,
      { metadata: { resourceVersion: '1', labels: { c: 'd' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    expect(stale.status).toBe(409);
    expect((await s.call('PATCH', path, {}, { 'Content-Type': 'application/apply-patch+yaml' })).status).toBe(415);
  });
});

describe('deletion', () => {
  it('orphans the pods with propagationPolicy Orphan and honours preconditions', async () => {
    const ds = (await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web'))).body;
    const path = '/apis/apps/v1/namespaces/default/daemonsets/web';
    const wrongUid = await s.call('DELETE', path, { preconditions: { uid: 'not-it' } });
    expect(wrongUid).toMatchObject({ status: 409, body: { reason: 'Conflict' } });
    const deleted = await s.call('DELETE', `${path}?propagationPolicy=Orphan`);
    expect(deleted.status).toBe(200);
    expect((await s.call('GET', path)).status).toBe(404);
    const pods = (await s.call('GET', '/api/v1/namespaces/default/pods')).body.items;
    expect(pods).toHaveLength(3);
    expect(
      pods.every((p: any) => (p.metadata.ownerReferences ?? []).every((o: any) => o.uid !== ds.metadata.uid)),
    ).toBe(true);
    const bad = await s.call(
      'DELETE',
      `/api/v1/namespaces/default/pods/${pods[0].metadata.name}?propagationPolicy=Sometimes`,
    );
    expect(bad.status).toBe(422);
  });

  it('empties and removes a deleted namespace; every namespace gets its default ServiceAccount', async () => {
    expect((await s.call('POST', '/api/v1/namespaces', { metadata: { name: 'team' } })).status).toBe(201);
    expect((await s.call('GET', '/api/v1/namespaces/team/serviceaccounts/default')).status).toBe(200);
    await s.call('POST', '/apis/apps/v1/namespaces/team/daemonsets', daemonSet('web'));
    expect((await s.call('GET', '/api/v1/namespaces/team/pods')).body.items).toHaveLength(3);
    const deleting = await s.call('DELETE', '/api/v1/namespaces/team');
    expect(deleting.body.status?.phase === 'Terminating' || deleting.body.status === 'Success').toBe(true);
    for (let i = 0; i < 3; i++) s.served.settle();
    expect((await s.call('GET', '/api/v1/namespaces/team')).status).toBe(404);
    expect((await s.call('GET', '/api/v1/namespaces/team/pods')).body.items).toHaveLength(0);
    expect((await s.call('GET', '/apis/apps/v1/namespaces/team/daemonsets')).body.items).toHaveLength(0);
  });
});

describe('LIST and WATCH', () => {
  it('selects by field, pages with limit and continue, and prints a Table for kubectl', async () => {
    await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web'));
    const onNode1 = (await s.call('GET', '/api/v1/pods?fieldSelector=spec.nodeName%3Dnode-1')).body.items;
    expect(onNode1.map((p: any) => p.spec.nodeName)).toEqual(['node-1']);
    const first = (await s.call('GET', '/api/v1/nodes?limit=2')).body;
    expect(first.items.map((n: any) => n.metadata.name)).toEqual(['node-0', 'node-1']);
    expect(first.metadata.remainingItemCount).toBe(1);
    const rest = (await s.call('GET', `/api/v1/nodes?limit=2&continue=${first.metadata.continue}`)).body;
    expect(rest.items.map((n: any) => n.metadata.name)).toEqual(['node-2']);
    expect(rest.metadata.continue).toBeUndefined();
    expect((await s.call('GET', '/api/v1/nodes?continue=garbage')).status).toBe(400);
    const table = (
      await s.call('GET', '/api/v1/namespaces/default/pods', undefined, {
        Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json',
      })
    ).body;
    expect(table.kind).toBe('Table');
    expect(table.columnDefinitions.find((c: any) => c.name === 'Node')).toMatchObject({ priority: 1 });
    expect(table.rows[0].cells.slice(1, 4)).toEqual(['1/1', 'Running', 0]);
    expect(table.rows[0].object.kind).toBe('PartialObjectMetadata');
  });

  it('watches from the resourceVersion of a LIST and sees the pods a DaemonSet creates', async () => {
    const list = (await s.call('GET', '/api/v1/namespaces/default/pods')).body;
    const response = await fetch(
      `${s.url}/api/v1/namespaces/default/pods?watch=true&allowWatchBookmarks=true&resourceVersion=${list.metadata.resourceVersion}`,
    );
    expect(response.status).toBe(200);
    await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web'));
    const events = await readWatch(response, (seen) => seen.filter((e) => e.type === 'ADDED').length >= 3);
    expect(events.slice(0, 3).map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED']);
    expect(new Set(events.slice(0, 3).map((e) => e.object.metadata.name)).size).toBe(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.served.changes.subscribers).toBe(0); // the cancelled watch is gone
    // Replaying from a version sees the same changes again; a label-selected watch sees none.
    const replay = await fetch(`${s.url}/api/v1/pods?watch=1&resourceVersion=${list.metadata.resourceVersion}`);
    const again = await readWatch(replay, (seen) => seen.length >= 3);
    expect(again.slice(0, 3).map((e) => e.object.metadata.name)).toEqual(
      events.slice(0, 3).map((e) => e.object.metadata.name),
    );
  });

  it('starts a watch after the version it names: the change written at that version is not sent again', async () => {
    const merge = { 'Content-Type': 'application/merge-patch+json' };
    const first = (await s.call('PATCH', '/api/v1/nodes/node-0', { metadata: { labels: { step: '1' } } }, merge)).body;
    const response = await fetch(`${s.url}/api/v1/nodes?watch=true&resourceVersion=${first.metadata.resourceVersion}`);
    await s.call('PATCH', '/api/v1/nodes/node-1', { metadata: { labels: { step: '2' } } }, merge);
    const events = await readWatch(response, (seen) => seen.length >= 1);
    expect(events[0]).toMatchObject({
      type: 'MODIFIED',
      object: { metadata: { name: 'node-1', labels: { step: '2' } } },
    });
  });

  it('sends initial events and a bookmark with sendInitialEvents, and 410 Gone past the watch cache', async () => {
    await s.close();
    s = await serveInProcess({ changeLogCapacity: 5 });
    const initial = await fetch(
      `${s.url}/api/v1/nodes?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan`,
    );
    const events = await readWatch(initial, (seen) => seen.some((e) => e.type === 'BOOKMARK'));
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'ADDED', 'ADDED', 'BOOKMARK']);
    expect(events[3].object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web'));
    const old = await fetch(`${s.url}/api/v1/pods?watch=true&resourceVersion=1`);
    const gone = await readWatch(old, (seen) => seen.length >= 1);
    expect(gone[0]).toMatchObject({ type: 'ERROR', object: { code: 410, reason: 'Expired' } });
  });

  it("counts the controller's requests as activity, not the harness's (its token) nor open watches", async () => {
    await s.close();
    s = await serveInProcess({ harnessToken: 'h' });
    const harness = { Authorization: 'Bearer h' };
    await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web'), harness);
    expect(s.api.controllerActivity()).toEqual({ inFlight: 0, lastWriteAtMs: 0 });
    const watch = new AbortController();
    await fetch(`${s.url}/api/v1/pods?watch=true`, { signal: watch.signal });
    expect(s.api.controllerActivity().inFlight).toBe(0);
    watch.abort();
    const before = Date.now();
    await s.call(
      'PATCH',
      '/api/v1/nodes/node-0',
      { metadata: { labels: { a: 'b' } } },
      { 'Content-Type': 'application/merge-patch+json' },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    const activity = s.api.controllerActivity();
    expect(activity.inFlight).toBe(0);
    expect(activity.lastWriteAtMs).toBeGreaterThanOrEqual(before);
  });

  it('stays up when clients flood it or leave in the middle of a watch', async () => {
    const answers = await Promise.all(Array.from({ length: 200 }, () => s.call('GET', '/api/v1/nodes')));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    const controller = new AbortController();
    const watch = await fetch(`${s.url}/api/v1/pods?watch=true`, { signal: controller.signal });
    expect(watch.status).toBe(200);
    controller.abort();
    await s.call('POST', '/apis/apps/v1/namespaces/default/daemonsets', daemonSet('web'));
    expect((await s.call('GET', '/api/v1/pods')).body.items).toHaveLength(3);
  });
});
