import type { FailureClass } from '../upstream/errors.ts';

const windowMs = 60_000;

/** Failures that say something about the deployment, not about the request. */
const countedFailures: ReadonlySet<FailureClass> = new Set([
  'timeout',
  'rate_limit',
  'internal',
  'auth',
  'not_found',
]);

export interface CooldownSettings {
  /** Failures tolerated within a minute; the next one cools the deployment down (LiteLLM's rule). */
  readonly allowedFails: number;
  readonly cooldownMs: number;
  readonly disabled: boolean;
}

/** Which deployments are cooling down after failing too often. Per process here; Redis shares it later. */
export class Cooldowns {
  readonly #failures = new Map<string, number[]>();
  readonly #until = new Map<string, number>();
  readonly #settings: CooldownSettings;
  readonly #now: () => number;

  constructor(settings: CooldownSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  /** Returns true when this failure started a cooldown. */
  recordFailure(deploymentId: string, failure: FailureClass): boolean {
    if (this.#settings.disabled || !countedFailures.has(failure)) return false;
    const now = this.#now();
    const recent = (this.#failures.get(deploymentId) ?? []).filter((at) => now - at < windowMs);
    recent.push(now);
    this.#failures.set(deploymentId, recent);
    if (recent.length <= this.#settings.allowedFails) return false;
    this.#until.set(deploymentId, now + this.#settings.cooldownMs);
    this.#failures.delete(deploymentId);
    return true;
  }

  isCoolingDown(deploymentId: string): boolean {
    const until = this.#until.get(deploymentId);
    if (until === undefined) return false;
    if (this.#now() < until) return true;
    this.#until.delete(deploymentId);
    return false;
  }

  /** Milliseconds until the first of these deployments is usable again. */
  msUntilAvailable(deploymentIds: readonly string[]): number {
    const now = this.#now();
    const waits = deploymentIds.map((id) => Math.max(0, (this.#until.get(id) ?? now) - now));
    return Math.min(...waits);
  }
}
