import { ProviderError } from '../../upstream/errors.ts';
import type { UpstreamHttp } from '../../upstream/http.ts';
import { badRequest, parseJson } from '../json.ts';
import { toMessagesRequest } from '../anthropic/request.ts';
import { toChatCompletion as anthropicCompletion } from '../anthropic/response.ts';
import { toChatChunks as anthropicChunks } from '../anthropic/stream.ts';
import { dropParamsOf } from '../drop-params.ts';
import { envValue, processEnv, type Env } from '../env.ts';
import { geminiChat } from '../gemini/gemini.ts';
import { classifiedBody } from '../stream-body.ts';
import type { CallContext, Deployment, Operation, Provider, ProviderResult, RequestBody } from '../types.ts';
import { asRecord, postJson } from '../upstream-call.ts';
import { toEmbeddingList, toPredictRequest } from './embeddings.ts';
import { vertexModelUrl, vertexSettings, type VertexSettings } from './settings.ts';
import { createTokenSource, type TokenSource } from './token-source.ts';

/** The `anthropic_version` Vertex AI wants in the body of Anthropic models (instead of a header). */
export const vertexAnthropicVersion = 'vertex-2023-10-16';

/** Model ids served by Anthropic's publisher on Vertex; everything else is a Google (Gemini) model. */
function isAnthropicModel(model: string): boolean {
  return model.startsWith('claude');
}

/**
 * Vertex AI (`vertex_ai/<model>`): Gemini models through `generateContent` (the Gemini translator), Anthropic
 * models through `rawPredict`/`streamRawPredict` (the Anthropic translator), with an OAuth access token from the
 * deployment's service account, or from the metadata server. Tokens are cached per identity.
 */
export function createVertexProvider(env: () => Env = processEnv): Provider {
  const sources = new Map<string, TokenSource>();
  const tokenFor = (settings: VertexSettings, http: UpstreamHttp): Promise<string> => {
    let source = sources.get(settings.identity);
    if (source === undefined) {
      const metadataHost =
        envValue(env(), ['GCE_METADATA_HOST', 'GCE_METADATA_IP']) ?? 'metadata.google.internal';
      source = createTokenSource(settings.credentials, { http, metadataHost });
      sources.set(settings.identity, source);
    }
    return source.token();
  };
  return {
    name: 'vertex_ai',
    operations: new Set<Operation>(['chat', 'embedding']),
    defaultApiBase: undefined,
    async call(operation, body, deployment, context) {
      if (operation === 'completion') throw badRequest('vertex_ai does not serve text completions');
      const settings = vertexSettings(deployment, env());
      const token = await tokenFor(settings, context.http);
      const headers = { authorization: `Bearer ${token}` };
      try {
        if (operation === 'embedding') return await embed(body, deployment, context, settings, headers);
        if (isAnthropicModel(deployment.model))
          return await anthropicOnVertex(body, deployment, context, settings, headers);
        return await geminiChat(body, deployment, context, {
          url: (method) => vertexModelUrl(settings, deployment.apiBase, 'google', deployment.model, method),
          headers,
          secrets: [token],
        });
      } catch (error) {
        // A token refused before its expiry (revoked, key rotated): the next call gets a new one.
        if (error instanceof ProviderError && error.failure === 'auth') sources.delete(settings.identity);
        throw error;
      }
    },
  };
}

async function embed(
  body: RequestBody,
  deployment: Deployment,
  context: CallContext,
  settings: VertexSettings,
  headers: Record<string, string>,
): Promise<ProviderResult> {
  const url = vertexModelUrl(settings, deployment.apiBase, 'google', deployment.model, 'predict');
  const response = await postJson(context, deployment, url, headers, toPredictRequest(body));
  return { kind: 'json', body: toEmbeddingList(parseJson(await response.body.text()), deployment.model) };
}

async function anthropicOnVertex(
  body: RequestBody,
  deployment: Deployment,
  context: CallContext,
  settings: VertexSettings,
  headers: Record<string, string>,
): Promise<ProviderResult> {
  const { model: _model, ...request } = toMessagesRequest(body, {
    model: deployment.model,
    dropParams: dropParamsOf(context, deployment),
    maxTokens: deployment.params.max_tokens,
  });
  const streaming = request.stream === true;
  const url = vertexModelUrl(
    settings,
    deployment.apiBase,
    'anthropic',
    deployment.model,
    streaming ? 'streamRawPredict' : 'rawPredict',
  );
  // The model is named by the URL; Vertex refuses it in the body.
  const response = await postJson(context, deployment, url, headers, {
    anthropic_version: vertexAnthropicVersion,
    ...request,
  });
  const created = Math.floor(Date.now() / 1000);
  if (streaming)
    return {
      kind: 'stream',
      frames: anthropicChunks(classifiedBody(response.body, context, new URL(url).host), {
        created,
        includeUsage: asRecord(body.stream_options)?.include_usage === true,
        model: deployment.model,
      }),
    };
  return { kind: 'json', body: anthropicCompletion(parseJson(await response.body.text()), created) };
}
