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

/**
 * How cooldowns reach other pods (gateway/router/shared-cooldowns.ts does it through Redis). Announcing is fire
 * and forget, and `until` is read from memory kept current in the background, so checking a deployment costs no
 * round trip.
 */
export interface CooldownSharing {
  announce(deploymentId: string, untilMs: number): void;
  /** When another pod's cooldown of this deployment ends (epoch ms), if one was announced. */
  until(deploymentId: string): number | undefined;
}

/** Which deployments are cooling down after failing too often: this pod's, and other pods' when shared. */
export class Cooldowns {
  readonly #failures = new Map<string, number[]>();
  readonly #until = new Map<string, number>();
  readonly #settings: CooldownSettings;
  readonly #now: () => number;
  readonly #sharing: CooldownSharing | undefined;

  constructor(settings: CooldownSettings, now: () => number = Date.now, sharing?: CooldownSharing) {
    this.#settings = settings;
    this.#now = now;
    this.#sharing = sharing;
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
    this.#sharing?.announce(deploymentId, now + this.#settings.cooldownMs);
    return true;
  }

  isCoolingDown(deploymentId: string): boolean {
    return this.#untilOf(deploymentId) !== undefined;
  }

  /** Milliseconds until the first of these deployments is usable again. */
  msUntilAvailable(deploymentIds: readonly string[]): number {
    const now = this.#now();
    const waits = deploymentIds.map((id) => Math.max(0, (this.#untilOf(id) ?? now) - now));
    return Math.min(...waits);
  }

  /** The later of this pod's and the shared cooldown's end, or undefined when neither is running. */
  #untilOf(deploymentId: string): number | undefined {
    const now = this.#now();
    let until = this.#until.get(deploymentId);
    if (until !== undefined && now >= until) {
      this.#until.delete(deploymentId);
      until = undefined;
    }
    if (this.#settings.disabled || this.#sharing === undefined) return until;
    const shared = this.#sharing.until(deploymentId);
    if (shared === undefined || now >= shared) return until;
    return until === undefined ? shared : Math.max(until, shared);
  }
}
