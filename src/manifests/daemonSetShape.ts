/**
 * The JSON types of the DaemonSet fields the simulation reads. The API server decodes a request
 * into Go structs before any validation runs, so `containers: nginx` or a label written as
 * `version: 1.0` fails there ("cannot unmarshal number into ... of type string"); this schema
 * is that decoding step. Fields it does not name pass through untouched.
 */
import { z } from 'zod';

/** Go decodes JSON null into a field's zero value, which for an optional field means "not set". */
const opt = <T extends z.ZodType>(schema: T) => schema.nullish();

/** A null map value decodes to the empty string (`app:` with nothing after it is the label app=""). */
const stringMap = z.record(
  z.string(),
  z
    .string()
    .nullable()
    .transform((v) => v ?? ''),
);

const integer = z.number().int();

const intOrString = z.union([integer, z.string()], {
  error: 'expected an integer or a percentage such as "25%"',
});

const labelSelectorRequirement = z.looseObject({
  key: opt(z.string()),
  operator: opt(z.string()),
  values: opt(z.array(z.string())),
});

const labelSelector = z.looseObject({
  matchLabels: opt(stringMap),
  matchExpressions: opt(z.array(labelSelectorRequirement)),
});

const objectMeta = z.looseObject({
  name: opt(z.string()),
  generateName: opt(z.string()),
  namespace: opt(z.string()),
  labels: opt(stringMap),
  annotations: opt(stringMap),
});

const container = z.looseObject({
  name: opt(z.string()),
  image: opt(z.string()),
  ports: opt(
    z.array(
      z.looseObject({
        containerPort: opt(integer),
        hostPort: opt(integer),
        protocol: opt(z.string()),
      }),
    ),
  ),
});

const toleration = z.looseObject({
  key: opt(z.string()),
  operator: opt(z.string()),
  value: opt(z.string()),
  effect: opt(z.string()),
  tolerationSeconds: opt(integer),
});

const nodeSelectorTerm = z.looseObject({
  matchExpressions: opt(z.array(labelSelectorRequirement)),
  matchFields: opt(z.array(labelSelectorRequirement)),
});

const affinity = z.looseObject({
  nodeAffinity: opt(
    z.looseObject({
      requiredDuringSchedulingIgnoredDuringExecution: opt(
        z.looseObject({ nodeSelectorTerms: opt(z.array(nodeSelectorTerm)) }),
      ),
    }),
  ),
});

const podSpec = z.looseObject({
  containers: opt(z.array(container)),
  initContainers: opt(z.array(container)),
  nodeName: opt(z.string()),
  nodeSelector: opt(stringMap),
  affinity: opt(affinity),
  tolerations: opt(z.array(toleration)),
  hostNetwork: opt(z.boolean()),
  restartPolicy: opt(z.string()),
  terminationGracePeriodSeconds: opt(integer),
  activeDeadlineSeconds: opt(integer),
});

export const daemonSetShape = z.looseObject({
  apiVersion: z.string(),
  kind: z.literal('DaemonSet'),
  metadata: opt(objectMeta),
  spec: opt(
    z.looseObject({
      selector: opt(labelSelector),
      template: opt(z.looseObject({ metadata: opt(objectMeta), spec: opt(podSpec) })),
      updateStrategy: opt(
        z.looseObject({
          type: opt(z.string()),
          rollingUpdate: opt(
            z.looseObject({
              maxUnavailable: opt(intOrString),
              maxSurge: opt(intOrString),
            }),
          ),
        }),
      ),
      minReadySeconds: opt(integer),
      revisionHistoryLimit: opt(integer),
    }),
  ),
});

/** Removes mapping entries whose value is null, at every depth (they mean "not set"). */
export function withoutNulls<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => withoutNulls(v)) as T;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== null);
    return Object.fromEntries(entries.map(([k, v]) => [k, withoutNulls(v)])) as T;
  }
  return value;
}
