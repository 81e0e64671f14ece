import type { TlsSettings, UpstreamResponse } from '../upstream/http.ts';
import { classifyStatus, parseRetryAfter, ProviderError } from '../upstream/errors.ts';
import { lastOf, perDeployment } from './per-deployment.ts';
import type { CallContext, Deployment } from './types.ts';

/** `ssl_verify: false`, `ssl_verify: /path/ca.pem` (LiteLLM's forms) or `ca_bundle`. */
export const tlsOf = perDeployment((deployment): TlsSettings => {
  const { ssl_verify: verify, ca_bundle: caBundle } = deployment.params;
  if (typeof verify === 'string') return { verify: true, caFile: verify };
  return { verify: verify !== false, caFile: caBundle };
});

/** A credential param's current value (`api_key`, `azure_ad_token`, ...), or undefined when not set. */
export function credential(deployment: Deployment, key: string): string | undefined {
  const value = deployment.credentials.get(key)?.value();
  return value === '' ? undefined : value;
}

/** Headers the user asked to send with every call to this deployment. */
export const extraHeadersOf = perDeployment((deployment): Readonly<Record<string, string>> => ({
  ...deployment.params.headers,
  ...deployment.params.extra_headers,
}));

const jsonHeadersOf = perDeployment((deployment): Readonly<Record<string, string>> => ({
  'content-type': 'application/json',
  ...extraHeadersOf(deployment),
}));

// A provider that passes the same headers object on each call (openai-compatible) gets the same merge back.
const withJsonHeaders = perDeployment((deployment) =>
  lastOf((headers: Readonly<Record<string, string>>) => ({ ...jsonHeadersOf(deployment), ...headers })),
);

/** POSTs JSON and returns the response when it is a success; an error status becomes a ProviderError. */
export async function postJson(
  context: CallContext,
  deployment: Deployment,
  url: string,
  headers: Readonly<Record<string, string>>,
  body: unknown,
): Promise<UpstreamResponse> {
  const response = await context.http.request({
    url,
    headers: withJsonHeaders(deployment)(headers),
    body: JSON.stringify(body),
    signal: context.signal,
    tls: tlsOf(deployment),
    idleTimeoutMs: context.idleTimeoutMs,
  });
  if (response.status >= 400) throw await failureFrom(response);
  return response;
}

/** Reads an error response of any provider (OpenAI, Azure, Anthropic, Ollama shapes) into a ProviderError. */
export async function failureFrom(response: UpstreamResponse): Promise<ProviderError> {
  let text = '';
  try {
    text = await response.body.text();
  } catch {
    // The status alone still classifies the failure.
  }
  const { message, code } = errorDetails(text);
  return new ProviderError(
    classifyStatus(response.status, message, code),
    message || `upstream answered ${response.status}`,
    {
      status: response.status,
      ...(code === undefined ? {} : { code }),
      ...optionalRetryAfter(response),
    },
  );
}

function optionalRetryAfter(response: UpstreamResponse): { retryAfterMs?: number } {
  const retryAfterMs = parseRetryAfter(response.headers);
  return retryAfterMs === undefined ? {} : { retryAfterMs };
}

function errorDetails(text: string): { message: string; code: string | undefined } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { message: text.slice(0, 500), code: undefined };
  }
  const root = asRecord(parsed);
  const error = root?.error;
  if (typeof error === 'string') return { message: error, code: undefined };
  const details = asRecord(error) ?? root;
  const message = details?.message;
  const code = details?.code ?? details?.type;
  return {
    message: typeof message === 'string' ? message : text.slice(0, 500),
    code: typeof code === 'string' ? code : undefined,
  };
}

export function asRecord(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}
