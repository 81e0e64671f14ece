import { classifyStatus, parseRetryAfter, ProviderError } from '../../upstream/errors.ts';
import type { UpstreamResponse } from '../../upstream/http.ts';
import { asArray, asRecord, asString, parseJson } from '../json.ts';

/**
 * Error reasons Google answers with a 400 or 403 that are really a bad credential: classified (and passed on) as
 * 401 so clients see an authentication error, as they would from OpenAI.
 */
const credentialReasons: ReadonlySet<string> = new Set([
  'API_KEY_INVALID',
  'API_KEY_SERVICE_BLOCKED',
  'ACCESS_TOKEN_EXPIRED',
]);

/**
 * A Google error body (`{"error":{"code","message","status","details"}}`) as a ProviderError: its `status`
 * (`INVALID_ARGUMENT`, `RESOURCE_EXHAUSTED`, ...) or `ErrorInfo.reason` is the code. `secrets` are cut out of the
 * message in case Google echoes one.
 */
export function googleFailure(
  status: number,
  body: unknown,
  secrets: readonly string[] = [],
  retryAfterMs?: number,
): ProviderError {
  const error = asRecord(asRecord(body)?.error);
  const reason = (asArray(error?.details) ?? [])
    .map((detail) => asString(asRecord(detail)?.reason))
    .find((value) => value !== undefined);
  let message =
    asString(error?.message) ??
    (typeof body === 'string' ? body.slice(0, 500) : `upstream answered ${status}`);
  for (const secret of secrets) if (secret.length >= 8) message = message.replaceAll(secret, '***');
  const code = reason ?? asString(error?.status);
  const credential = reason !== undefined && credentialReasons.has(reason);
  const effective = credential ? 401 : status;
  return new ProviderError(credential ? 'auth' : classifyStatus(effective, message, code), message, {
    status: effective,
    ...(code === undefined ? {} : { code }),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}

/** Reads a failed Google response into a ProviderError. */
export async function googleFailureFrom(
  response: UpstreamResponse,
  secrets: readonly string[],
): Promise<ProviderError> {
  let text = '';
  try {
    text = await response.body.text();
  } catch {
    // The status alone still classifies it.
  }
  return googleFailure(response.status, parseJson(text) ?? text, secrets, parseRetryAfter(response.headers));
}
