import { z } from 'zod';

/** Gateway-level fields LiteLLM clients send; they steer the gateway and never reach a provider. */
const gatewayFields = {
  fallbacks: z.array(z.string()).optional(),
};
export const gatewayFieldNames: ReadonlySet<string> = new Set([
  'fallbacks',
  'context_window_fallbacks',
  'num_retries',
  'metadata',
  'timeout',
]);

const message = z.looseObject({ role: z.string() });

export const chatRequestSchema = z.looseObject({
  model: z.string().min(1),
  messages: z.array(message).min(1),
  stream: z.boolean().optional(),
  ...gatewayFields,
});

export const completionRequestSchema = z.looseObject({
  model: z.string().min(1),
  prompt: z.union([z.string(), z.array(z.string()), z.array(z.number()), z.array(z.array(z.number()))]),
  stream: z.boolean().optional(),
  ...gatewayFields,
});

export const embeddingRequestSchema = z.looseObject({
  model: z.string().min(1),
  input: z.union([z.string(), z.array(z.string()), z.array(z.number()), z.array(z.array(z.number()))]),
  ...gatewayFields,
});
