import { classifyStatus, parseRetryAfter, ProviderError } from '../../upstream/errors.ts';
import type { UpstreamResponse } from '../../upstream/http.ts';
import { asRecord, asString, parseJson } from '../json.ts';

/** HTTP status of each Bedrock exception, for those that arrive inside a stream. */
export const exceptionStatuses: Readonly<Record<string, number>> = {
  validationException: 400,
  accessDeniedException: 403,
  resourceNotFoundException: 404,
  modelTimeoutException: 408,
  modelErrorException: 424,
  modelNotReadyException: 429,
  throttlingException: 429,
  serviceQuotaExceededException: 429,
  internalServerException: 500,
  modelStreamErrorException: 500,
  serviceUnavailableException: 503,
};

/** `ValidationException:http://internal.amazon.com/coral/...` → `ValidationException`. */
function errorTypeOf(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  const type = value?.split(':')[0];
  return type === undefined || type === '' ? undefined : type;
}

/** A Bedrock error (`{"message": ...}`, type in `x-amzn-errortype`) as a ProviderError coded by its type. */
export function bedrockFailure(
  status: number,
  body: unknown,
  type: string | undefined,
  retryAfterMs?: number,
): ProviderError {
  const record = asRecord(body);
  const message =
    asString(record?.message) ??
    asString(record?.Message) ??
    (typeof body === 'string' && body !== '' ? body.slice(0, 500) : `bedrock answered ${status}`);
  const code = type ?? asString(record?.__type);
  return new ProviderError(classifyStatus(status, message, code), message, {
    status,
    ...(code === undefined ? {} : { code }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

export async function bedrockFailureFrom(response: UpstreamResponse): Promise<ProviderError> {
  let text = '';
  try {
    text = await response.body.text();
  } catch {
    // The status alone still classifies it.
  }
  return bedrockFailure(
    response.status,
    parseJson(text) ?? text,
    errorTypeOf(response.headers['x-amzn-errortype']),
    parseRetryAfter(response.headers),
  );
}
