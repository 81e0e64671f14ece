import type { LitellmParams } from '../../../config/schema.ts';
import type { Secret } from '../../../config/secret.ts';
import type { Deployment } from '../../types.ts';

/** An `ollama_chat/llama3.1` deployment, with what a test needs changed. */
export function ollamaDeployment(
  overrides: {
    provider?: string;
    model?: string;
    apiBase?: string;
    params?: Partial<LitellmParams> & Record<string, unknown>;
    credentials?: ReadonlyMap<string, Secret>;
  } = {},
): Deployment {
  const provider = overrides.provider ?? 'ollama_chat';
  const model = overrides.model ?? 'llama3.1';
  return {
    id: `${provider}-${model}`,
    modelName: model,
    provider,
    model,
    apiBase: overrides.apiBase,
    credentials: overrides.credentials ?? new Map(),
    params: { model: `${provider}/${model}`, ...overrides.params },
    modelInfo: {},
  };
}
