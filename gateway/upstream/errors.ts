import { GatewayError, scrubSecrets } from '../errors.ts';

/** How the router treats a failure: which retry budget it spends and which fallback list it uses. */
export type FailureClass =
  | 'timeout'
  | 'rate_limit'
  | 'internal'
  | 'auth'
  | 'bad_request'
  | 'content_policy'
  | 'context_window'
  | 'not_found';

/** A failed upstream call, classified. Messages are already scrubbed of anything key-like. */
export class ProviderError extends Error {
  readonly failure: FailureClass;
  readonly upstreamStatus: number | undefined;
  readonly upstreamCode: string | undefined;
  readonly retryAfterMs: number | undefined;

  constructor(
    failure: FailureClass,
    message: string,
    details: { status?: number; code?: string; retryAfterMs?: number } = {},
  ) {
    super(scrubSecrets(message));
    this.name = 'ProviderError';
    this.failure = failure;
    this.upstreamStatus = details.status;
    this.upstreamCode = details.code;
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** The request was cancelled because the client went away: not a failure of the deployment. */
export class ClientAbortError extends Error {
  constructor() {
    super('client closed the request');
    this.name = 'ClientAbortError';
  }
}

const contextWindowPattern =
  /context[_ ]length|context window|maximum context|too many tokens|prompt is too long|input is too long|exceeds the context/i;
const contentPolicyPattern = /content[_ ]?(policy|filter|management)|safety system|responsible ?ai/i;

/** Classifies an upstream's HTTP error by status and, for 400s, by what the message says. */
export function classifyStatus(status: number, message: string, code?: string): FailureClass {
  const text = `${code ?? ''} ${message}`;
  if (status === 400 || status === 413 || status === 422) {
    if (contextWindowPattern.test(text)) return 'context_window';
    if (contentPolicyPattern.test(text)) return 'content_policy';
    return 'bad_request';
  }
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not_found';
  if (status === 408) return 'timeout';
  if (status === 429) return 'rate_limit';
  return 'internal';
}

/** `Retry-After` in seconds or as an HTTP date, or OpenAI's `retry-after-ms`. */
export function parseRetryAfter(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  now: number = Date.now(),
): number | undefined {
  const ms = Number(first(headers['retry-after-ms']));
  if (Number.isFinite(ms) && ms >= 0) return ms;
  const value = first(headers['retry-after']);
  if (value === undefined || value === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

const failureTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  409: 'invalid_request_error',
  413: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
};

/** What the client sees once retries and fallbacks are spent: an upstream 4xx as is, 5xx as 502/503/504. */
export function toClientError(error: ProviderError): GatewayError {
  const status = error.upstreamStatus;
  if (error.failure === 'timeout' && (status === undefined || status >= 500 || status === 408)) {
    return new GatewayError('upstream_timeout', `upstream timed out: ${error.message}`);
  }
  if (status !== undefined && status >= 400 && status < 500) {
    const headers: Record<string, string> = {};
    if (error.retryAfterMs !== undefined)
      headers['retry-after'] = String(Math.ceil(error.retryAfterMs / 1000));
    return new GatewayError('upstream_error', error.message, {
      status,
      type: failureTypes[status] ?? 'invalid_request_error',
      ...(error.upstreamCode === undefined ? {} : { upstreamCode: error.upstreamCode }),
      headers,
    });
  }
  if (status === 503) return new GatewayError('upstream_error', error.message, { status: 503 });
  if (status === 504) return new GatewayError('upstream_timeout', error.message);
  return new GatewayError('upstream_error', error.message);
}
