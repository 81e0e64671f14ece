import type { FastifyReply } from 'fastify';
import { GatewayError } from '../errors.ts';
import type { LimitCheck } from './limit-check.ts';

const names = {
  r: { code: 'rpm_limit_exceeded', limit: 'rpm_limit', unit: 'requests a minute' },
  t: { code: 'tpm_limit_exceeded', limit: 'tpm_limit', unit: 'tokens a minute' },
  p: { code: 'parallel_limit_exceeded', limit: 'max_parallel_requests', unit: 'requests in flight' },
  // Spend is only read by the script (shared-budgets.ts refuses), never refused there.
  s: { code: 'budget_exceeded', limit: 'max_budget', unit: 'USD' },
} as const;

/** The 429 naming the key's limit that refused, with when to retry (OpenAI-shaped, LiteLLM's header names). */
export function keyLimitRefusal(check: LimitCheck, retryMs: number, usage: number): GatewayError {
  const name = names[check.kind];
  const seconds = Math.max(1, Math.ceil(retryMs / 1000));
  const headers: Record<string, string> = {
    'retry-after': String(seconds),
    'retry-after-ms': String(Math.max(1, Math.round(retryMs))),
    ...limitHeaders(check, Math.max(0, check.limit - usage)),
  };
  const when = check.kind === 'p' ? 'retry when a request finishes' : `retry in ${seconds} s`;
  return new GatewayError(name.code, `key is over its ${name.limit} (${check.limit} ${name.unit}); ${when}`, {
    headers,
  });
}

/** LiteLLM's header names, per unit: built once, not per response. */
const headerNames = {
  requests: ['x-ratelimit-limit-requests', 'x-ratelimit-remaining-requests'],
  tokens: ['x-ratelimit-limit-tokens', 'x-ratelimit-remaining-tokens'],
} as const;

/** The unit a check's headers count in; parallel and spend checks send none. */
function unitOf(check: LimitCheck): 'requests' | 'tokens' | undefined {
  return check.kind === 'r' ? 'requests' : check.kind === 't' ? 'tokens' : undefined;
}

const remainingText = (remaining: number) => String(Math.max(0, Math.floor(remaining)));

/** `x-ratelimit-limit-*` and `x-ratelimit-remaining-*` for a request or token limit. */
export function limitHeaders(check: LimitCheck, remaining: number): Record<string, string> {
  const unit = unitOf(check);
  return unit === undefined ? {} : rateLimitHeaders(unit, check.limit, remaining);
}

/** The same headers set on a reply as it is admitted, without an object for them. */
export function setLimitHeaders(reply: FastifyReply, check: LimitCheck, remaining: number): void {
  const unit = unitOf(check);
  if (unit === undefined) return;
  const [limitName, remainingName] = headerNames[unit];
  reply.header(limitName, String(check.limit));
  reply.header(remainingName, remainingText(remaining));
}

/** LiteLLM's header names for one key limit, counted in Redis or in this process. */
export function rateLimitHeaders(
  unit: 'requests' | 'tokens',
  limit: number,
  remaining: number,
): Record<string, string> {
  const [limitName, remainingName] = headerNames[unit];
  return { [limitName]: String(limit), [remainingName]: remainingText(remaining) };
}
