import { z } from 'zod';

/** The metadata the operator reads from its own resources; the apiserver owns the rest. */
export const objectMeta = z.looseObject({
  name: z.string().min(1).max(253),
  namespace: z.string().min(1).max(63).default('default'),
  uid: z.string().optional(),
  generation: z.number().int().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});
export type ObjectMeta = z.output<typeof objectMeta>;
