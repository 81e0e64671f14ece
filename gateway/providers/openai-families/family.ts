import type { Operation } from '../types.ts';

/**
 * A parameter a family refuses. `above` limits the refusal to numbers greater than it (`n` above 1), `values`
 * to those values; otherwise any non-null value counts as asking for it.
 */
export interface RefusedParam {
  readonly param: string;
  readonly above?: number;
  readonly values?: readonly unknown[];
  /** Only for model ids matching this (reasoning models that refuse sampling knobs). */
  readonly models?: RegExp;
}

/** How the key goes upstream. `azure-ai` is `api-key` on Azure hosts and a bearer token elsewhere, as LiteLLM does. */
export type AuthStyle = 'bearer' | 'api-key' | 'azure-ai';

/** One OpenAI-compatible family: everything that differs from plain OpenAI, as data. */
export interface Family {
  /** The `litellm_params.model` prefix (`groq` for `groq/llama-3.1-70b-versatile`). */
  readonly name: string;
  /** Undefined when the deployment must give `api_base` (or its env var). */
  readonly apiBase: string | undefined;
  /** Environment variables read for the base when `api_base` is not set, first set wins. */
  readonly apiBaseEnv: readonly string[];
  /** Environment variables read for the key when `api_key` is not set, first set wins (LiteLLM's names). */
  readonly apiKeyEnv: readonly string[];
  readonly auth: AuthStyle;
  readonly operations: readonly Operation[];
  /** Paths under the base, where they differ from OpenAI's. */
  readonly paths?: Partial<Readonly<Record<Operation, string>>>;
  /** Refused with a 400, or dropped under `drop_params`. */
  readonly refused?: readonly RefusedParam[];
  /** Request fields renamed on the way (`seed` → `random_seed`). */
  readonly renames?: Readonly<Record<string, string>>;
  /** Values translated on the way (`tool_choice: required` → `any`), by field. */
  readonly valueMaps?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Prefixed to bare model ids (Fireworks wants `accounts/fireworks/models/<id>`). */
  readonly modelPrefix?: { readonly prefix: string; readonly unless: string };
  /** Headers taken from environment variables when set (OpenRouter's attribution headers). */
  readonly envHeaders?: Readonly<Record<string, string>>;
  /** Chat requests go to the text-completions endpoint, translated (`text-completion-openai`). */
  readonly chatAsTextCompletion?: boolean;
  /** `api_version` goes into the query string (`?api-version=`), as Azure endpoints take it. */
  readonly apiVersionQuery?: boolean;
}
