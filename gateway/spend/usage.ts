/** Token counts of one request. `counted`: estimated by the gateway because the upstream did not say. */
export interface Usage {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly counted: boolean;
}

interface UsageFields {
  prompt_tokens?: unknown;
  completion_tokens?: unknown;
}

/** `usage` of an OpenAI-shaped body, if it has one. */
export function usageOfBody(body: unknown): Usage | undefined {
  return usageFrom((body as { usage?: unknown } | null)?.usage);
}

/** Token counts of an OpenAI `usage` object, if it holds any. */
export function usageFrom(value: unknown): Usage | undefined {
  if (value === null || typeof value !== 'object') return undefined;
  const usage = value as UsageFields;
  const prompt = usage.prompt_tokens;
  const completion = usage.completion_tokens;
  if (typeof prompt !== 'number' && typeof completion !== 'number') return undefined;
  return {
    promptTokens: typeof prompt === 'number' ? prompt : 0,
    completionTokens: typeof completion === 'number' ? completion : 0,
    counted: false,
  };
}

/** About four characters a token: the estimate used when an upstream reports no usage. */
export function estimateTokens(characters: number): number {
  return Math.ceil(characters / 4);
}
