import { openAIPaths, openAIResult, trimSlash } from '../openai/openai-compatible.ts';
import { credential, postJson } from '../upstream-call.ts';
import type { Deployment, Provider } from '../types.ts';

/** Azure OpenAI's latest GA data-plane version, used when a deployment names none. */
export const defaultAzureApiVersion = '2024-10-21';

/**
 * Azure OpenAI: `azure/<deployment>` calls `{api_base}/openai/deployments/<deployment>/<path>?api-version=...`,
 * authenticated by `api-key` (or a bearer `azure_ad_token`). Bodies and streams are OpenAI's.
 */
export const azure: Provider = {
  name: 'azure',
  operations: new Set(['chat', 'completion', 'embedding']),
  defaultApiBase: undefined,
  check(params) {
    return params.api_base === undefined
      ? 'azure needs litellm_params.api_base (https://<resource>.openai.azure.com)'
      : undefined;
  },
  async call(operation, body, deployment, context) {
    const response = await postJson(
      context,
      deployment,
      azureUrl(deployment, openAIPaths[operation]),
      azureAuth(deployment),
      body,
    );
    return openAIResult(response, body);
  },
};

export function azureUrl(deployment: Deployment, path: string): string {
  const version = deployment.params.api_version ?? defaultAzureApiVersion;
  const base = trimSlash(deployment.apiBase ?? '');
  return `${base}/openai/deployments/${encodeURIComponent(deployment.model)}${path}?api-version=${encodeURIComponent(version)}`;
}

function azureAuth(deployment: Deployment): Record<string, string> {
  const token = credential(deployment, 'azure_ad_token');
  if (token !== undefined) return { authorization: `Bearer ${token}` };
  const apiKey = credential(deployment, 'api_key');
  return apiKey === undefined ? {} : { 'api-key': apiKey };
}
