import type { KeyStore } from './key-store.ts';
import { VirtualKeyPolicy } from './virtual-key-policy.ts';

/**
 * How key changes reach other pods. This pod's cache is invalidated at once on every change; the Redis issue
 * provides an implementation that publishes the hashes and calls the listener for other pods' changes.
 */
export interface KeyCacheInvalidation {
  publish(hashes: readonly string[]): void;
  subscribe(listener: (hashes: readonly string[]) => void): void;
}

export const localInvalidation: KeyCacheInvalidation = {
  publish: () => undefined,
  subscribe: () => undefined,
};

export interface KeyCacheOptions {
  /** How long a read key is trusted (default 10 s). */
  readonly ttlMs?: number;
  /** How long "no such key" is remembered, so a flood of bad keys does not reach the database (default 2 s). */
  readonly negativeTtlMs?: number;
  /** How long past its TTL a key is still served while the database cannot be read (default 1 h). */
  readonly maxStaleMs?: number;
  readonly maxEntries?: number;
  /** Spend this pod recorded for a key and has not written yet (the spend buffer's). */
  readonly unflushedSpend: (hash: string) => number;
  readonly invalidation?: KeyCacheInvalidation;
}

interface Entry {
  readonly policy: VirtualKeyPolicy | null;
  readonly expiresAt: number;
}

/** Key policies by hash, in memory: in steady state a request reads no database. */
export class KeyCache {
  readonly #store: KeyStore;
  readonly #entries = new Map<string, Entry>();
  readonly #loading = new Map<string, Promise<VirtualKeyPolicy | null>>();
  readonly #ttlMs: number;
  readonly #negativeTtlMs: number;
  readonly #maxStaleMs: number;
  readonly #maxEntries: number;
  readonly #unflushedSpend: (hash: string) => number;
  readonly #invalidation: KeyCacheInvalidation;
  #epoch = 0;

  constructor(store: KeyStore, options: KeyCacheOptions) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? 10_000;
    this.#negativeTtlMs = options.negativeTtlMs ?? 2_000;
    this.#maxStaleMs = options.maxStaleMs ?? 3_600_000;
    this.#maxEntries = options.maxEntries ?? 100_000;
    this.#unflushedSpend = options.unflushedSpend;
    this.#invalidation = options.invalidation ?? localInvalidation;
    this.#invalidation.subscribe((hashes) => {
      this.#drop(hashes);
    });
  }

  /**
   * Budget left per key alias, for the keys this pod has cached with a budget and an alias: what its metric
   * shows (a key unused on this pod for longer than the TTL is not there; another pod that serves it shows it).
   */
  *budgets(now: number): Generator<{ keyAlias: string; remainingUsd: number }> {
    const at = new Date(now);
    for (const { policy, expiresAt } of this.#entries.values()) {
      if (policy === null || now >= expiresAt) continue;
      const { alias, maxBudget } = policy.key;
      if (alias === null || maxBudget === null) continue;
      yield { keyAlias: alias, remainingUsd: Math.max(0, maxBudget - policy.spend(at)) };
    }
  }

  /** The cached policy (null: known not to exist), or undefined when it must be read. */
  peek(hash: string, now: number): VirtualKeyPolicy | null | undefined {
    const entry = this.#entries.get(hash);
    if (entry === undefined || now >= entry.expiresAt) return undefined;
    return entry.policy;
  }

  /**
   * The last policy read for a key whose TTL has passed, while the database cannot be read again: a database
   * outage does not log out every key this pod has served. A key that did not exist is not served stale.
   */
  stale(hash: string, now: number): VirtualKeyPolicy | undefined {
    const entry = this.#entries.get(hash);
    if (entry?.policy == null || now >= entry.expiresAt + this.#maxStaleMs) return undefined;
    return entry.policy;
  }

  /** Reads the key (one read per hash at a time, however many requests wait for it). */
  load(hash: string, now: number): Promise<VirtualKeyPolicy | null> {
    const pending = this.#loading.get(hash);
    if (pending !== undefined) return pending;
    const epoch = this.#epoch;
    const loading = this.#store
      .find(hash, new Date(now))
      .then((key) => {
        const policy =
          key === undefined
            ? null
            : new VirtualKeyPolicy(key, { loadedAt: now, unflushed: this.#unflushedSpend(key.hash) });
        // A change made while the read was in flight wins over what the read saw.
        if (epoch === this.#epoch) this.#put(hash, policy, now);
        return policy;
      })
      .finally(() => this.#loading.delete(hash));
    this.#loading.set(hash, loading);
    return loading;
  }

  /** A key changed here: forget it on this pod now, and tell the others. */
  invalidate(hashes: readonly string[]): void {
    this.#drop(hashes);
    this.#invalidation.publish(hashes);
  }

  /** Also drops entries reached through a regenerated key's previous hash (key changes are rare: a scan is fine). */
  #drop(hashes: readonly string[]): void {
    this.#epoch++;
    const changed = new Set(hashes);
    for (const [hash, entry] of this.#entries) {
      if (changed.has(hash) || (entry.policy !== null && changed.has(entry.policy.key.hash)))
        this.#entries.delete(hash);
    }
  }

  #put(hash: string, policy: VirtualKeyPolicy | null, now: number): void {
    this.#entries.delete(hash); // re-inserted last: the oldest-read entry goes first when full
    if (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) this.#entries.delete(oldest.value);
    }
    this.#entries.set(hash, {
      policy,
      expiresAt: now + (policy === null ? this.#negativeTtlMs : this.#ttlMs),
    });
  }
}
