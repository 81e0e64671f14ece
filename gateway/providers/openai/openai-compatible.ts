import type { UpstreamResponse } from '../../upstream/http.ts';
import { envValue, processEnv } from '../env.ts';
import { rawJsonResult } from '../json-result.ts';
import { lastOf, perDeployment } from '../per-deployment.ts';
import { credential, postJson } from '../upstream-call.ts';
import type { Deployment, Operation, Provider, ProviderResult, RequestBody } from '../types.ts';

export const openAIPaths: Readonly<Record<Operation, string>> = {
  chat: '/chat/completions',
  completion: '/completions',
  embedding: '/embeddings',
};

export interface OpenAICompatibleOptions {
  readonly name: string;
  readonly defaultApiBase: string | undefined;
  readonly operations?: readonly Operation[];
  /** Extra headers for this family, besides the bearer token. */
  readonly headers?: (deployment: Deployment) => Record<string, string>;
  /** Environment variables read for the key when `api_key` is not set (LiteLLM's fallbacks). */
  readonly apiKeyEnv?: readonly string[];
}

/** Any server that speaks OpenAI's API: bodies go through with the model renamed, streams go through untouched. */
export function openAICompatible(options: OpenAICompatibleOptions): Provider {
  // The same string each call: its hash is kept, so the upstream's parsed-URL lookup does not hash it again.
  const urlsOf = perDeployment((deployment): Readonly<Record<Operation, string>> => {
    const base = trimSlash(deployment.apiBase ?? options.defaultApiBase ?? '');
    return {
      chat: base + openAIPaths.chat,
      completion: base + openAIPaths.completion,
      embedding: base + openAIPaths.embedding,
    };
  });
  const familyHeaders = perDeployment((deployment) => options.headers?.(deployment) ?? {});
  // The same object while the key stays the same, so the headers are not rebuilt for every call.
  const headersWithKey = perDeployment((deployment) =>
    lastOf((apiKey: string | undefined): Readonly<Record<string, string>> =>
      apiKey === undefined
        ? familyHeaders(deployment)
        : { ...familyHeaders(deployment), authorization: `Bearer ${apiKey}` },
    ),
  );
  return {
    name: options.name,
    operations: new Set(options.operations ?? ['chat', 'completion', 'embedding']),
    defaultApiBase: options.defaultApiBase,
    check(params) {
      return options.defaultApiBase === undefined && params.api_base === undefined
        ? `${options.name} needs litellm_params.api_base`
        : undefined;
    },
    async call(operation, body, deployment, context) {
      // The key is read per call: a file reference changes without a restart.
      const apiKey = credential(deployment, 'api_key') ?? envValue(processEnv(), options.apiKeyEnv ?? []);
      const response = await postJson(
        context,
        deployment,
        urlsOf(deployment)[operation],
        headersWithKey(deployment)(apiKey),
        {
          ...body,
          ...extraBodyOf(deployment),
          model: deployment.model,
        },
      );
      return openAIResult(response, body);
    },
  };
}

/** An OpenAI-shaped response as the route sends it on: the JSON text, or the SSE bytes, as they came. */
export async function openAIResult(response: UpstreamResponse, body: RequestBody): Promise<ProviderResult> {
  if (body.stream === true) return { kind: 'stream', frames: response.body };
  return rawJsonResult(await response.body.text());
}

/** `litellm_params.extra_body`: fields sent in every request body to this deployment. */
const extraBodyOf = perDeployment((deployment): Readonly<Record<string, unknown>> => {
  const extra = deployment.params.extra_body;
  return typeof extra === 'object' && extra !== null && !Array.isArray(extra)
    ? (extra as Record<string, unknown>)
    : {};
});

export function trimSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}
