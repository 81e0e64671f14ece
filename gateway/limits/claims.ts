import type { AdmitResult, LimitCheck } from './limit-check.ts';

/** How long a grant holds: what is left of it goes back after this (noticed by the next admission or sweep). */
const claimTtlMs = 1000;
/** After a claim's request failed (it may have been granted all the same), no new claims for this long. */
const pauseAfterFailureMs = 1000;
/** A claim is sized to this much of the key's traffic at this pod, and topped up when less than … */
const horizonMs = 50;
/** … this much is left, so that the next claim arrives (one settlement away) before this one runs out. */
const lowWaterMs = 20;

/** A part of one counter's limit, taken in Redis by this pod, that it admits from without a round trip. */
interface Claim {
  /** The Redis window it was counted in: admissions from it count there. */
  window: number;
  left: number;
  expiresAt: number;
  /** The counter's shared estimate at the last grant, our claims included. */
  estimate: number;
  /** What this pod admitted for the counter since `measuredSince`: its rate sizes the next claim. */
  used: number;
  measuredSince: number;
  asking: boolean;
}

export interface ClaimRequests {
  /** Ask Redis for up to `want` more of the counter (granted only while far below `limit`). */
  ask(key: string, want: number, limit: number): void;
  /** Give back an unused part counted in `window`. */
  giveBack(key: string, window: number, amount: number): void;
}

/**
 * Admission from claims: while a key is far below its rate limits, each pod takes a small part of the headroom
 * in Redis (about 50 ms of its own traffic, never more than a share of what is left) and admits from it in
 * process, so the request path has no Redis round trip. The claims are counted in Redis when they are taken,
 * so the pods together never pass the limit; near it, grants fall to nothing and requests go back to the
 * exact admission script. The cost is the other side: a pod that stops (or dies) holding a claim keeps that
 * part unused until it goes back (1 s) or its window slides out.
 */
export class Claims {
  readonly #claims = new Map<string, Claim>();
  readonly #requests: ClaimRequests;
  readonly #now: () => number;
  #admissions = 0;
  #closed = false;
  /** No new claim before this (see pauseAfterFailureMs). */
  #pausedUntil = 0;

  constructor(requests: ClaimRequests, now: () => number = Date.now) {
    this.#requests = requests;
    this.#now = now;
  }

  /** Requests admitted from claims (for tests and metrics). */
  get admissions(): number {
    return this.#admissions;
  }

  /** Admits from claims when every check has one with room in the same window; undefined: ask Redis. */
  admit(checks: readonly LimitCheck[]): AdmitResult | undefined {
    if (this.#closed || !claimable(checks)) return undefined;
    const now = this.#now();
    let window: number | undefined;
    const held: [LimitCheck, Claim][] = [];
    for (const check of checks) {
      const claim = this.#claims.get(check.key);
      // Every check's claim must be of one window: the request's tokens are reserved in one.
      if (claim === undefined || (window !== undefined && claim.window !== window)) return undefined;
      if (now >= claim.expiresAt || claim.left < check.amount) {
        // Expired or spent, with no grant on its way: what is left goes back, for other pods to use.
        if (!claim.asking) this.#expire(check.key, claim);
        return undefined;
      }
      window = claim.window;
      held.push([check, claim]);
    }
    const usage: number[] = [];
    for (const [check, claim] of held) {
      claim.left -= check.amount;
      claim.used += check.amount;
      usage.push(Math.max(0, Math.floor(claim.estimate - claim.left)));
      const rate = this.#rate(claim, now);
      if (claim.left < rate * lowWaterMs) this.#ask(check, claim, rate, now);
    }
    this.#admissions++;
    return { ok: true, where: 'redis', window: window ?? 0, usage, lease: '' };
  }

  /** After an admission through Redis: start claiming for counters that may serve the next ones. */
  admittedThroughRedis(checks: readonly LimitCheck[]): void {
    if (this.#closed || !claimable(checks)) return;
    const now = this.#now();
    for (const check of checks) {
      let claim = this.#claims.get(check.key);
      if (claim === undefined) {
        claim = {
          window: -1,
          left: 0,
          expiresAt: 0,
          estimate: 0,
          used: 0,
          measuredSince: now,
          asking: false,
        };
        this.#claims.set(check.key, claim);
      }
      claim.used += check.amount;
      this.#ask(check, claim, this.#rate(claim, now), now);
    }
  }

  /**
   * Redis's answer to a request sent at `sentAt`: `granted` counted in `window`, which ended `windowLeftMs` after
   * the script ran (so after `sentAt`: the claim expires no later than its window).
   */
  granted(
    key: string,
    granted: number,
    window: number,
    estimate: number,
    windowLeftMs: number,
    sentAt: number,
  ): void {
    const claim = this.#claims.get(key);
    if (claim === undefined || this.#closed) {
      if (granted > 0) this.#requests.giveBack(key, window, granted);
      return;
    }
    claim.asking = false;
    if (claim.window !== window) {
      if (claim.left > 0) this.#requests.giveBack(key, claim.window, claim.left);
      claim.left = 0;
      claim.window = window;
    }
    claim.left += granted;
    claim.estimate = estimate;
    claim.expiresAt = sentAt + Math.min(claimTtlMs, windowLeftMs);
  }

  /**
   * A request for a claim failed. A timeout may have been granted all the same, and that grant stays counted
   * until its window slides out, so no new claim is taken for a while: at most one such loss a second per key.
   */
  lost(key: string): void {
    this.#pausedUntil = this.#now() + pauseAfterFailureMs;
    const claim = this.#claims.get(key);
    if (claim !== undefined) claim.asking = false;
  }

  /** Gives back what expired claims hold and forgets them (called by housekeeping). */
  sweep(): void {
    const now = this.#now();
    for (const [key, claim] of this.#claims)
      if (now >= claim.expiresAt && !claim.asking) this.#expire(key, claim);
  }

  /** Gives back every claim and takes no more (the pod is stopping). */
  close(): void {
    this.#closed = true;
    for (const [key, claim] of this.#claims) this.#expire(key, claim);
  }

  #expire(key: string, claim: Claim): void {
    if (claim.left > 0) this.#requests.giveBack(key, claim.window, claim.left);
    this.#claims.delete(key);
  }

  #ask(check: LimitCheck, claim: Claim, rate: number, now: number): void {
    if (claim.asking || now < this.#pausedUntil) return;
    claim.asking = true;
    this.#requests.ask(check.key, Math.max(4 * check.amount, Math.ceil(rate * horizonMs)), check.limit);
  }

  /**
   * What this pod admits for the counter a millisecond. Measured over at least `horizonMs` (so a first
   * request does not read as a flood) and at most a second, carried on at the same rate past that.
   */
  #rate(claim: Claim, now: number): number {
    const elapsed = now - claim.measuredSince;
    if (elapsed > claimTtlMs) {
      claim.used = (claim.used / elapsed) * (claimTtlMs / 2);
      claim.measuredSince = now - claimTtlMs / 2;
    }
    return claim.used / Math.max(horizonMs, now - claim.measuredSince);
  }
}

/**
 * A key's rate windows only: parallel slots, budgets and the deployments' counters stay with the script (usage-
 * based routing reads the deployments' estimates, which unused claims would inflate).
 */
function claimable(checks: readonly LimitCheck[]): boolean {
  return checks.every(
    (check) => (check.kind === 'r' || check.kind === 't') && check.limit > 0 && check.scope === 'key',
  );
}
