import { badRequest, parseJson } from '../json.ts';
import { dropParamsOf } from '../drop-params.ts';
import { envValue, processEnv, type Env } from '../env.ts';
import { trimSlash } from '../openai/openai-compatible.ts';
import { classifiedBody } from '../stream-body.ts';
import type { Operation, Provider } from '../types.ts';
import { asRecord, credential, postJson } from '../upstream-call.ts';
import { toCohereEmbed, toEmbeddingList } from './embeddings.ts';
import { toCohereChat } from './request.ts';
import { toChatCompletion } from './response.ts';
import { toChatChunks } from './stream.ts';

export const cohereDefaultApiBase = 'https://api.cohere.com';

/** `{base}/v2/chat`; a base that already ends in `/v2` (or `/v1`, as LiteLLM's examples write it) is kept as is. */
export function cohereUrl(apiBase: string | undefined, path: 'chat' | 'embed'): string {
  const base = trimSlash(apiBase ?? cohereDefaultApiBase).replace(/\/v[12]$/, '');
  return `${base}/v2/${path}`;
}

/** Cohere (`cohere/<model>`, `cohere_chat/<model>`): v2 chat (JSON and SSE) and v2 embed, with a bearer key. */
export function createCohereProvider(name = 'cohere', env: () => Env = processEnv): Provider {
  return {
    name,
    operations: new Set<Operation>(['chat', 'embedding']),
    defaultApiBase: cohereDefaultApiBase,
    async call(operation, body, deployment, context) {
      const variables = env();
      const key = credential(deployment, 'api_key') ?? envValue(variables, ['COHERE_API_KEY', 'CO_API_KEY']);
      const headers: Record<string, string> = key === undefined ? {} : { authorization: `Bearer ${key}` };
      const base = deployment.apiBase ?? envValue(variables, ['COHERE_API_BASE']);
      if (operation === 'embedding') {
        const response = await postJson(
          context,
          deployment,
          cohereUrl(base, 'embed'),
          headers,
          toCohereEmbed(body, deployment.model),
        );
        return {
          kind: 'json',
          body: toEmbeddingList(parseJson(await response.body.text()), deployment.model),
        };
      }
      if (operation !== 'chat') throw badRequest(`cohere does not serve ${operation} requests`);
      const url = cohereUrl(base, 'chat');
      const request = toCohereChat(body, {
        model: deployment.model,
        dropParams: dropParamsOf(context, deployment),
      });
      const response = await postJson(
        context,
        deployment,
        url,
        { ...headers, accept: body.stream === true ? 'text/event-stream' : 'application/json' },
        request,
      );
      const created = Math.floor(Date.now() / 1000);
      if (body.stream === true)
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
    },
  };
}
