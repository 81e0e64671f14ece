import { z } from 'zod';

/** Condition types (KEP-1623). `Ready` summarises; the specific ones say which part is not. */
export const conditionTypes = {
  ready: 'Ready',
  progressing: 'Progressing',
  degraded: 'Degraded',
  configValid: 'ConfigValid',
  databaseMigrated: 'DatabaseMigrated',
  resolvedRefs: 'ResolvedRefs',
} as const;

export const conditionSchema = z.object({
  type: z
    .string()
    .describe('Ready, Progressing, Degraded, ConfigValid, DatabaseMigrated or ResolvedRefs.')
    .max(316)
    .regex(
      /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
    ),
  status: z.enum(['True', 'False', 'Unknown']).describe('Whether the condition holds.'),
  observedGeneration: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('The metadata.generation this condition was computed from.'),
  lastTransitionTime: z.iso.datetime({ offset: true }).describe('When the status last changed.'),
  reason: z
    .string()
    .min(1)
    .max(1024)
    .regex(/^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$/)
    .describe('CamelCase reason for the status, e.g. SecretNotFound.'),
  message: z.string().max(32768).describe('What happened, for humans.'),
});
export type Condition = z.infer<typeof conditionSchema>;

/** Conditions as a map keyed by type, so server-side apply merges them per type. */
export const conditionList = z
  .array(conditionSchema)
  .max(16)
  .optional()
  .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] })
  .describe(
    'Latest observations of the object, one per type, each with the generation it was computed from.',
  );

export const observedGeneration = z
  .number()
  .int()
  .min(0)
  .optional()
  .describe('The metadata.generation the status was computed from.');
