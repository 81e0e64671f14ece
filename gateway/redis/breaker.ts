/** `closed`: calls go to Redis. `open`: they fail at once (callers use their local fallback) until a probe answers. */
export type BreakerState = 'closed' | 'open';

export interface BreakerSettings {
  /** Consecutive failures (errors or timeouts) that open the breaker. */
  readonly failureThreshold: number;
}

/**
 * A consecutive-failure circuit breaker. It only counts and flips: the owner probes Redis off the request path
 * while it is open, so no request pays for finding out that Redis is still away.
 */
export class CircuitBreaker {
  readonly #threshold: number;
  readonly #onChange: (state: BreakerState, reason: string) => void;
  #state: BreakerState = 'closed';
  #failures = 0;

  constructor(settings: BreakerSettings, onChange: (state: BreakerState, reason: string) => void) {
    this.#threshold = settings.failureThreshold;
    this.#onChange = onChange;
  }

  get state(): BreakerState {
    return this.#state;
  }

  get closed(): boolean {
    return this.#state === 'closed';
  }

  success(): void {
    this.#failures = 0;
    if (this.#state === 'open') this.#flip('closed', 'answered again');
  }

  failure(reason: string): void {
    this.#failures++;
    if (this.#state === 'closed' && this.#failures >= this.#threshold) this.#flip('open', reason);
  }

  /** Opens at once (the connection is known to be gone: no need to wait for more failures). */
  trip(reason: string): void {
    this.#failures = this.#threshold;
    if (this.#state === 'closed') this.#flip('open', reason);
  }

  #flip(state: BreakerState, reason: string): void {
    this.#state = state;
    this.#onChange(state, reason);
  }
}
