/** Why the pod stops taking traffic: a signal, or the restart-after-N-requests rule. */
export type DrainReason = 'SIGTERM' | 'SIGINT' | 'max_requests_before_restart';

export type Phase = 'starting' | 'serving' | 'draining';

const shedRunGapMs = 1000;

/**
 * The state of this pod that readiness, admission and the drain sequence share: whether a config is loaded,
 * whether it drains, how many requests are in flight and whether it has been shedding load without pause.
 * Plain fields and counters: admission reads and writes them on every request.
 */
export class Lifecycle {
  inFlight = 0;
  /** API requests admitted since start, for the restart-after-N rule. */
  admitted = 0;
  #phase: Phase = 'serving';
  #startingReason: string | undefined;
  #drainReason: DrainReason | undefined;
  #shedRunStart = 0;
  #lastShed = -Infinity;
  readonly #drainListeners: ((reason: DrainReason) => void)[] = [];
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  get phase(): Phase {
    return this.#phase;
  }

  get startingReason(): string | undefined {
    return this.#startingReason;
  }

  get drainReason(): DrainReason | undefined {
    return this.#drainReason;
  }

  /** No valid config yet (e.g. an invalid file at start): unready until one loads. */
  waitForConfig(reason: string): void {
    if (this.#phase === 'draining') return;
    this.#phase = 'starting';
    this.#startingReason = reason;
  }

  configLoaded(): void {
    if (this.#phase !== 'starting') return;
    this.#phase = 'serving';
    this.#startingReason = undefined;
  }

  /** Readiness turns 503 at once; whoever listens (the server) runs the drain sequence. Idempotent. */
  drain(reason: DrainReason): void {
    if (this.#phase === 'draining') return;
    this.#phase = 'draining';
    this.#drainReason = reason;
    for (const listener of this.#drainListeners) listener(reason);
  }

  onDrain(listener: (reason: DrainReason) => void): void {
    this.#drainListeners.push(listener);
  }

  recordShed(): void {
    const now = this.#now();
    if (now - this.#lastShed > shedRunGapMs) this.#shedRunStart = now;
    this.#lastShed = now;
  }

  /** How long the pod has shed requests with no pause longer than a second, or 0. */
  sheddingForMs(): number {
    const now = this.#now();
    return now - this.#lastShed > shedRunGapMs ? 0 : now - this.#shedRunStart;
  }
}
