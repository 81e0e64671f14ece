/** Environment variables as providers read them (LiteLLM's fallbacks: `GROQ_API_KEY`, `AWS_REGION`, ...). */
export type Env = Readonly<Record<string, string | undefined>>;

/** The first of `names` set to a non-empty value. */
export function envValue(env: Env, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (value !== undefined && value !== '') return value;
  }
  return undefined;
}

/** Providers read the environment at call time, so tests and rotated variables are seen without a rebuild. */
export const processEnv = (): Env => process.env;
