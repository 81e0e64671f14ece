export interface TokenCounts {
  promptTokens?: number;
  completionTokens?: number;
}

/** `usage.prompt_tokens` and `usage.completion_tokens` of an OpenAI-shaped answer, when it reports them. */
export function tokensOf(body: unknown): TokenCounts {
  const counts: TokenCounts = {};
  const usage = (body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } | null } | null)
    ?.usage;
  if (usage === undefined || usage === null) return counts;
  if (typeof usage.prompt_tokens === 'number') counts.promptTokens = usage.prompt_tokens;
  if (typeof usage.completion_tokens === 'number') counts.completionTokens = usage.completion_tokens;
  return counts;
}
