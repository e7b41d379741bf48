/**
 * A minimal OpenAPI v3 for the served API: the discovery document (`/openapi/v3`) and, per group
 * version, the PATCH operations of each resource, marked with its group-version-kind and the
 * `fieldValidation` parameter. That is what kubectl reads to decide that the server validates
 * (so `kubectl apply` sends its objects instead of validating them against a downloaded schema,
 * cli-runtime's queryParamVerifierV3). No schemas are served: kubectl falls back to the types it
 * is built with wherever it would read one (apply's patch computation, `explain` aside).
 */
import { apiVersionOf, SERVED_RESOURCES, type ServedResource } from './resources.js';

function apiPath(r: ServedResource): string {
  return r.group === '' ? `api/${r.version}` : `apis/${r.group}/${r.version}`;
}

/** GET /openapi/v3: where each group version's document is. */
export function openApiDiscovery(): object {
  const paths: Record<string, { serverRelativeURL: string }> = {};
  for (const r of SERVED_RESOURCES) {
    const path = apiPath(r);
    paths[path] = { serverRelativeURL: `/openapi/v3/${path}?hash=dsconform-${apiVersionOf(r).replace('/', '-')}` };
  }
  return { paths };
}

const FIELD_VALIDATION = {
  name: 'fieldValidation',
  in: 'query',
  description: 'accepted; unknown and duplicate fields are not detected by dsconform serve',
  schema: { type: 'string', uniqueItems: true },
};

/** GET /openapi/v3/api/v1, /openapi/v3/apis/apps/v1...: the PATCH operations of each resource. */
export function openApiGroupVersion(path: string): object | undefined {
  const resources = SERVED_RESOURCES.filter((r) => apiPath(r) === path);
  if (resources.length === 0) return undefined;
  const paths: Record<string, object> = {};
  for (const r of resources) {
    const prefix = r.namespaced ? `/${path}/namespaces/{namespace}/${r.resource}` : `/${path}/${r.resource}`;
    const gvk = { group: r.group, version: r.version, kind: r.kind };
    const operation = (suffix: string) => ({
      patch: {
        operationId: `patch${r.kind}${suffix}`,
        'x-kubernetes-action': 'patch',
        'x-kubernetes-group-version-kind': gvk,
        parameters: [FIELD_VALIDATION],
        responses: { '200': { description: 'OK' } },
      },
    });
    paths[`${prefix}/{name}`] = operation('');
    if (r.hasStatus) paths[`${prefix}/{name}/status`] = operation('Status');
  }
  return { openapi: '3.0.0', info: { title: 'dsconform serve', version: 'v1' }, paths };
}
