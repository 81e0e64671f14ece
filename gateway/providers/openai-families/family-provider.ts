import { ProviderError } from '../../upstream/errors.ts';
import { dropParamsOf } from '../drop-params.ts';
import { envValue, processEnv, type Env } from '../env.ts';
import { openAIPaths, openAIResult, trimSlash } from '../openai/openai-compatible.ts';
import type { Deployment, Operation, Provider, ProviderResult } from '../types.ts';
import { credential, postJson } from '../upstream-call.ts';
import type { Family } from './family.ts';
import { familyBody } from './params.ts';
import {
  chatChunksFromTextCompletion,
  chatFromTextCompletion,
  textCompletionRequest,
} from './text-completion.ts';

/** `api_base`, else the family's base variable, else its default. */
export function familyBase(family: Family, deployment: Deployment, env: Env): string | undefined {
  const base = deployment.apiBase ?? envValue(env, family.apiBaseEnv) ?? family.apiBase;
  return base === undefined ? undefined : trimSlash(base);
}

/** Azure AI's own hosts take the key as `api-key`; anything else (a serverless endpoint, a proxy) a bearer token. */
function usesApiKeyHeader(family: Family, base: string): boolean {
  if (family.auth !== 'azure-ai') return family.auth === 'api-key';
  const host = new URL(base).hostname;
  return /\.(services\.ai|openai|cognitiveservices)\.azure\.com$/.test(host);
}

export function familyHeaders(
  family: Family,
  deployment: Deployment,
  base: string,
  env: Env,
): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [header, name] of Object.entries(family.envHeaders ?? {})) {
    const value = env[name];
    if (value !== undefined && value !== '') headers[header] = value;
  }
  const key = credential(deployment, 'api_key') ?? envValue(env, family.apiKeyEnv);
  if (key !== undefined) {
    if (usesApiKeyHeader(family, base)) headers['api-key'] = key;
    else headers.authorization = `Bearer ${key}`;
  }
  return headers;
}

export function familyUrl(family: Family, base: string, path: string, deployment: Deployment): string {
  const version = deployment.params.api_version;
  const query =
    family.apiVersionQuery === true && version !== undefined
      ? `?api-version=${encodeURIComponent(version)}`
      : '';
  return base + path + query;
}

/** A provider for one family of the table: OpenAI's wire format with the family's base, auth and quirks. */
export function familyProvider(family: Family, env: () => Env = processEnv): Provider {
  const operations = new Set<Operation>(family.operations);
  return {
    name: family.name,
    operations,
    defaultApiBase: family.apiBase,
    check(params) {
      if (family.apiBase !== undefined || params.api_base !== undefined) return undefined;
      if (envValue(env(), family.apiBaseEnv) !== undefined) return undefined;
      return `${family.name} needs litellm_params.api_base (or ${family.apiBaseEnv.join(' or ')})`;
    },
    async call(operation, body, deployment, context): Promise<ProviderResult> {
      if (!operations.has(operation))
        throw new ProviderError('bad_request', `${family.name} does not serve ${operation} requests`, {
          status: 400,
        });
      const variables = env();
      const base = familyBase(family, deployment, variables);
      if (base === undefined)
        throw new ProviderError('bad_request', `${family.name} has no api_base`, { status: 400 });
      const headers = familyHeaders(family, deployment, base, variables);
      const asText = operation === 'chat' && family.chatAsTextCompletion === true;
      const translated = familyBody(
        family,
        asText ? textCompletionRequest(body) : body,
        deployment.model,
        dropParamsOf(context, deployment),
      );
      const path =
        family.paths?.[asText ? 'completion' : operation] ?? openAIPaths[asText ? 'completion' : operation];
      const url = familyUrl(family, base, path, deployment);
      const response = await postJson(context, deployment, url, headers, translated);
      if (!asText) return openAIResult(response, body);
      if (body.stream === true)
        return { kind: 'stream', frames: chatChunksFromTextCompletion(response.body) };
      return { kind: 'json', body: chatFromTextCompletion(JSON.parse(await response.body.text())) };
    },
  };
}

/** Every family of the table as a provider. */
export function familyProviders(table: readonly Family[], env?: () => Env): Provider[] {
  return table.map((family) => familyProvider(family, env));
}
