/** Model names LiteLLM maps to a provider when no prefix is given. */
const inferredProviders: readonly (readonly [RegExp, string])[] = [
  [/^(gpt-|o1|o3|o4|chatgpt-|text-embedding-|davinci|babbage|omni-moderation)/, 'openai'],
  [/^claude-/, 'anthropic'],
];

/** Splits `openai/gpt-4o` into provider and model; infers the provider of a bare `gpt-4o` as LiteLLM does. */
export function splitModel(
  model: string,
  customProvider?: string,
): { provider: string | undefined; model: string } {
  if (customProvider !== undefined) return { provider: customProvider, model };
  const slash = model.indexOf('/');
  if (slash > 0) return { provider: model.slice(0, slash), model: model.slice(slash + 1) };
  const inferred = inferredProviders.find(([pattern]) => pattern.test(model));
  return { provider: inferred?.[1], model };
}
