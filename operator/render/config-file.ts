import type { LLMGateway } from '../api/llm-gateway.ts';
import type { ModelDeployment } from '../api/model-deployment.ts';
import { credentialFiles, fileReference, sortedEntries } from './credentials.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
type Section = Record<string, Json>;

/**
 * The gateway's config.yaml (LiteLLM's format) as a plain object. Credentials appear only as `file:`
 * references to the credentials Secret mounted into the pods; the master key, database and Redis come as
 * environment variables, so nothing secret is in the ConfigMap.
 */
export function configFile(gateway: LLMGateway, models: readonly ModelDeployment[]): Record<string, Json> {
  const settings = gateway.spec.gateway;
  const litellm: Section = { request_timeout: settings.requestTimeoutSeconds };
  setIf(litellm, 'fallbacks', settings.fallbacks && fallbackList(settings.fallbacks));
  setIf(
    litellm,
    'context_window_fallbacks',
    settings.contextWindowFallbacks && fallbackList(settings.contextWindowFallbacks),
  );
  setIf(litellm, 'default_fallbacks', settings.defaultFallbacks);
  if (settings.cache?.enabled === true) {
    litellm.cache = true;
    const params: Section = { type: settings.cache.type };
    setIf(params, 'ttl', settings.cache.ttlSeconds);
    litellm.cache_params = params;
  }

  const router: Section = {};
  setIf(router, 'routing_strategy', settings.routingStrategy);
  setIf(router, 'num_retries', settings.numRetries);
  setIf(router, 'allowed_fails', settings.allowedFails);
  setIf(router, 'cooldown_time', settings.cooldownSeconds);
  setIf(router, 'model_group_alias', settings.modelGroupAliases && aliasMap(settings.modelGroupAliases));

  const general: Section = {};
  setIf(general, 'proxy_batch_write_at', settings.batchWriteIntervalSeconds);
  setIf(general, 'allow_requests_on_db_unavailable', settings.allowRequestsOnDbUnavailable);
  if (settings.spendLogs === false) general.disable_spend_logs = true;

  const config: Record<string, Json> = { model_list: sortModels(models).map(modelEntry) };
  config.litellm_settings = litellm;
  if (Object.keys(router).length > 0) config.router_settings = router;
  if (Object.keys(general).length > 0) config.general_settings = general;
  return config;
}

/** LiteLLM's form: `alias: group`, or `alias: {model, hidden}` for an alias kept out of the model list. */
function aliasMap(aliases: NonNullable<LLMGateway['spec']['gateway']['modelGroupAliases']>): Section {
  const map: Section = {};
  for (const { alias, modelName, hidden } of [...aliases].sort((a, b) => compare(a.alias, b.alias)))
    map[alias] = hidden === true ? { model: modelName, hidden: true } : modelName;
  return map;
}

/** Group order, then name: informer order must not change the file. */
export function sortModels(models: readonly ModelDeployment[]): ModelDeployment[] {
  const key = (model: ModelDeployment) => [model.spec.modelName, model.metadata.name] as const;
  return [...models].sort((a, b) => {
    const [groupA, nameA] = key(a);
    const [groupB, nameB] = key(b);
    return compare(groupA, groupB) || compare(nameA, nameB);
  });
}

function modelEntry(model: ModelDeployment): Json {
  const spec = model.spec;
  const params: Section = { model: `${spec.provider}/${spec.model}` };
  setIf(params, 'api_base', spec.apiBase);
  setIf(params, 'api_version', spec.apiVersion);
  const files = new Map(credentialFiles(model).map((file) => [file.param, fileReference(file)]));
  for (const [param, value] of sortedEntries(spec.params ?? {})) {
    if (value.secretKeyRef === undefined) params[param] = value.value as Json;
  }
  for (const [param, reference] of files) params[param] = reference;
  setIf(params, 'rpm', spec.rpm);
  setIf(params, 'tpm', spec.tpm);
  setIf(params, 'weight', spec.weight);
  setIf(params, 'timeout', spec.timeoutSeconds);
  setIf(params, 'stream_timeout', spec.streamTimeoutSeconds);
  setIf(params, 'max_parallel_requests', spec.maxParallelRequests);
  setIf(params, 'input_cost_per_token', perToken(spec.pricing?.inputCostPerMillionTokens));
  setIf(params, 'output_cost_per_token', perToken(spec.pricing?.outputCostPerMillionTokens));

  // The name is a stable deployment id: the router's per-deployment stats and cooldowns survive reloads.
  const info: Section = { id: model.metadata.name };
  const modelInfo = spec.modelInfo;
  setIf(info, 'mode', modelInfo?.mode);
  setIf(info, 'base_model', modelInfo?.baseModel);
  setIf(info, 'max_input_tokens', modelInfo?.maxInputTokens);
  setIf(info, 'max_output_tokens', modelInfo?.maxOutputTokens);
  setIf(info, 'supports_function_calling', modelInfo?.supportsFunctionCalling);
  setIf(info, 'supports_vision', modelInfo?.supportsVision);
  return { model_name: spec.modelName, litellm_params: params, model_info: info };
}

function fallbackList(fallbacks: readonly { modelName: string; fallbacks: readonly string[] }[]): Json[] {
  return fallbacks.map((entry) => ({ [entry.modelName]: [...entry.fallbacks] }));
}

/**
 * Prices are given per million tokens (a decimal string); LiteLLM wants USD per token. The decimal point is
 * moved in the string, so "0.15" becomes exactly 0.00000015 rather than 0.15 / 1e6 with its rounding error.
 */
export function perToken(perMillion: string | undefined): number | undefined {
  if (perMillion === undefined) return undefined;
  const [whole = '0', fraction = ''] = perMillion.split('.');
  const digits = whole.padStart(7, '0') + fraction;
  const point = digits.length - fraction.length - 6;
  return Number(`${digits.slice(0, point)}.${digits.slice(point)}`);
}

function setIf(section: Section, key: string, value: Json | undefined): void {
  if (value !== undefined) section[key] = value;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
