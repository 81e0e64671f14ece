/** Per-key exponential backoff: base, 2×base, 4×base … capped at max; forgotten on success. */
export interface BackoffOptions {
  readonly baseMs: number;
  readonly maxMs: number;
}

export class KeyedBackoff<K> {
  private readonly failures = new Map<K, number>();
  private readonly options: BackoffOptions;

  constructor(options: BackoffOptions) {
    this.options = options;
  }

  /** Records a failure and returns the delay before the next attempt. */
  next(key: K): number {
    const failures = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, failures);
    return backoffDelay(failures, this.options);
  }

  forget(key: K): void {
    this.failures.delete(key);
  }

  /** Consecutive failures of `key` so far. */
  count(key: K): number {
    return this.failures.get(key) ?? 0;
  }
}

/** The delay after the `failures`-th consecutive failure (1-based). */
export function backoffDelay(failures: number, { baseMs, maxMs }: BackoffOptions): number {
  // Past 2^40 the product only overflows; the cap has long been reached.
  const exponent = Math.min(Math.max(failures - 1, 0), 40);
  return Math.min(baseMs * 2 ** exponent, maxMs);
}
