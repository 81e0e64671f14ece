import { anthropic } from './anthropic/anthropic.ts';
import { azure } from './azure/azure.ts';
import { createMockProvider } from './mock/mock.ts';
import { ollama, ollamaChat } from './ollama/ollama.ts';
import { hostedVllm, openai } from './openai/openai.ts';
import type { Provider } from './types.ts';

export type ProviderRegistry = ReadonlyMap<string, Provider>;

/** Every provider this gateway speaks, by the prefix LiteLLM uses in `litellm_params.model`. */
export function createProviderRegistry(): ProviderRegistry {
  const providers = [openai, hostedVllm, azure, anthropic, ollama, ollamaChat, createMockProvider()];
  return new Map(providers.map((provider) => [provider.name, provider]));
}
