import { z } from 'zod';

/**
 * Building blocks shared by the three kinds. Each is a zod schema whose JSON Schema becomes part of a CRD, so
 * bounds, enums and descriptions written here are what the apiserver enforces and `kubectl explain` shows.
 */

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export const objectName = z.string().min(1).max(253).regex(dnsSubdomain);

/** A key of a Secret or ConfigMap (`[-._a-zA-Z0-9]+`). */
export const dataKey = z
  .string()
  .min(1)
  .max(253)
  .regex(/^[-._a-zA-Z0-9]+$/);

export const secretKeyRef = z
  .object({
    name: objectName.describe('Name of a Secret in the same namespace.'),
    key: dataKey.describe('Key in that Secret.'),
  })
  .describe('A key of a Secret in the same namespace.');
export type SecretKeyRef = z.infer<typeof secretKeyRef>;

export const gatewayRef = z
  .object({ name: objectName.describe('Name of an LLMGateway in the same namespace.') })
  .describe(
    'The LLMGateway this object belongs to (same namespace). Membership is decided by this ref alone.',
  );

export const labelMap = z.record(z.string().max(317), z.string().max(63)).optional();
export const annotationMap = z.record(z.string().max(317), z.string()).optional();

/** Kubernetes' int-or-string: an absolute number or a percentage such as `25%`. */
export const intOrPercent = z
  .union([z.number().int().min(0), z.string().regex(/^\d+%$/)])
  .meta({ 'x-kubernetes-int-or-string': true });

/** A resource quantity (`500m`, `1Gi`, `2`). */
export const quantity = z
  .union([z.number().min(0), z.string().regex(/^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$/)])
  .meta({ 'x-kubernetes-int-or-string': true });

export const resourceRequirements = z
  .object({
    requests: z.record(z.string(), quantity).optional().describe('Minimum resources, e.g. cpu: 500m.'),
    limits: z.record(z.string(), quantity).optional().describe('Maximum resources, e.g. memory: 1Gi.'),
  })
  .describe('Compute resources of the gateway container.');

/** An arbitrary Kubernetes object fragment the apiserver validates where it lands (the pod spec). */
export const passThroughObject = z.looseObject({}).meta({ 'x-kubernetes-preserve-unknown-fields': true });

export const toleration = z
  .object({
    key: z
      .string()
      .max(317)
      .optional()
      .describe('Taint key; empty with operator Exists matches every taint.'),
    operator: z
      .enum(['Exists', 'Equal'])
      .optional()
      .describe('How key and value are compared (default Equal).'),
    value: z.string().max(63).optional().describe('Taint value for operator Equal.'),
    effect: z
      .enum(['NoSchedule', 'PreferNoSchedule', 'NoExecute'])
      .optional()
      .describe('Taint effect to match.'),
    tolerationSeconds: z
      .number()
      .int()
      .optional()
      .describe('How long a NoExecute taint is tolerated before eviction.'),
  })
  .describe('A core/v1 Toleration.');

export const topologySpreadConstraint = z
  .object({
    maxSkew: z.number().int().min(1).describe('Largest allowed difference of pod counts between domains.'),
    topologyKey: z.string().min(1).max(317).describe('Node label that defines a domain, e.g. a zone.'),
    whenUnsatisfiable: z
      .enum(['DoNotSchedule', 'ScheduleAnyway'])
      .describe('What to do when the skew is exceeded.'),
    labelSelector: passThroughObject.optional().describe('Pods counted; defaults to the gateway pods.'),
    matchLabelKeys: z
      .array(z.string().max(317))
      .max(16)
      .optional()
      .describe('Pod label keys whose values also scope the count, e.g. pod-template-hash.'),
    minDomains: z.number().int().min(1).optional().describe('Minimum number of eligible domains.'),
    nodeAffinityPolicy: z
      .enum(['Honor', 'Ignore'])
      .optional()
      .describe('Whether node affinity limits domains.'),
    nodeTaintsPolicy: z.enum(['Honor', 'Ignore']).optional().describe('Whether node taints limit domains.'),
  })
  .describe('A core/v1 TopologySpreadConstraint.');

/** A duration in LiteLLM's form (`30s`, `30m`, `30h`, `30d`, `1mo`). */
export const liteLLMDuration = z.string().regex(/^\d+(s|m|h|d|mo)$/);

/** A decimal amount of US dollars as a string (`"12.50"`): CRDs avoid floats in specs. */
export const usd = z.string().regex(/^\d{1,9}(\.\d{1,9})?$/);

/** An RFC 3339 time with an offset, e.g. `2027-01-01T00:00:00Z`. */
export const rfc3339 = z.iso.datetime({ offset: true });

export { dnsLabel };
