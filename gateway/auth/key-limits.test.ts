import { describe, expect, it } from 'vitest';
import { GatewayError } from '../errors.ts';
import { LocalKeyRateLimiter } from './key-limits.ts';

const none = { rpmLimit: null, tpmLimit: null, maxParallelRequests: null };
const codeOf = (work: () => unknown) => {
  try {
    work();
  } catch (error) {
    return error instanceof GatewayError ? error.code : 'other';
  }
  return 'admitted';
};

describe('per-key limits in one process', () => {
  it('counts requests a minute and starts again the next minute', () => {
    const limiter = new LocalKeyRateLimiter();
    const limits = { ...none, rpmLimit: 2 };
    limiter.acquire('k', limits, 0).release(0);
    limiter.acquire('k', limits, 1).release(0);
    expect(codeOf(() => limiter.acquire('k', limits, 2))).toBe('rpm_limit_exceeded');
    expect(codeOf(() => limiter.acquire('other', limits, 2))).toBe('admitted');
    expect(codeOf(() => limiter.acquire('k', limits, 60_000))).toBe('admitted');
  });

  it('counts tokens once used, and requests in flight until released', () => {
    const limiter = new LocalKeyRateLimiter();
    limiter.acquire('t', { ...none, tpmLimit: 100 }, 0).release(100);
    expect(codeOf(() => limiter.acquire('t', { ...none, tpmLimit: 100 }, 1))).toBe('tpm_limit_exceeded');
    const held = limiter.acquire('p', { ...none, maxParallelRequests: 1 }, 0);
    expect(codeOf(() => limiter.acquire('p', { ...none, maxParallelRequests: 1 }, 1))).toBe(
      'parallel_limit_exceeded',
    );
    held.release(0);
    held.release(0); // twice is once
    expect(codeOf(() => limiter.acquire('p', { ...none, maxParallelRequests: 1 }, 2))).toBe('admitted');
  });

  it('gives the x-ratelimit headers the shared limits give: on admission, and on a refusal', () => {
    const limiter = new LocalKeyRateLimiter();
    const limits = { ...none, rpmLimit: 2, tpmLimit: 1000 };
    limiter.acquire('h', limits, 0).release(300);
    expect(limiter.acquire('h', limits, 1).headers).toEqual({
      'x-ratelimit-limit-requests': '2',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-limit-tokens': '1000',
      'x-ratelimit-remaining-tokens': '700',
    });
    expect(limiter.acquire('h', { ...none, maxParallelRequests: 5 }, 2).headers).toBeUndefined();
    try {
      limiter.acquire('h', limits, 2);
      expect.unreachable('the third request of the minute is refused');
    } catch (error) {
      expect((error as GatewayError).headers).toMatchObject({
        'retry-after': '60',
        'x-ratelimit-remaining-requests': '0',
      });
    }
  });
});
