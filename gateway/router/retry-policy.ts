import type { LitellmSettings, RouterSettings } from '../config/schema.ts';
import type { FailureClass } from '../upstream/errors.ts';
import type { Random } from './random.ts';

export type RetryBudget = Readonly<Record<FailureClass, number>>;

/** Retries per failure class: `retry_policy` where it says, else `num_retries` for transient failures. */
export function retryBudget(router: RouterSettings, litellm: LitellmSettings): RetryBudget {
  const retries = router.num_retries ?? litellm.num_retries ?? 2;
  const policy = router.retry_policy ?? {};
  return {
    timeout: policy.TimeoutErrorRetries ?? retries,
    rate_limit: policy.RateLimitErrorRetries ?? retries,
    internal: policy.InternalServerErrorRetries ?? retries,
    auth: policy.AuthenticationErrorRetries ?? 0,
    bad_request: policy.BadRequestErrorRetries ?? 0,
    content_policy: policy.ContentPolicyViolationErrorRetries ?? 0,
    // These go to their own fallback lists instead of being retried.
    context_window: 0,
    not_found: 0,
  };
}

export interface BackoffSettings {
  /** First pause, doubled on every retry up to `maxMs`. */
  readonly initialMs: number;
  readonly maxMs: number;
  /** `router_settings.retry_after`: never retry sooner than this. */
  readonly minimumMs: number;
  /** Longest `Retry-After` honoured; a longer one fails over instead of holding the request. */
  readonly retryAfterCapMs: number;
}

export const defaultBackoff: BackoffSettings = {
  initialMs: 500,
  maxMs: 8_000,
  minimumMs: 0,
  retryAfterCapMs: 60_000,
};

/**
 * How long to wait before retry number `attempt` (1-based). Another healthy deployment can take the retry
 * at once; otherwise honour the upstream's `Retry-After`, else back off exponentially with jitter.
 */
export function backoffMs(
  settings: BackoffSettings,
  attempt: number,
  retryAfterMs: number | undefined,
  anotherDeploymentReady: boolean,
  random: Random,
): number {
  if (anotherDeploymentReady) return settings.minimumMs;
  if (retryAfterMs !== undefined)
    return Math.max(settings.minimumMs, Math.min(retryAfterMs, settings.retryAfterCapMs));
  const exponential = Math.min(settings.initialMs * 2 ** (attempt - 1), settings.maxMs);
  return Math.max(settings.minimumMs, exponential * (0.75 + random() * 0.25));
}
