import { z } from 'zod';
import { gatewayRef, secretKeyRef, usd } from './common.ts';
import { conditionList, observedGeneration } from './conditions.ts';
import { objectMeta } from './object-meta.ts';
import { withRules } from './rules.ts';

const int = z.number().int();

/**
 * Providers the gateway speaks, by LiteLLM's prefix of `litellm_params.model`. A test checks that the gateway
 * serves exactly these; a provider added to the gateway is added here (and so to the CRD) to be usable.
 */
export const providers = [
  'openai',
  'azure',
  'azure_ai',
  'anthropic',
  'hosted_vllm',
  'text-completion-openai',
  'ollama',
  'ollama_chat',
  'gemini',
  'vertex_ai',
  'bedrock',
  'cohere',
  'cohere_chat',
  'groq',
  'openrouter',
  'mistral',
  'together_ai',
  'deepseek',
  'xai',
  'cerebras',
  'fireworks_ai',
  'perplexity',
  'nvidia_nim',
  'deepinfra',
  'mock',
] as const;
export type ProviderName = (typeof providers)[number];

/** Param names that hold credentials (the gateway's rule, plus `credentials`): only as Secret refs. */
export const credentialParamPattern = '(^|_)(key|token|secret|password|credentials)$';
const credentialParam = new RegExp(credentialParamPattern);

const paramName = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/)
  .max(64);

/**
 * Exactly one of value and secretKeyRef. Written as a oneOf of `required` rather than CEL: `value` keeps
 * unknown fields, which CEL cannot see.
 */
export const providerParam = z
  .object({
    value: z
      .unknown()
      .optional()
      .meta({ 'x-kubernetes-preserve-unknown-fields': true })
      .describe('A literal value (string, number, boolean, list or map) passed as is.'),
    secretKeyRef: secretKeyRef
      .optional()
      .describe('A Secret key whose value is mounted as a file and referenced as file:/path.'),
  })
  .superRefine((param, context) => {
    if ((param.value !== undefined) === (param.secretKeyRef !== undefined))
      context.addIssue({ code: 'custom', message: 'set exactly one of value and secretKeyRef', path: [] });
  })
  .meta({ oneOf: [{ required: ['value'] }, { required: ['secretKeyRef'] }] })
  .describe('One provider-specific parameter: a literal value or a Secret key (exactly one).');
export type ProviderParam = z.output<typeof providerParam>;

export const pricing = z
  .object({
    inputCostPerMillionTokens: usd.optional().describe('USD per million prompt tokens, e.g. "2.50".'),
    outputCostPerMillionTokens: usd.optional().describe('USD per million completion tokens, e.g. "10".'),
  })
  .describe('Overrides the built-in prices used for spend.');

export const modelInfo = z
  .object({
    mode: z.enum(['chat', 'completion', 'embedding']).optional().describe('What the model serves.'),
    baseModel: z.string().max(256).optional().describe('Model whose prices and limits apply.'),
    maxInputTokens: int.min(1).optional().describe('Context window, for context-window fallbacks.'),
    maxOutputTokens: int.min(1).optional().describe('Longest completion.'),
    supportsFunctionCalling: z.boolean().optional().describe('Whether the model takes tools.'),
    supportsVision: z.boolean().optional().describe('Whether the model takes images.'),
  })
  .describe('What /v1/models and the router know about the model (model_info).');

export const modelDeploymentSpec = withRules(
  z
    .object({
      gatewayRef,
      modelName: z
        .string()
        .min(1)
        .max(256)
        .describe('Public model name clients ask for; deployments sharing it form one load-balanced group.'),
      provider: z.enum(providers).describe('Upstream provider (LiteLLM prefix).'),
      model: z.string().min(1).max(512).describe('Upstream model or Azure deployment name, e.g. gpt-4o.'),
      apiBase: z
        .url()
        .max(2048)
        .optional()
        .describe('Upstream base URL; required for azure and hosted_vllm.'),
      apiVersion: z.string().max(64).optional().describe('API version (azure).'),
      credentialsSecretRef: secretKeyRef
        .optional()
        .describe('Secret key holding the API key; mounted as a file, so rotating it needs no restart.'),
      params: z
        .record(paramName, providerParam)
        .optional()
        .meta({ maxProperties: 32 })
        .describe(
          'Provider-specific litellm_params, e.g. vertex_project, aws_region_name. Names ending in key, token, ' +
            'secret, password or credentials take a secretKeyRef: credentials never go into the ConfigMap.',
        ),
      rpm: int.min(0).optional().describe('Requests per minute this deployment takes.'),
      tpm: int.min(0).optional().describe('Tokens per minute this deployment takes.'),
      weight: int.min(0).max(1000).optional().describe('Relative share in simple-shuffle routing.'),
      timeoutSeconds: int
        .min(1)
        .max(86400)
        .optional()
        .describe(
          'Overrides the gateway request timeout. At shutdown, requests still get only the gateway ' +
            'requestTimeoutSeconds to finish (what terminationGracePeriodSeconds is sized for).',
        ),
      streamTimeoutSeconds: int.min(1).max(86400).optional().describe('Time allowed to the first chunk.'),
      maxParallelRequests: int.min(0).optional().describe('Requests in flight to this deployment, per pod.'),
      pricing: pricing.optional(),
      modelInfo: modelInfo.optional(),
    })
    .describe('One upstream deployment of a model group.'),
  [
    {
      rule: "!(self.provider in ['azure', 'hosted_vllm']) || has(self.apiBase)",
      message: 'azure and hosted_vllm need apiBase',
      fieldPath: '.apiBase',
      holds: (s) => !(s.provider === 'azure' || s.provider === 'hosted_vllm') || s.apiBase !== undefined,
    },
    {
      rule: "!has(self.params) || (!('api_key' in self.params) && !('model' in self.params))",
      message: 'params cannot set api_key or model; use credentialsSecretRef and model',
      fieldPath: '.params',
      holds: (s) => s.params === undefined || !('api_key' in s.params || 'model' in s.params),
    },
    {
      rule: `!has(self.params) || self.params.all(k, !k.matches('${credentialParamPattern}') || has(self.params[k].secretKeyRef))`,
      message:
        'a credential param (name ending in key, token, secret, password or credentials) needs a secretKeyRef',
      fieldPath: '.params',
      holds: (s) =>
        Object.entries(s.params ?? {}).every(
          ([name, param]) => !credentialParam.test(name) || param.secretKeyRef !== undefined,
        ),
    },
  ],
);

export const modelDeploymentStatus = z
  .object({ observedGeneration, conditions: conditionList })
  .describe('Observed state: whether the gateway accepted this deployment.');

export const modelDeploymentSchema = z.object({
  apiVersion: z.literal('switchyard.dev/v1alpha1'),
  kind: z.literal('ModelDeployment'),
  metadata: objectMeta,
  spec: modelDeploymentSpec,
  status: modelDeploymentStatus.optional(),
});

export type ModelDeployment = z.output<typeof modelDeploymentSchema>;
export type ModelDeploymentSpec = z.output<typeof modelDeploymentSpec>;
