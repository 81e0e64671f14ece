/**
 * A token bucket: `burst` tokens at most, refilled at `perSecond`. It bounds how fast the operator
 * reconciles (and so writes) overall, whatever the number of objects: the queue's default of 200/s with a
 * burst of 1000 is above what 200 gateways with 2000 models and 2000 keys need while converging
 * (e2e/scale: ~7000 reconciles, ~100/s), and a handful of changes go through at once.
 */
export interface TokenBucketOptions {
  readonly perSecond: number;
  readonly burst: number;
}

export class TokenBucket {
  private readonly perMs: number;
  private readonly burst: number;
  private tokens: number;
  private updatedAt: number;

  constructor({ perSecond, burst }: TokenBucketOptions, now: number) {
    if (!(perSecond > 0) || !(burst >= 1)) throw new Error('token bucket needs perSecond > 0 and burst >= 1');
    this.perMs = perSecond / 1000;
    this.burst = burst;
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes a token and returns 0, or takes nothing and returns how many ms until one is available. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.tokens) / this.perMs));
  }

  available(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.perMs);
    this.updatedAt = now;
  }
}
