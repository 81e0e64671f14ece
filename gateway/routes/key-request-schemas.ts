import { z } from 'zod';

const duration = z
  .string()
  .regex(/^\d+(s|m|h|d|mo)$/, 'must be a duration such as 30s, 30m, 30h, 30d or 1mo');
/** Stored as a PostgreSQL integer. */
const limit = z.number().int().nonnegative().max(2_147_483_647).nullable().optional();

/** The fields `/key/generate` and `/key/update` take, in LiteLLM's names; unknown LiteLLM fields are ignored. */
const keyFields = {
  key_alias: z.string().min(1).nullable().optional(),
  duration: duration.nullable().optional(),
  models: z.array(z.string().min(1)).optional(),
  max_budget: z.number().nonnegative().nullable().optional(),
  budget_duration: duration.nullable().optional(),
  rpm_limit: limit,
  tpm_limit: limit,
  max_parallel_requests: limit,
  metadata: z.record(z.string(), z.unknown()).optional(),
  blocked: z.boolean().optional(),
};

export const generateKeySchema = z.looseObject({ ...keyFields, key: z.string().min(1).optional() });
export const updateKeySchema = z.looseObject({ ...keyFields, key: z.string().min(1) });
export const deleteKeysSchema = z
  .looseObject({
    keys: z.array(z.string().min(1)).optional(),
    key_aliases: z.array(z.string().min(1)).optional(),
  })
  .refine(
    (body) => (body.keys?.length ?? 0) + (body.key_aliases?.length ?? 0) > 0,
    'give keys or key_aliases',
  );
export const keyOnlySchema = z.looseObject({ key: z.string().min(1) });
export const regenerateSchema = z.looseObject({
  key: z.string().min(1).optional(),
  grace_period: duration.optional(),
  new_key: z.string().min(1).optional(),
});
export const listKeysSchema = z.looseObject({
  page: z.coerce.number().int().positive().default(1),
  size: z.coerce.number().int().positive().max(1000).default(10),
  return_full_object: z.enum(['true', 'false']).optional(),
});
