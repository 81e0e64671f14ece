import { z } from 'zod';
import { ProviderError } from '../../upstream/errors.ts';

/** Ollama's native tool call: `arguments` is an object, not OpenAI's JSON string; there is no id. */
const toolCallSchema = z.looseObject({
  id: z.string().optional(),
  function: z.looseObject({ name: z.string(), arguments: z.unknown().optional() }),
});
export type OllamaToolCall = z.infer<typeof toolCallSchema>;

/**
 * One answer of `/api/chat` or `/api/generate`: the whole reply, or one line of a stream. Chat puts the text in
 * `message.content`, generate in `response`; the last line has `done: true`, `done_reason` and the counts.
 */
export const ollamaAnswerSchema = z.looseObject({
  model: z.string().optional(),
  created_at: z.string().optional(),
  message: z
    .looseObject({
      content: z.string().nullish(),
      thinking: z.string().nullish(),
      tool_calls: z.array(toolCallSchema).nullish(),
    })
    .optional(),
  response: z.string().optional(),
  thinking: z.string().nullish(),
  done: z.boolean().optional(),
  done_reason: z.string().optional(),
  prompt_eval_count: z.number().optional(),
  eval_count: z.number().optional(),
  error: z.unknown().optional(),
});
export type OllamaAnswer = z.infer<typeof ollamaAnswerSchema>;

/** `/api/embed`'s answer: one vector per input, and the tokens read when Ollama reports them. */
export const ollamaEmbedSchema = z.looseObject({
  model: z.string().optional(),
  embeddings: z.array(z.array(z.number())),
  prompt_eval_count: z.number().optional(),
});
export type OllamaEmbedAnswer = z.infer<typeof ollamaEmbedSchema>;

/** Validates what Ollama sent; an unexpected shape is the upstream's fault, so it fails like a 5xx would. */
export function parseWire<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue === undefined ? '' : ` (${issue.path.join('.') || 'body'}: ${issue.message})`;
  throw new ProviderError('internal', `ollama sent an unexpected ${what}${where}`);
}

/** The message of an error Ollama reports inside a 200 answer or a stream line (`{"error": "..."}`). */
export function wireErrorMessage(error: unknown): string | undefined {
  if (error === undefined || error === null) return undefined;
  if (typeof error === 'string') return error;
  const message = (error as { message?: unknown }).message;
  return typeof message === 'string' ? message : JSON.stringify(error);
}

/** Seconds since the epoch of Ollama's `created_at` (RFC 3339, often with nanoseconds); 0 when unreadable. */
export function unixSeconds(createdAt: string | undefined): number {
  if (createdAt === undefined) return 0;
  const ms = Date.parse(createdAt);
  return Number.isNaN(ms) ? 0 : Math.floor(ms / 1000);
}
