import { addDuration, parseDuration } from './duration.ts';
import type { StoredKey } from './stored-key.ts';

/**
 * A key's policy as one pod holds it between reads: the stored key plus the spend this pod has added since,
 * rolled over when the budget period ends, so budget checks need no database round trip.
 */
export class VirtualKeyPolicy {
  readonly key: StoredKey;
  /** False when the database could not be asked and allow_requests_on_db_unavailable let the request in. */
  readonly verified: boolean;
  readonly loadedAt: number;
  #base: number;
  #added: number;
  #resetAt: Date | null;

  constructor(key: StoredKey, options: { loadedAt: number; unflushed: number; verified?: boolean }) {
    this.key = key;
    this.loadedAt = options.loadedAt;
    this.verified = options.verified ?? true;
    this.#base = key.spend;
    this.#added = options.unflushed;
    this.#resetAt = key.budgetResetAt;
  }

  /** Let through unchecked (database unavailable and allowed): no limits, every model. */
  static unverified(hash: string, now: number): VirtualKeyPolicy {
    const key: StoredKey = {
      hash,
      keyName: null,
      alias: null,
      source: { kind: 'api' },
      models: [],
      maxBudget: null,
      budgetDuration: null,
      budgetResetAt: null,
      spend: 0,
      rpmLimit: null,
      tpmLimit: null,
      maxParallelRequests: null,
      expires: null,
      metadata: {},
      blocked: false,
      createdAt: null,
    };
    return new VirtualKeyPolicy(key, { loadedAt: now, unflushed: 0, verified: false });
  }

  /** Spend in the current budget period. */
  spend(now: Date): number {
    this.#roll(now);
    return this.#base + this.#added;
  }

  budgetResetAt(now: Date): Date | null {
    this.#roll(now);
    return this.#resetAt;
  }

  record(cost: number, at: Date): void {
    this.#roll(at);
    // A file key's first period starts at its first use, as its database row does.
    if (this.#resetAt === null && this.key.budgetDuration !== null) {
      const duration = parseDuration(this.key.budgetDuration);
      if (duration !== undefined) this.#resetAt = addDuration(at, duration);
    }
    this.#added += cost;
  }

  #roll(now: Date): void {
    if (this.#resetAt === null || now < this.#resetAt || this.key.budgetDuration === null) return;
    const duration = parseDuration(this.key.budgetDuration);
    if (duration === undefined) return;
    let next = this.#resetAt;
    while (next <= now) next = addDuration(next, duration);
    this.#resetAt = next;
    this.#base = 0;
    this.#added = 0;
  }
}
