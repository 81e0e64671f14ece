import { z } from 'zod';
import { routingStrategies } from '../../gateway/config/schema.ts';

const int = z.number().int();

const fallback = z.object({
  modelName: z.string().min(1).max(256).describe('Model group that falls back.'),
  fallbacks: z.array(z.string().min(1).max(256)).min(1).max(16).describe('Groups tried in order.'),
});

const modelGroupAlias = z.object({
  alias: z.string().min(1).max(256).describe('The name clients send.'),
  modelName: z.string().min(1).max(256).describe('The model group it is served by.'),
  hidden: z.boolean().optional().describe('Served, but not listed in /v1/models.'),
});

export const gatewaySettings = z
  .object({
    requestTimeoutSeconds: int
      .min(1)
      .max(86400)
      .default(600)
      .describe('Upper bound of one request (litellm_settings.request_timeout); also sizes the drain.'),
    batchWriteIntervalSeconds: int
      .min(1)
      .max(3600)
      .optional()
      .describe('Interval of batched spend writes (general_settings.proxy_batch_write_at).'),
    routingStrategy: z.enum(routingStrategies).optional().describe('How a deployment is chosen in a group.'),
    numRetries: int
      .min(0)
      .max(20)
      .optional()
      .describe('Retries of a failed call (router_settings.num_retries).'),
    allowedFails: int
      .min(0)
      .max(1000)
      .optional()
      .describe('Failures per minute before a deployment cools down.'),
    cooldownSeconds: int.min(0).max(86400).optional().describe('How long a failing deployment is skipped.'),
    fallbacks: z.array(fallback).max(256).optional().describe('Groups tried when a group fails.'),
    contextWindowFallbacks: z
      .array(fallback)
      .max(256)
      .optional()
      .describe('Groups tried when the context window is exceeded.'),
    defaultFallbacks: z
      .array(z.string().min(1).max(256))
      .max(16)
      .optional()
      .describe('Groups tried when any group fails.'),
    modelGroupAliases: z
      .array(modelGroupAlias)
      .max(256)
      .optional()
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['alias'] })
      .describe('Other names for model groups (router_settings.model_group_alias).'),
    cache: z
      .object({
        enabled: z.boolean().default(false).describe('Cache responses of identical requests.'),
        type: z
          .enum(['redis', 'local'])
          .default('redis')
          .describe('redis (shared by the pods; needs spec.redis) or local (per pod).'),
        ttlSeconds: int.min(1).max(604800).optional().describe('How long a cached response is served.'),
      })
      .optional()
      .describe('Response cache.'),
    spendLogs: z
      .boolean()
      .optional()
      .describe(
        'Write a spend log row per request (default true; false: general_settings.disable_spend_logs, keys still count their spend).',
      ),
    allowRequestsOnDbUnavailable: z
      .boolean()
      .optional()
      .describe('Serve keys from the cache and keys file while the database is unreachable.'),
  })
  .describe('Settings rendered into the gateway config.yaml (hot-reloaded, no restart).');

export const shutdownSpec = z
  .object({
    preStopDelaySeconds: int
      .min(0)
      .max(300)
      .default(10)
      .describe('preStop sleep before SIGTERM, so endpoints are removed before the drain.'),
    acceptDelaySeconds: int
      .min(0)
      .max(300)
      .default(5)
      .describe('How long the gateway still accepts after SIGTERM (SWITCHYARD_SHUTDOWN_DELAY_SECONDS).'),
    flushMarginSeconds: int
      .min(10)
      .max(600)
      .default(15)
      .describe(
        'Time for the spend flush after the last request; part of terminationGracePeriodSeconds. At least ' +
          "the gateway's own 10 s exit margin.",
      ),
  })
  .describe(
    'Drain timing. terminationGracePeriodSeconds = preStopDelay + acceptDelay + requestTimeout + flushMargin.',
  );
