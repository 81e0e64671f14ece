import { z } from 'zod';
import {
  annotationMap,
  labelMap,
  objectName,
  passThroughObject,
  toleration,
  topologySpreadConstraint,
} from './common.ts';

const int = z.number().int();

export const podSpecOverrides = z
  .object({
    labels: labelMap.describe('Extra pod labels (selector labels cannot be overridden).'),
    annotations: annotationMap.describe('Extra pod annotations.'),
    nodeSelector: z.record(z.string(), z.string()).optional().describe('Node labels the pods must run on.'),
    tolerations: z.array(toleration).max(64).optional().describe('Taints the pods tolerate.'),
    affinity: passThroughObject.optional().describe('A core/v1 Affinity, validated in the pod template.'),
    topologySpreadConstraints: z
      .array(topologySpreadConstraint)
      .max(8)
      .optional()
      .describe('Replaces the default spread across nodes and zones.'),
    priorityClassName: z.string().max(253).optional().describe('PriorityClass of the pods.'),
    serviceAccountName: objectName
      .optional()
      .describe('Use this ServiceAccount instead of the one the operator creates.'),
    imagePullSecrets: z
      .array(z.object({ name: objectName.describe('Name of a docker-registry Secret.') }))
      .max(16)
      .optional()
      .describe('Secrets used to pull the gateway image.'),
  })
  .describe('Overrides of the gateway pod template.');

export const serviceSpec = z
  .object({
    type: z.enum(['ClusterIP', 'NodePort', 'LoadBalancer']).default('ClusterIP').describe('Service type.'),
    port: int.min(1).max(65535).default(4000).describe('Service port of the API and /metrics.'),
    annotations: annotationMap.describe('Annotations of the Service, e.g. for a cloud load balancer.'),
  })
  .describe('The Service in front of the gateway pods.');

export const serviceMonitorSpec = z
  .object({
    enabled: z.boolean().default(false).describe('Create a ServiceMonitor when its CRD exists.'),
    interval: z
      .string()
      .regex(/^\d+(ms|s|m|h)$/)
      .default('30s')
      .describe('Scrape interval.'),
    labels: labelMap.describe('Labels the Prometheus selects ServiceMonitors by.'),
  })
  .describe('A Prometheus Operator ServiceMonitor for /metrics.');
