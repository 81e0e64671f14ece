import type { UpstreamResponse } from '../../upstream/http.ts';
import type { CallContext, Deployment } from '../types.ts';
import { extraHeadersOf, tlsOf } from '../upstream-call.ts';
import { googleFailureFrom } from './google-errors.ts';

/**
 * POSTs JSON to a Google endpoint (AI Studio or Vertex AI); an error status becomes a ProviderError read from
 * Google's error body, with the call's credentials cut out of its message.
 */
export async function postGoogle(
  context: CallContext,
  deployment: Deployment,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  secrets: readonly string[],
): Promise<UpstreamResponse> {
  const response = await context.http.request({
    url,
    headers: { 'content-type': 'application/json', ...extraHeadersOf(deployment), ...headers },
    body: JSON.stringify(body),
    signal: context.signal,
    tls: tlsOf(deployment),
    idleTimeoutMs: context.idleTimeoutMs,
  });
  if (response.status >= 400) throw await googleFailureFrom(response, secrets);
  return response;
}
