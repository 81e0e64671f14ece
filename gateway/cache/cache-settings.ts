import type { GatewayConfig } from '../config/load.ts';
import type { Operation } from '../providers/types.ts';

export interface CacheSettings {
  readonly ttlMs: number;
  /** Prefix of every cache key (`cache_params.namespace`). */
  readonly namespace: string;
  /** Entries of the in-memory cache (used without Redis). */
  readonly maxEntries: number;
  /** Larger answers are not stored. */
  readonly maxBytes: number;
  readonly operations: ReadonlySet<Operation>;
}

const defaultTtlSeconds = 600;

/** LiteLLM's call-type names in `cache_params.supported_call_types`, mapped to ours. */
const callTypes: Readonly<Record<string, Operation>> = {
  completion: 'chat',
  acompletion: 'chat',
  text_completion: 'completion',
  atext_completion: 'completion',
  embedding: 'embedding',
  aembedding: 'embedding',
};

/** On only with `litellm_settings.cache: true`, as in LiteLLM; undefined when off. */
export function cacheSettingsOf(config: GatewayConfig): CacheSettings | undefined {
  if (config.litellmSettings.cache !== true) return undefined;
  const params = config.litellmSettings.cache_params;
  const supported = (params as { supported_call_types?: unknown } | undefined)?.supported_call_types;
  const operations = Array.isArray(supported)
    ? new Set(
        supported.flatMap((name) => (typeof name === 'string' && name in callTypes ? [callTypes[name]] : [])),
      )
    : new Set<Operation>(['chat', 'completion', 'embedding']);
  return {
    ttlMs: (params?.ttl ?? defaultTtlSeconds) * 1000,
    namespace: params?.namespace ?? 'switchyard:cache',
    maxEntries: params?.max_size_in_memory ?? 1000,
    maxBytes: 1024 * 1024,
    operations: operations as ReadonlySet<Operation>,
  };
}
