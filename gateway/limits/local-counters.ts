import type { AdmitResult, LimitCheck } from './limit-check.ts';

interface Counter {
  window: number;
  current: number;
  previous: number;
}

/**
 * The fallback while Redis is away: the same sliding-window counters as the Lua script, in this process, each
 * limit divided by the number of live pods last seen (so the pods together stay near the limit).
 */
export class LocalCounters {
  readonly #counters = new Map<string, Counter>();
  readonly #inFlight = new Map<string, number>();
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(windowMs: number, now: () => number = Date.now) {
    this.#windowMs = windowMs;
    this.#now = now;
  }

  admit(checks: readonly LimitCheck[], pods: number): AdmitResult {
    const now = this.#now();
    const window = Math.floor(now / this.#windowMs);
    const elapsed = now - window * this.#windowMs;
    const usage: number[] = [];
    for (const [index, check] of checks.entries()) {
      const limit = check.limit === 0 ? 0 : Math.max(1, Math.floor(check.limit / Math.max(1, pods)));
      if (check.kind === 's') {
        usage.push(-1); // unknown without Redis: the policy's own spend is all there is
        continue;
      }
      if (check.kind === 'p') {
        const held = this.#inFlight.get(check.key) ?? 0;
        if (limit > 0 && held >= limit) return { ok: false, failed: index, retryMs: 1000, usage: held };
        usage.push(held + 1);
        continue;
      }
      const counter = this.#counter(check.key, window);
      const estimate = counter.previous * (1 - elapsed / this.#windowMs) + counter.current;
      if (limit > 0 && estimate + check.amount > limit) {
        const retryMs = waitMs(counter, elapsed, this.#windowMs, limit, check.amount);
        return { ok: false, failed: index, retryMs, usage: Math.floor(estimate) };
      }
      usage.push(Math.floor(estimate + check.amount));
    }
    for (const check of checks) {
      if (check.kind === 's') continue;
      if (check.kind === 'p') this.#inFlight.set(check.key, (this.#inFlight.get(check.key) ?? 0) + 1);
      else this.#counter(check.key, window).current += check.amount;
    }
    return { ok: true, where: 'local', window, usage, lease: '' };
  }

  /** Corrects a token reservation made in `window` (dropped once that window is past). */
  adjust(key: string, window: number, delta: number): void {
    const counter = this.#counters.get(key);
    if (counter === undefined) return;
    if (counter.window === window) counter.current = Math.max(0, counter.current + delta);
    else if (counter.window === window + 1) counter.previous = Math.max(0, counter.previous + delta);
  }

  release(key: string): void {
    const held = (this.#inFlight.get(key) ?? 0) - 1;
    if (held <= 0) this.#inFlight.delete(key);
    else this.#inFlight.set(key, held);
  }

  /** Forgets counters of keys idle for two windows (called by housekeeping, so the map stays bounded). */
  sweep(): void {
    const window = Math.floor(this.#now() / this.#windowMs);
    for (const [key, counter] of this.#counters) if (counter.window < window - 1) this.#counters.delete(key);
  }

  #counter(key: string, window: number): Counter {
    let counter = this.#counters.get(key);
    if (counter === undefined) {
      counter = { window, current: 0, previous: 0 };
      this.#counters.set(key, counter);
    } else if (counter.window !== window) {
      counter.previous = counter.window === window - 1 ? counter.current : 0;
      counter.current = 0;
      counter.window = window;
    }
    return counter;
  }
}

/** Same arithmetic as `wait_ms` in scripts.ts. */
function waitMs(counter: Counter, elapsed: number, windowMs: number, limit: number, amount: number): number {
  const { current, previous } = counter;
  if (amount > limit) return windowMs;
  if (current + amount <= limit) {
    if (previous <= 0) return 1;
    const fraction = 1 - (limit - amount - current) / previous;
    return Math.max(1, Math.ceil(fraction * windowMs - elapsed));
  }
  const fraction = current > 0 ? Math.max(0, 1 - (limit - amount) / current) : 0;
  return Math.max(1, Math.ceil(windowMs - elapsed + fraction * windowMs));
}
