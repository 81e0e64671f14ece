import { z } from 'zod';
import { gatewayRef, liteLLMDuration, objectName, rfc3339, secretKeyRef, usd } from './common.ts';
import { conditionList, observedGeneration } from './conditions.ts';
import { objectMeta } from './object-meta.ts';
import { withRules } from './rules.ts';

const int = z.number().int();

export const rotationSpec = z
  .object({
    trigger: z
      .string()
      .min(1)
      .max(253)
      .describe('Change this value (e.g. to a date) to rotate: a new key is generated into the Secret.'),
    overlapSeconds: int
      .min(0)
      .max(2592000)
      .default(86400)
      .describe('How long the previous key is still accepted after a rotation.'),
  })
  .describe('Rotation of a generated key, with an overlap during which the old key still works.');

export const virtualKeySpec = withRules(
  z
    .object({
      gatewayRef,
      keyAlias: z.string().min(1).max(256).optional().describe('Human-readable name shown in spend reports.'),
      models: z
        .array(z.string().min(1).max(256))
        .max(256)
        .optional()
        .describe('Model groups the key may call (wildcards such as gpt-* allowed); empty means all.'),
      maxBudget: usd.optional().describe('Spend limit in USD, e.g. "100".'),
      budgetDuration: liteLLMDuration.optional().describe('Budget reset period: 30s, 30m, 30h, 30d or 1mo.'),
      rpmLimit: int.min(0).optional().describe('Requests per minute, across all pods.'),
      tpmLimit: int.min(0).optional().describe('Tokens per minute, across all pods.'),
      maxParallelRequests: int.min(0).optional().describe('Requests in flight at once.'),
      expires: rfc3339.optional().describe('Time after which the key is refused (RFC 3339).'),
      metadata: z
        .record(z.string().max(256), z.string().max(4096))
        .optional()
        .meta({ maxProperties: 64 })
        .describe('Free-form labels attached to spend.'),
      secretName: objectName
        .optional()
        .describe(
          'Secret the generated key is written to, with OPENAI_API_KEY and OPENAI_BASE_URL for envFrom. ' +
            'Defaults to the VirtualKey name.',
        ),
      existingSecretRef: secretKeyRef
        .optional()
        .describe('Use the key held in this Secret instead of generating one (not rotated by the operator).'),
      rotation: rotationSpec.optional(),
    })
    .describe('Desired key and its policy.'),
  [
    {
      rule: '!(has(self.secretName) && has(self.existingSecretRef))',
      message: 'set secretName or existingSecretRef, not both',
      holds: (s) => s.secretName === undefined || s.existingSecretRef === undefined,
    },
    {
      rule: '!(has(self.existingSecretRef) && has(self.rotation))',
      message: 'rotation applies to generated keys only; rotate an existing Secret yourself',
      fieldPath: '.rotation',
      holds: (s) => s.existingSecretRef === undefined || s.rotation === undefined,
    },
  ],
);

export const virtualKeyStatus = z
  .object({
    observedGeneration,
    conditions: conditionList,
    secretName: z.string().optional().describe('Secret holding the key for consumers.'),
    keyId: z
      .string()
      .optional()
      .describe('First 12 hex digits of the SHA-256 of the current key: tells keys apart, reveals nothing.'),
    observedRotationTrigger: z
      .string()
      .optional()
      .describe('The rotation.trigger the current key was made for.'),
    previousKeyExpiresAt: rfc3339.optional().describe('When the previous key stops being accepted.'),
  })
  .describe('Observed state of the key.');

export const virtualKeySchema = z.object({
  apiVersion: z.literal('switchyard.dev/v1alpha1'),
  kind: z.literal('VirtualKey'),
  metadata: objectMeta,
  spec: virtualKeySpec,
  status: virtualKeyStatus.optional(),
});

export type VirtualKey = z.output<typeof virtualKeySchema>;
export type VirtualKeySpec = z.output<typeof virtualKeySpec>;
