import { openAICompatible } from './openai-compatible.ts';

export const openai = openAICompatible({
  name: 'openai',
  defaultApiBase: 'https://api.openai.com/v1',
  apiKeyEnv: ['OPENAI_API_KEY'],
  headers: (deployment) =>
    deployment.params.organization === undefined
      ? {}
      : { 'openai-organization': deployment.params.organization },
});

/** vLLM, LM Studio, llama.cpp and other self-hosted OpenAI-compatible servers: `api_base` is required. */
export const hostedVllm = openAICompatible({ name: 'hosted_vllm', defaultApiBase: undefined });
