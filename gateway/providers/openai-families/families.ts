import type { Family } from './family.ts';

const chatOnly = ['chat'] as const;
const chatAndEmbeddings = ['chat', 'embedding'] as const;
const everything = ['chat', 'completion', 'embedding'] as const;

/** OpenAI's `tool_choice: required` is `any` for families that follow Mistral's naming. */
const requiredIsAny = { tool_choice: { required: 'any' } } as const;

/**
 * The OpenAI-compatible families LiteLLM knows by prefix: default base, key variables (LiteLLM's names, in the
 * order it reads them), auth header and quirks. Everything not listed here is plain OpenAI.
 */
export const families: readonly Family[] = [
  {
    name: 'groq',
    apiBase: 'https://api.groq.com/openai/v1',
    apiBaseEnv: ['GROQ_API_BASE'],
    apiKeyEnv: ['GROQ_API_KEY'],
    auth: 'bearer',
    operations: chatOnly,
    // Groq answers 400 to these (its OpenAI-compatibility notes).
    refused: [{ param: 'logprobs', values: [true] }, { param: 'top_logprobs' }, { param: 'logit_bias' }],
  },
  {
    name: 'openrouter',
    apiBase: 'https://openrouter.ai/api/v1',
    apiBaseEnv: ['OPENROUTER_API_BASE', 'OR_API_BASE'],
    apiKeyEnv: ['OPENROUTER_API_KEY', 'OR_API_KEY'],
    auth: 'bearer',
    operations: ['chat', 'completion'],
    // App attribution for openrouter.ai rankings; `extra_headers` in litellm_params win over these.
    envHeaders: { 'HTTP-Referer': 'OR_SITE_URL', 'X-Title': 'OR_APP_NAME' },
  },
  {
    name: 'mistral',
    apiBase: 'https://api.mistral.ai/v1',
    apiBaseEnv: ['MISTRAL_API_BASE'],
    apiKeyEnv: ['MISTRAL_API_KEY'],
    auth: 'bearer',
    operations: chatAndEmbeddings,
    // Mistral's schema forbids extra fields: these have no equivalent there.
    refused: [{ param: 'logit_bias' }, { param: 'logprobs', values: [true] }, { param: 'top_logprobs' }],
    renames: { seed: 'random_seed', max_completion_tokens: 'max_tokens' },
    valueMaps: requiredIsAny,
  },
  {
    name: 'together_ai',
    apiBase: 'https://api.together.xyz/v1',
    apiBaseEnv: ['TOGETHER_AI_API_BASE'],
    apiKeyEnv: ['TOGETHER_API_KEY', 'TOGETHER_AI_API_KEY', 'TOGETHERAI_API_KEY', 'TOGETHER_AI_TOKEN'],
    auth: 'bearer',
    operations: everything,
  },
  {
    name: 'deepseek',
    // LiteLLM's default: the beta base also serves FIM completions.
    apiBase: 'https://api.deepseek.com/beta',
    apiBaseEnv: ['DEEPSEEK_API_BASE'],
    apiKeyEnv: ['DEEPSEEK_API_KEY'],
    auth: 'bearer',
    operations: ['chat', 'completion'],
  },
  {
    name: 'xai',
    apiBase: 'https://api.x.ai/v1',
    apiBaseEnv: ['XAI_API_BASE'],
    apiKeyEnv: ['XAI_API_KEY'],
    auth: 'bearer',
    operations: chatOnly,
    // xAI's reasoning models answer 400 to these.
    refused: ['presence_penalty', 'frequency_penalty', 'stop'].map((param) => ({
      param,
      models: /^grok-(3-mini|4)/,
    })),
  },
  {
    name: 'cerebras',
    apiBase: 'https://api.cerebras.ai/v1',
    apiBaseEnv: ['CEREBRAS_API_BASE'],
    apiKeyEnv: ['CEREBRAS_API_KEY'],
    auth: 'bearer',
    operations: ['chat', 'completion'],
    refused: [{ param: 'frequency_penalty' }, { param: 'presence_penalty' }, { param: 'logit_bias' }],
  },
  {
    name: 'fireworks_ai',
    apiBase: 'https://api.fireworks.ai/inference/v1',
    apiBaseEnv: ['FIREWORKS_API_BASE'],
    apiKeyEnv: ['FIREWORKS_API_KEY', 'FIREWORKS_AI_API_KEY', 'FIREWORKSAI_API_KEY', 'FIREWORKS_AI_TOKEN'],
    auth: 'bearer',
    operations: everything,
    valueMaps: requiredIsAny,
    modelPrefix: { prefix: 'accounts/fireworks/models/', unless: 'accounts/' },
  },
  {
    name: 'perplexity',
    // No `/v1`: Perplexity serves `/chat/completions` at the root.
    apiBase: 'https://api.perplexity.ai',
    apiBaseEnv: ['PERPLEXITY_API_BASE'],
    apiKeyEnv: ['PERPLEXITYAI_API_KEY', 'PERPLEXITY_API_KEY'],
    auth: 'bearer',
    operations: chatOnly,
    refused: [
      { param: 'tools' },
      { param: 'tool_choice' },
      { param: 'logit_bias' },
      { param: 'logprobs', values: [true] },
      { param: 'top_logprobs' },
      { param: 'n', above: 1 },
    ],
  },
  {
    name: 'nvidia_nim',
    apiBase: 'https://integrate.api.nvidia.com/v1',
    apiBaseEnv: ['NVIDIA_NIM_API_BASE'],
    apiKeyEnv: ['NVIDIA_NIM_API_KEY'],
    auth: 'bearer',
    operations: chatAndEmbeddings,
  },
  {
    name: 'deepinfra',
    apiBase: 'https://api.deepinfra.com/v1/openai',
    apiBaseEnv: ['DEEPINFRA_API_BASE'],
    apiKeyEnv: ['DEEPINFRA_API_KEY'],
    auth: 'bearer',
    operations: everything,
  },
  {
    // Azure AI model inference (`https://<resource>.services.ai.azure.com/models`): each resource has its own base.
    name: 'azure_ai',
    apiBase: undefined,
    apiBaseEnv: ['AZURE_AI_API_BASE'],
    apiKeyEnv: ['AZURE_AI_API_KEY'],
    auth: 'azure-ai',
    operations: chatAndEmbeddings,
    apiVersionQuery: true,
  },
  {
    // OpenAI's legacy completions models (`gpt-3.5-turbo-instruct`); chat requests are sent as prompts.
    name: 'text-completion-openai',
    apiBase: 'https://api.openai.com/v1',
    apiBaseEnv: ['OPENAI_BASE_URL', 'OPENAI_API_BASE'],
    apiKeyEnv: ['OPENAI_API_KEY'],
    auth: 'bearer',
    operations: ['chat', 'completion'],
    chatAsTextCompletion: true,
  },
];
