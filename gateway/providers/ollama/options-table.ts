import type { LitellmParams } from '../../config/schema.ts';
import type { RequestBody } from '../types.ts';

/**
 * Request parameters that become Ollama `options`, by the option's name. OpenAI's sampling parameters are
 * renamed where Ollama differs; Ollama's own options (`num_ctx`, `mirostat`, ...) pass under their names, as
 * LiteLLM passes them. Later rows win, so `max_completion_tokens` beats the older `max_tokens`.
 *
 * Every other OpenAI parameter (`n`, `logprobs`, `logit_bias`, `user`, `parallel_tool_calls`, ...) is left out
 * whatever `drop_params` says: Ollama has no equivalent and ignores unknown fields anyway, so refusing them would
 * only break clients that send them by default.
 */
export const optionRenames: Readonly<Record<string, string>> = {
  temperature: 'temperature',
  top_p: 'top_p',
  top_k: 'top_k',
  seed: 'seed',
  stop: 'stop',
  frequency_penalty: 'frequency_penalty',
  presence_penalty: 'presence_penalty',
  repeat_penalty: 'repeat_penalty',
  max_tokens: 'num_predict',
  max_completion_tokens: 'num_predict',
  num_predict: 'num_predict',
  num_ctx: 'num_ctx',
  num_keep: 'num_keep',
  num_batch: 'num_batch',
  num_gpu: 'num_gpu',
  main_gpu: 'main_gpu',
  num_thread: 'num_thread',
  repeat_last_n: 'repeat_last_n',
  min_p: 'min_p',
  typical_p: 'typical_p',
  tfs_z: 'tfs_z',
  mirostat: 'mirostat',
  mirostat_tau: 'mirostat_tau',
  mirostat_eta: 'mirostat_eta',
  penalize_newline: 'penalize_newline',
  use_mmap: 'use_mmap',
  use_mlock: 'use_mlock',
  low_vram: 'low_vram',
  numa: 'numa',
};

/** Options Ollama only takes as a list of strings, while OpenAI also allows a single string. */
const listOptions: ReadonlySet<string> = new Set(['stop']);

/**
 * Ollama `options` for a call: `litellm_params` give defaults (a deployment's `num_ctx: 8192`, `temperature`),
 * the request's own values win. Null values count as absent.
 */
export function ollamaOptions(body: RequestBody, params: LitellmParams): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const source of [params as Record<string, unknown>, body]) {
    for (const [from, to] of Object.entries(optionRenames)) {
      const value = source[from];
      if (value === undefined || value === null) continue;
      options[to] = listOptions.has(to) && !Array.isArray(value) ? [value] : value;
    }
  }
  return options;
}
