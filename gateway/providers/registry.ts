import { anthropic } from './anthropic/anthropic.ts';
import { azure } from './azure/azure.ts';
import { createBedrockProvider } from './bedrock/bedrock.ts';
import { createCohereProvider } from './cohere/cohere.ts';
import { createGeminiProvider } from './gemini/gemini.ts';
import { createMockProvider } from './mock/mock.ts';
import { families } from './openai-families/families.ts';
import { familyProviders } from './openai-families/family-provider.ts';
import { ollama, ollamaChat } from './ollama/ollama.ts';
import { hostedVllm, openai } from './openai/openai.ts';
import type { Provider } from './types.ts';
import { createVertexProvider } from './vertex_ai/vertex.ts';

export type ProviderRegistry = ReadonlyMap<string, Provider>;

/** Every provider this gateway speaks, by the prefix LiteLLM uses in `litellm_params.model`. */
export function createProviderRegistry(): ProviderRegistry {
  const providers = [
    openai,
    hostedVllm,
    azure,
    anthropic,
    ollama,
    ollamaChat,
    ...familyProviders(families),
    createGeminiProvider(),
    createVertexProvider(),
    createBedrockProvider(),
    createCohereProvider('cohere'),
    createCohereProvider('cohere_chat'),
    createMockProvider(),
  ];
  return new Map(providers.map((provider) => [provider.name, provider]));
}
