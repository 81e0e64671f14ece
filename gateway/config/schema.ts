import { z } from 'zod';

/** YAML numbers sometimes arrive as strings (quoted, or `os.environ/` values); accept both. */
const number = z.union([
  z.number(),
  z
    .string()
    .trim()
    .regex(/^-?\d+(\.\d+)?$/)
    .transform(Number),
]);
const positiveNumber = number.pipe(z.number().positive());
const nonNegativeInt = number.pipe(z.number().int().nonnegative());
const boolean = z.union([
  z.boolean(),
  z.enum(['true', 'false', 'True', 'False']).transform((value) => value.toLowerCase() === 'true'),
]);

/** `litellm_params` of one `model_list` entry. Unknown keys are kept: LiteLLM sends them to the provider. */
export const litellmParamsSchema = z.looseObject({
  model: z.string().min(1, 'must name a provider model, e.g. openai/gpt-4o'),
  api_base: z.url().optional(),
  api_key: z.string().optional(),
  api_version: z.string().optional(),
  organization: z.string().optional(),
  custom_llm_provider: z.string().optional(),
  rpm: nonNegativeInt.optional(),
  tpm: nonNegativeInt.optional(),
  weight: number.pipe(z.number().nonnegative()).optional(),
  timeout: positiveNumber.optional(),
  stream_timeout: positiveNumber.optional(),
  stream_idle_timeout: positiveNumber.optional(),
  max_retries: nonNegativeInt.optional(),
  max_parallel_requests: nonNegativeInt.optional(),
  input_cost_per_token: number.optional(),
  output_cost_per_token: number.optional(),
  extra_headers: z.record(z.string(), z.string()).optional(),
  headers: z.record(z.string(), z.string()).optional(),
  ssl_verify: z.union([boolean, z.string()]).optional(),
  ca_bundle: z.string().optional(),
  max_tokens: nonNegativeInt.optional(),
  mock_response: z.string().optional(),
  mock_latency_ms: nonNegativeInt.optional(),
  mock_failure_rate: number.pipe(z.number().min(0).max(1)).optional(),
  mock_stream_chunk_delay_ms: nonNegativeInt.optional(),
});
export type LitellmParams = z.infer<typeof litellmParamsSchema>;

export const modelEntrySchema = z.object({
  model_name: z.union([z.string().min(1), z.number().transform(String)]),
  litellm_params: litellmParamsSchema,
  model_info: z
    .looseObject({
      id: z.string().optional(),
      input_cost_per_token: number.optional(),
      output_cost_per_token: number.optional(),
    })
    .optional(),
  // LiteLLM also reads a deployment's limits beside litellm_params; inside wins.
  rpm: nonNegativeInt.optional(),
  tpm: nonNegativeInt.optional(),
});
export type ModelEntry = z.infer<typeof modelEntrySchema>;

/** `[{"gpt-4o": ["gpt-4o-mini"]}]`, LiteLLM's shape: a list of one-key maps. */
const fallbackList = z.array(z.record(z.string(), z.array(z.string())));

const retryCount = nonNegativeInt.optional();
export const retryPolicySchema = z.object({
  TimeoutErrorRetries: retryCount,
  RateLimitErrorRetries: retryCount,
  InternalServerErrorRetries: retryCount,
  AuthenticationErrorRetries: retryCount,
  BadRequestErrorRetries: retryCount,
  ContentPolicyViolationErrorRetries: retryCount,
});
export type RetryPolicyConfig = z.infer<typeof retryPolicySchema>;

export const routingStrategies = [
  'simple-shuffle',
  'least-busy',
  'latency-based-routing',
  'usage-based-routing-v2',
  'usage-based-routing',
  'cost-based-routing',
] as const;

/** `litellm_settings.cache_params`: where the response cache lives and for how long. */
export const cacheParamsSchema = z.looseObject({
  type: z.enum(['redis', 'local', 'in-memory']).optional(),
  host: z.string().min(1).optional(),
  port: number.pipe(z.number().int().positive()).optional(),
  password: z.string().optional(),
  username: z.string().optional(),
  ssl: boolean.optional(),
  url: z.string().min(1).optional(),
  ttl: positiveNumber.optional(),
  namespace: z.string().min(1).optional(),
  max_size_in_memory: number.pipe(z.number().int().positive()).optional(),
});
export type CacheParams = z.infer<typeof cacheParamsSchema>;

export const litellmSettingsSchema = z.object({
  num_retries: nonNegativeInt.optional(),
  request_timeout: positiveNumber.optional(),
  fallbacks: fallbackList.optional(),
  context_window_fallbacks: fallbackList.optional(),
  content_policy_fallbacks: fallbackList.optional(),
  default_fallbacks: z.array(z.string()).optional(),
  drop_params: boolean.optional(),
  set_verbose: boolean.optional(),
  json_logs: boolean.optional(),
  /** Keeps prompts and completions out of the request log even when SWITCHYARD_LOG_CONTENT is on. */
  turn_off_message_logging: boolean.optional(),
  require_auth_for_metrics_endpoint: boolean.optional(),
  // Response cache (gateway/cache): on when `cache: true`, as in LiteLLM.
  cache: boolean.optional(),
  cache_params: cacheParamsSchema.optional(),
});

export const routerSettingsSchema = z.object({
  routing_strategy: z.enum(routingStrategies).optional(),
  routing_strategy_args: z
    .object({
      lowest_latency_buffer: number.pipe(z.number().min(0)).optional(),
      ttl: positiveNumber.optional(),
    })
    .optional(),
  num_retries: nonNegativeInt.optional(),
  retry_policy: retryPolicySchema.optional(),
  retry_after: number.pipe(z.number().min(0)).optional(),
  allowed_fails: nonNegativeInt.optional(),
  cooldown_time: number.pipe(z.number().min(0)).optional(),
  disable_cooldowns: boolean.optional(),
  timeout: positiveNumber.optional(),
  stream_timeout: positiveNumber.optional(),
  stream_idle_timeout: positiveNumber.optional(),
  fallbacks: fallbackList.optional(),
  context_window_fallbacks: fallbackList.optional(),
  content_policy_fallbacks: fallbackList.optional(),
  default_fallbacks: z.array(z.string()).optional(),
  /** Other names for model groups: `{"gpt-4": "gpt-4o"}`, or `{"gpt-4": {model: "gpt-4o", hidden: true}}` to keep it off /v1/models. */
  model_group_alias: z
    .record(
      z.string().min(1),
      z.union([z.string().min(1), z.object({ model: z.string().min(1), hidden: boolean.optional() })]),
    )
    .optional(),
  // Shared limits, cooldowns and key-cache invalidation (gateway/redis, gateway/limits).
  redis_host: z.string().min(1).optional(),
  redis_port: number.pipe(z.number().int().positive()).optional(),
  redis_password: z.string().optional(),
  redis_url: z.string().min(1).optional(),
});

export const generalSettingsSchema = z.object({
  master_key: z.string().min(1).optional(),
  /** `GET /health` answers from checks run every `health_check_interval` seconds (gateway/observability). */
  background_health_checks: boolean.optional(),
  health_check_interval: positiveNumber.optional(),
  /** Accepted for LiteLLM configs: models added with /model/new are always stored and served. */
  store_model_in_db: boolean.optional(),
  max_request_size_mb: positiveNumber.optional(),
  max_parallel_requests: nonNegativeInt.optional(),
  // Keys, budgets and spend (gateway/db, gateway/auth, gateway/spend).
  database_url: z.string().min(1).optional(),
  database_connection_pool_limit: number.pipe(z.number().int().positive()).optional(),
  database_connection_timeout: positiveNumber.optional(),
  proxy_batch_write_at: positiveNumber.optional(),
  maximum_spend_logs_retention_period: z
    .string()
    .regex(/^\d+(s|m|h|d|mo)$/, 'must be a duration such as 30d or 1mo')
    .optional(),
  allow_requests_on_db_unavailable: boolean.optional(),
  /** The operator's keys file (also `SWITCHYARD_KEYS_FILE`). */
  keys_file: z.string().min(1).optional(),
  /** Spend rows queued in Redis and written by one pod at a time (gateway/redis/spend-queue.ts). */
  use_redis_transaction_buffer: boolean.optional(),
  /** No ledger row a request: a virtual key's spend is still counted, requests without one record nothing. */
  disable_spend_logs: boolean.optional(),
});

/** An empty YAML section (`litellm_settings:` with nothing under it) reads as null: LiteLLM takes it as empty. */
const emptyWhenNull = (empty: unknown) => (value: unknown) => value ?? empty;

export const configSchema = z.object({
  model_list: z.preprocess(emptyWhenNull([]), z.array(z.unknown())),
  litellm_settings: z.preprocess(emptyWhenNull({}), litellmSettingsSchema),
  router_settings: z.preprocess(emptyWhenNull({}), routerSettingsSchema),
  general_settings: z.preprocess(emptyWhenNull({}), generalSettingsSchema),
  environment_variables: z
    .preprocess(emptyWhenNull({}), z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])))
    .optional(),
});
export type GatewayConfigFile = z.infer<typeof configSchema>;
export type LitellmSettings = z.infer<typeof litellmSettingsSchema>;
export type RouterSettings = z.infer<typeof routerSettingsSchema>;
export type GeneralSettings = z.infer<typeof generalSettingsSchema>;

export interface ModelGroupAlias {
  readonly alias: string;
  readonly group: string;
  readonly hidden: boolean;
}

/**
 * `router_settings.model_group_alias` as a list;
 * both forms of an entry (`"gpt-4o"`, `{model, hidden}`) read alike.
 */
export function modelGroupAliases(router: RouterSettings): ModelGroupAlias[] {
  return Object.entries(router.model_group_alias ?? {}).map(([alias, target]) =>
    typeof target === 'string'
      ? { alias, group: target, hidden: false }
      : { alias, group: target.model, hidden: target.hidden ?? false },
  );
}

/**
 * Settings LiteLLM users write that this gateway accepts but does not act on yet. Each is reported once,
 * so a migrated file loads and the user knows what is ignored.
 */
export const notYetSupported: Readonly<Record<string, readonly string[]>> = {
  litellm_settings: [
    'success_callback',
    'failure_callback',
    'callbacks',
    'service_callback',
    'max_budget',
    'budget_duration',
    'redact_user_api_key_info',
    'modify_params',
    'telemetry',
  ],
  router_settings: ['enable_pre_call_checks', 'provider_budget_config'],
  general_settings: ['alerting', 'alerting_threshold', 'disable_master_key_return', 'custom_auth'],
};
