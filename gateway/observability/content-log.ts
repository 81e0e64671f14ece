const maxChars = 8_000;
const contentFields = ['messages', 'prompt', 'input', 'system'] as const;

/**
 * What content logging writes for one request: the prompt fields of the body and the answer as sent,
 * truncated. Only called when content logging is switched on explicitly.
 */
export function contentOf(body: unknown, payload: unknown): Record<string, unknown> {
  const prompt: Record<string, unknown> = {};
  if (body !== null && typeof body === 'object') {
    for (const field of contentFields) {
      const value = (body as Record<string, unknown>)[field];
      if (value !== undefined) prompt[field] = truncate(JSON.stringify(value));
    }
  }
  const answer =
    typeof payload === 'string'
      ? truncate(payload)
      : Buffer.isBuffer(payload)
        ? truncate(payload.toString('utf8'))
        : '[stream]';
  return { prompt, answer };
}

function truncate(text: string): string {
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}
