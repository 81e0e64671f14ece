import { z } from 'zod';
import { intOrPercent, resourceRequirements, secretKeyRef } from './common.ts';
import { conditionList, observedGeneration } from './conditions.ts';
import { gatewaySettings, shutdownSpec } from './gateway-settings.ts';
import { objectMeta } from './object-meta.ts';
import { podSpecOverrides, serviceMonitorSpec, serviceSpec } from './pod-overrides.ts';
import { withRules } from './rules.ts';

const int = z.number().int();

export const autoscalingSpec = withRules(
  z
    .object({
      minReplicas: int.min(1).max(1000).default(2).describe('Lowest replica count the HPA may set.'),
      maxReplicas: int
        .min(1)
        .max(1000)
        .describe('Highest replica count; also sizes the database pool per pod.'),
      targetCPUUtilizationPercentage: int
        .min(1)
        .max(100)
        .default(60)
        .describe('Average CPU utilisation (of requests) the HPA aims for.'),
      targetMemoryUtilizationPercentage: int
        .min(1)
        .max(100)
        .default(80)
        .describe('Average memory utilisation (of requests) the HPA aims for.'),
    })
    .describe('Scale with a HorizontalPodAutoscaler (autoscaling/v2). Excludes spec.replicas.'),
  [
    {
      rule: 'self.minReplicas <= self.maxReplicas',
      message: 'minReplicas must not exceed maxReplicas',
      fieldPath: '.minReplicas',
      holds: (a) => a.minReplicas <= a.maxReplicas,
    },
  ],
);

export const podDisruptionBudgetSpec = withRules(
  z
    .object({
      enabled: z.boolean().default(true).describe('Create a PodDisruptionBudget for the gateway pods.'),
      minAvailable: intOrPercent.optional().describe('Pods that must stay available (number or percentage).'),
      maxUnavailable: intOrPercent
        .optional()
        .describe('Pods that may be unavailable (number or percentage). Default 1 when neither is set.'),
    })
    .describe('Voluntary-disruption budget. Set at most one of minAvailable and maxUnavailable.'),
  [
    {
      rule: '!(has(self.minAvailable) && has(self.maxUnavailable))',
      message: 'set at most one of minAvailable and maxUnavailable',
      holds: (p) => p.minAvailable === undefined || p.maxUnavailable === undefined,
    },
  ],
);

export const databaseSpec = withRules(
  z
    .object({
      urlSecretRef: secretKeyRef.describe(
        'Secret key holding the PostgreSQL URL (given to pods as DATABASE_URL).',
      ),
      maxConnections: int
        .min(1)
        .max(100000)
        .default(100)
        .describe("The server's max_connections (or the share of it this gateway may use)."),
      reservedConnections: int
        .min(0)
        .max(100000)
        .default(10)
        .describe('Connections kept free for migrations, administrators and other clients.'),
      migrations: z
        .object({
          enabled: z
            .boolean()
            .default(true)
            .describe('Run `migrate` in a Job per image before pods roll to it.'),
          backoffLimit: int.min(0).max(10).default(3).describe('Retries of the migration Job.'),
          activeDeadlineSeconds: int
            .min(30)
            .max(86400)
            .default(900)
            .describe('Time allowed to one migration.'),
        })
        .prefault({})
        .describe('Migration Jobs run before pods roll to a new image.'),
    })
    .describe(
      'PostgreSQL for keys, spend and budgets. Without it each pod uses an embedded store (one replica only).',
    ),
  [
    {
      rule: 'self.reservedConnections < self.maxConnections',
      message: 'reservedConnections must be less than maxConnections',
      fieldPath: '.reservedConnections',
      holds: (d) => d.reservedConnections < d.maxConnections,
    },
  ],
);

export const redisSpec = z
  .object({
    host: z.string().min(1).max(253).describe('Redis host name (REDIS_HOST).'),
    port: int.min(1).max(65535).default(6379).describe('Redis port (REDIS_PORT).'),
    passwordSecretRef: secretKeyRef.optional().describe('Secret key holding the password (REDIS_PASSWORD).'),
  })
  .describe('Redis shared by the pods for limits, cooldowns, cache and key-cache invalidation.');

export const llmGatewaySpec = withRules(
  z
    .object({
      image: z
        .string()
        .min(1)
        .max(512)
        .optional()
        .describe(
          "Gateway image. When unset the operator's default is used and recorded in status.image: upgrading the " +
            'operator then rolls this gateway to the new default. Pin an image to avoid that.',
        ),
      imagePullPolicy: z
        .enum(['Always', 'IfNotPresent', 'Never'])
        .optional()
        .describe('Pull policy of the gateway image (Kubernetes default when unset).'),
      replicas: int
        .min(0)
        .max(1000)
        .optional()
        .describe('Fixed replica count (default 2). Excludes autoscaling.'),
      autoscaling: autoscalingSpec.optional(),
      podDisruptionBudget: podDisruptionBudgetSpec.prefault({}),
      resources: resourceRequirements.optional(),
      masterKeySecretRef: secretKeyRef.describe('Secret key holding the master key (SWITCHYARD_MASTER_KEY).'),
      saltKeySecretRef: secretKeyRef
        .optional()
        .describe('Secret key holding the salt for stored credentials (SWITCHYARD_SALT_KEY).'),
      database: databaseSpec.optional(),
      redis: redisSpec.optional(),
      gateway: gatewaySettings.prefault({}),
      shutdown: shutdownSpec.prefault({}),
      pod: podSpecOverrides.optional(),
      service: serviceSpec.prefault({}),
      serviceMonitor: serviceMonitorSpec.optional(),
    })
    .describe('Desired state of the gateway.'),
  [
    {
      rule: '!(has(self.replicas) && has(self.autoscaling))',
      message: 'set replicas or autoscaling, not both',
      holds: (s) => s.replicas === undefined || s.autoscaling === undefined,
    },
    {
      rule:
        '!has(self.gateway) || !has(self.gateway.cache) || !self.gateway.cache.enabled || ' +
        "self.gateway.cache.type != 'redis' || has(self.redis)",
      message: 'a redis cache needs spec.redis',
      holds: (s) =>
        s.gateway.cache?.enabled !== true || s.gateway.cache.type !== 'redis' || s.redis !== undefined,
    },
  ],
);

export const llmGatewayStatus = z
  .object({
    observedGeneration,
    conditions: conditionList,
    replicas: int.min(0).optional().describe('Pods of the gateway Deployment.'),
    readyReplicas: int.min(0).optional().describe('Pods ready to serve.'),
    modelCount: int.min(0).optional().describe('ModelDeployments rendered into the config.'),
    endpoint: z.string().optional().describe('In-cluster base URL of the OpenAI-compatible API.'),
    databasePoolLimit: int.min(1).optional().describe('Computed DATABASE_CONNECTION_POOL_LIMIT of each pod.'),
    configHash: z.string().optional().describe('Hash of the rendered config.yaml.'),
    image: z
      .string()
      .optional()
      .describe('The image the gateway runs or rolls to (spec.image or the default).'),
    migratedImage: z.string().optional().describe('The last image whose migration Job succeeded.'),
  })
  .describe('Observed state of the gateway.');

export const llmGatewaySchema = z.object({
  apiVersion: z.literal('switchyard.dev/v1alpha1'),
  kind: z.literal('LLMGateway'),
  metadata: objectMeta,
  spec: llmGatewaySpec,
  status: llmGatewayStatus.optional(),
});

export type LLMGateway = z.output<typeof llmGatewaySchema>;
export type LLMGatewaySpec = z.output<typeof llmGatewaySpec>;
export type LLMGatewayStatus = z.output<typeof llmGatewayStatus>;
