export interface TokenCounts {
  promptTokens?: number;
  completionTokens?: number;
}

/** `prompt_tokens` and `completion_tokens` of an OpenAI-shaped answer's `usage`, when it reports them. */
export function tokensOf(usage: unknown): TokenCounts {
  const counts: TokenCounts = {};
  if (typeof usage !== 'object' || usage === null) return counts;
  const { prompt_tokens: prompt, completion_tokens: completion } = usage as Record<string, unknown>;
  if (typeof prompt === 'number') counts.promptTokens = prompt;
  if (typeof completion === 'number') counts.completionTokens = completion;
  return counts;
}
