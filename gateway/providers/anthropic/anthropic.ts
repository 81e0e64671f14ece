import { ProviderError } from '../../upstream/errors.ts';
import { networkFailure } from '../../upstream/http.ts';
import { trimSlash } from '../openai/openai-compatible.ts';
import type { CallContext, Provider, ProviderResult } from '../types.ts';
import { credential, postJson } from '../upstream-call.ts';
import { asRecord, parseJson } from '../json.ts';
import { toMessagesRequest } from './request.ts';
import { toChatCompletion } from './response.ts';
import { toChatChunks } from './stream.ts';

export const anthropicApiVersion = '2023-06-01';
export const anthropicDefaultApiBase = 'https://api.anthropic.com';

/**
 * The Messages endpoint for an `api_base`: `{base}/v1/messages`, also when the base already ends in `/v1` or
 * `/v1/messages` (LiteLLM accepts both forms).
 */
export function messagesUrl(apiBase: string | undefined): string {
  const base = trimSlash(apiBase ?? anthropicDefaultApiBase);
  if (base.endsWith('/v1/messages')) return base;
  if (base.endsWith('/v1')) return `${base}/messages`;
  return `${base}/v1/messages`;
}

/**
 * Anthropic's Messages API (`anthropic/<model>`): OpenAI chat requests are translated to `POST {base}/v1/messages`
 * with `x-api-key` and `anthropic-version`, and the answers (JSON or SSE) translated back into OpenAI's shapes.
 */
export const anthropic: Provider = {
  name: 'anthropic',
  operations: new Set(['chat']),
  defaultApiBase: anthropicDefaultApiBase,
  async call(operation, body, deployment, context) {
    if (operation !== 'chat')
      throw new ProviderError('bad_request', `anthropic serves chat completions only, not ${operation}`, {
        status: 400,
      });
    const request = toMessagesRequest(body, {
      model: deployment.model,
      dropParams: context.dropParams,
      maxTokens: deployment.params.max_tokens,
    });
    const headers: Record<string, string> = { 'anthropic-version': anthropicApiVersion };
    const apiKey = credential(deployment, 'api_key');
    if (apiKey !== undefined) headers['x-api-key'] = apiKey;
    const url = messagesUrl(deployment.apiBase);
    const response = await postJson(context, deployment, url, headers, request);
    const created = Math.floor(Date.now() / 1000);
    if (request.stream === true) {
      return {
        kind: 'stream',
        frames: toChatChunks(classifiedBody(response.body, context, new URL(url).host), {
          created,
          includeUsage: asRecord(body.stream_options)?.include_usage === true,
          model: deployment.model,
        }),
      } satisfies ProviderResult;
    }
    return { kind: 'json', body: toChatCompletion(parseJson(await response.body.text()), created) };
  },
};

/** The upstream body, its failures (idle timeout, reset, abort) turned into what the router acts on. */
async function* classifiedBody(
  body: AsyncIterable<Uint8Array | string>,
  context: CallContext,
  host: string,
): AsyncGenerator<Uint8Array | string> {
  try {
    yield* body;
  } catch (error) {
    throw networkFailure(error, context.signal, host);
  }
}
