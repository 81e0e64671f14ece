import { z } from 'zod';
import { asRecord } from '../providers/upstream-call.ts';

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

/**
 * The same rules as chatRequestSchema, checked in place: a body that passes is used as it came, without zod's
 * copy of it and of every message (most requests are valid). A body that fails goes through the schema, for
 * its error message. request-schemas.test.ts holds the two to the same answer.
 */
export function isValidChatRequest(body: unknown): boolean {
  const fields = asRecord(body);
  if (fields === undefined) return false;
  const { model, messages, stream, fallbacks } = fields;
  if (typeof model !== 'string' || model.length === 0) return false;
  if (!Array.isArray(messages) || messages.length === 0) return false;
  for (const each of messages as unknown[]) if (typeof asRecord(each)?.role !== 'string') return false;
  if (stream !== undefined && typeof stream !== 'boolean') return false;
  if (fallbacks === undefined) return true;
  return Array.isArray(fallbacks) && (fallbacks as unknown[]).every((name) => typeof name === 'string');
}

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
