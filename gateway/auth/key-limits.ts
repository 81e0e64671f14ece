import { GatewayError } from '../errors.ts';
import { rateLimitHeaders } from '../limits/refusal.ts';

export interface KeyLimits {
  readonly rpmLimit: number | null;
  readonly tpmLimit: number | null;
  readonly maxParallelRequests: number | null;
}

/** A request admitted against its key's limits; release it when the request ends, with the tokens it used. */
export interface KeyLease {
  release(tokens: number): void;
  /** `x-ratelimit-*` for the response, when the key has rpm or tpm limits counted here. */
  readonly headers?: Record<string, string>;
}

/**
 * Per-key rpm, tpm and parallel-request limits. This one counts in this process; the Redis issue provides one
 * shared by every pod behind the same interface.
 */
export interface KeyRateLimiter {
  /** Admits one request or throws the refusal that names the limit. */
  acquire(hash: string, limits: KeyLimits, now: number): KeyLease;
}

interface Window {
  minute: number;
  requests: number;
  tokens: number;
  inFlight: number;
}

const noLease: KeyLease = { release: () => undefined };

/** Fixed one-minute windows, as LiteLLM counts rpm/tpm. */
export class LocalKeyRateLimiter implements KeyRateLimiter {
  readonly #windows = new Map<string, Window>();

  acquire(hash: string, limits: KeyLimits, now: number): KeyLease {
    const { rpmLimit, tpmLimit, maxParallelRequests } = limits;
    if (rpmLimit === null && tpmLimit === null && maxParallelRequests === null) return noLease;
    const minute = Math.floor(now / 60_000);
    let window = this.#windows.get(hash);
    if (window === undefined) {
      window = { minute, requests: 0, tokens: 0, inFlight: 0 };
      this.#windows.set(hash, window);
    } else if (window.minute !== minute) {
      window.minute = minute;
      window.requests = 0;
      window.tokens = 0;
    }
    const retryAfter = String(Math.max(1, Math.ceil(((minute + 1) * 60_000 - now) / 1000)));
    if (maxParallelRequests !== null && window.inFlight >= maxParallelRequests) {
      throw new GatewayError(
        'parallel_limit_exceeded',
        `key is at its max_parallel_requests limit (${maxParallelRequests}); retry when a request finishes`,
        { headers: { 'retry-after': '1' } },
      );
    }
    if (rpmLimit !== null && window.requests >= rpmLimit) {
      throw new GatewayError(
        'rpm_limit_exceeded',
        `key is over its rpm_limit (${rpmLimit} requests a minute)`,
        {
          headers: { 'retry-after': retryAfter, ...rateLimitHeaders('requests', rpmLimit, 0) },
        },
      );
    }
    if (tpmLimit !== null && window.tokens >= tpmLimit) {
      throw new GatewayError(
        'tpm_limit_exceeded',
        `key is over its tpm_limit (${tpmLimit} tokens a minute)`,
        {
          headers: { 'retry-after': retryAfter, ...rateLimitHeaders('tokens', tpmLimit, 0) },
        },
      );
    }
    window.requests++;
    window.inFlight++;
    const held = window;
    let released = false;
    return {
      release(tokens) {
        if (released) return;
        released = true;
        held.inFlight--;
        if (held.minute === minute) held.tokens += tokens;
      },
      // The same headers as the limits shared through Redis give, so a response looks alike either way.
      ...(rpmLimit === null && tpmLimit === null
        ? {}
        : {
            headers: {
              ...(rpmLimit === null
                ? {}
                : rateLimitHeaders('requests', rpmLimit, rpmLimit - window.requests)),
              ...(tpmLimit === null ? {} : rateLimitHeaders('tokens', tpmLimit, tpmLimit - window.tokens)),
            },
          }),
    };
  }
}
