import { z } from 'zod';

/**
 * The keys file: the contract between the operator (which writes it from VirtualKeys into a Secret mounted in
 * the gateway pods) and the gateway (which reads it and reloads it when it changes). Versioned so either side
 * can refuse a document it does not understand. Names follow LiteLLM's key fields.
 */
export const keysFileVersion = 1;

/** Lowercase hex SHA-256 of the whole key string (`sk-...`). */
export const keyHashSchema = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'must be the lowercase hex SHA-256 of the key');

export const fileKeySchema = z.object({
  hash: keyHashSchema,
  key_alias: z.string().min(1).optional(),
  /** Model groups the key may call; empty or absent means every model. Wildcards such as `gpt-*` allowed. */
  models: z.array(z.string().min(1)).optional(),
  max_budget: z.number().nonnegative().optional(),
  /** LiteLLM's duration form: `30s`, `30m`, `30h`, `30d`, `1mo`. */
  budget_duration: z
    .string()
    .regex(/^\d+(s|m|h|d|mo)$/, 'must be a duration such as 30s, 30m, 30h, 30d or 1mo')
    .optional(),
  rpm_limit: z.number().int().nonnegative().optional(),
  tpm_limit: z.number().int().nonnegative().optional(),
  max_parallel_requests: z.number().int().nonnegative().optional(),
  /** RFC 3339 time after which the key is refused. */
  expires: z.iso.datetime({ offset: true }).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  /** Who the key comes from, e.g. the VirtualKey `namespace/name`; named in the 409 of the key API. */
  source: z.string().min(1),
});
export type FileKey = z.infer<typeof fileKeySchema>;

export const keysFileSchema = z.object({
  version: z.literal(keysFileVersion),
  keys: z.array(fileKeySchema),
});
export type KeysFile = z.infer<typeof keysFileSchema>;
