import type { DeploymentHealth } from './deployment-checks.ts';

export interface BackgroundHealthSettings {
  /** `general_settings.background_health_checks`, read each round (a reload can turn it on or off). */
  readonly enabled: () => boolean;
  /** `general_settings.health_check_interval` in seconds (LiteLLM's default: 300). */
  readonly intervalSeconds: () => number;
  readonly check: () => Promise<DeploymentHealth>;
}

export interface CheckedHealth extends DeploymentHealth {
  /** When the round these results come from started. */
  readonly checked_at: string;
}

/** How often a disabled checker looks whether a reload turned it on. */
const idleLookMs = 10_000;

/**
 * LiteLLM's background health checks: every deployment checked once at start and then every interval, so
 * `GET /health` answers from the last round instead of spending tokens on each call. One round at a time;
 * each pod checks on its own.
 */
export class BackgroundHealthChecks {
  readonly #settings: BackgroundHealthSettings;
  #latest: CheckedHealth | undefined;
  #round: Promise<CheckedHealth> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(settings: BackgroundHealthSettings) {
    this.#settings = settings;
  }

  get enabled(): boolean {
    return this.#settings.enabled();
  }

  start(): void {
    this.#schedule(0);
  }

  /** The last round's results; while the first round runs, its results when it ends. */
  async latest(): Promise<CheckedHealth> {
    return this.#latest ?? this.#round ?? this.#runRound();
  }

  /** The last completed round, for metrics (undefined before the first ends). */
  last(): CheckedHealth | undefined {
    return this.#latest;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
  }

  #schedule(delayMs: number): void {
    if (this.#closed) return;
    this.#timer = setTimeout(() => {
      if (!this.#settings.enabled()) {
        this.#schedule(idleLookMs);
        return;
      }
      const next = () => {
        this.#schedule(this.#settings.intervalSeconds() * 1000);
      };
      (this.#round ?? this.#runRound()).then(next, next);
    }, delayMs).unref();
  }

  #runRound(): Promise<CheckedHealth> {
    const checkedAt = new Date().toISOString();
    const round = this.#settings.check().then((health) => {
      const result = { ...health, checked_at: checkedAt };
      this.#latest = result;
      return result;
    });
    this.#round = round;
    const done = () => {
      if (this.#round === round) this.#round = undefined;
    };
    round.then(done, done);
    return round;
  }
}
