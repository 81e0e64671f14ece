import { badRequest, parseJson } from '../json.ts';
import { dropParamsOf } from '../drop-params.ts';
import { envValue, processEnv, type Env } from '../env.ts';
import { trimSlash } from '../openai/openai-compatible.ts';
import { classifiedBody } from '../stream-body.ts';
import type { CallContext, Deployment, Operation, Provider, ProviderResult, RequestBody } from '../types.ts';
import { asRecord, credential } from '../upstream-call.ts';
import { toBatchEmbedRequest, toEmbeddingList } from './embeddings.ts';
import { postGoogle } from './google-call.ts';
import { toGenerateContentRequest } from './request.ts';
import { toChatCompletion } from './response.ts';
import { toChatChunks } from './stream.ts';

export const geminiDefaultApiBase = 'https://generativelanguage.googleapis.com';

/** `{base}/v1beta/models/{model}:{method}`; a base that already names the version is kept as it is. */
export function geminiUrl(apiBase: string | undefined, model: string, method: string): string {
  const base = trimSlash(apiBase ?? geminiDefaultApiBase);
  const versioned = /\/v1(beta|alpha)?$/.test(base) ? base : `${base}/v1beta`;
  const id = model.startsWith('models/') ? model.slice('models/'.length) : model;
  return `${versioned}/models/${encodeURIComponent(id)}:${method}`;
}

/** What one generateContent call sends and how its answer is read: shared by Gemini and Gemini on Vertex AI. */
export interface GeminiTarget {
  /** The URL for `generateContent`, `streamGenerateContent` or `batchEmbedContents`. */
  url(method: string): string;
  readonly headers: Record<string, string>;
  /** Credentials to cut out of error messages. */
  readonly secrets: readonly string[];
}

/** A chat completion through `generateContent` (or its SSE stream), translated both ways. */
export async function geminiChat(
  body: RequestBody,
  deployment: Deployment,
  context: CallContext,
  target: GeminiTarget,
): Promise<ProviderResult> {
  const request = toGenerateContentRequest(body, {
    model: deployment.model,
    dropParams: dropParamsOf(context, deployment),
    safetySettings: deployment.params.safety_settings,
  });
  const created = Math.floor(Date.now() / 1000);
  const streaming = body.stream === true;
  const url = target.url(streaming ? 'streamGenerateContent?alt=sse' : 'generateContent');
  const response = await postGoogle(context, deployment, url, target.headers, request, target.secrets);
  if (streaming)
    return {
      kind: 'stream',
      frames: toChatChunks(classifiedBody(response.body, context, new URL(url).host), {
        created,
        includeUsage: asRecord(body.stream_options)?.include_usage === true,
        model: deployment.model,
      }),
    };
  return {
    kind: 'json',
    body: toChatCompletion(parseJson(await response.body.text()), { created, model: deployment.model }),
  };
}

/**
 * Google AI Studio's native Gemini API (`gemini/<model>`): `generateContent`, `streamGenerateContent?alt=sse` and
 * `batchEmbedContents`, the key as `x-goog-api-key` (never in the URL, so it cannot reach a log line).
 */
export function createGeminiProvider(env: () => Env = processEnv): Provider {
  return {
    name: 'gemini',
    operations: new Set<Operation>(['chat', 'embedding']),
    defaultApiBase: geminiDefaultApiBase,
    async call(operation, body, deployment, context) {
      const variables = env();
      const key =
        credential(deployment, 'api_key') ?? envValue(variables, ['GEMINI_API_KEY', 'GOOGLE_API_KEY']);
      const base = deployment.apiBase ?? envValue(variables, ['GEMINI_API_BASE']);
      const target: GeminiTarget = {
        url: (method) => geminiUrl(base, deployment.model, method),
        headers: key === undefined ? {} : { 'x-goog-api-key': key },
        secrets: key === undefined ? [] : [key],
      };
      if (operation === 'chat') return geminiChat(body, deployment, context, target);
      if (operation !== 'embedding') throw badRequest(`gemini does not serve ${operation} requests`);
      const response = await postGoogle(
        context,
        deployment,
        target.url('batchEmbedContents'),
        target.headers,
        toBatchEmbedRequest(body, deployment.model),
        target.secrets,
      );
      return {
        kind: 'json',
        body: toEmbeddingList(parseJson(await response.body.text()), body, deployment.model),
      };
    },
  };
}
