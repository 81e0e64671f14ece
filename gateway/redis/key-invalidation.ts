import { randomUUID } from 'node:crypto';
import type { KeyCacheInvalidation } from '../auth/key-cache.ts';
import type { SharedRedis } from './shared-redis.ts';

const channel = 'switchyard:key-invalidation';

/**
 * Key changes (update, block, delete, regenerate) reach every pod's key cache over pub/sub, in well under a
 * second. A message lost while Redis is away is covered by the key cache's TTL. Only hashes travel.
 */
export class SharedKeyInvalidation implements KeyCacheInvalidation {
  readonly #redis: SharedRedis;
  readonly #podId = randomUUID();

  constructor(redis: SharedRedis) {
    this.#redis = redis;
  }

  publish(hashes: readonly string[]): void {
    if (hashes.length === 0) return;
    this.#redis.publish(channel, JSON.stringify({ from: this.#podId, hashes }));
  }

  subscribe(listener: (hashes: readonly string[]) => void): void {
    this.#redis.subscribe(channel, (message) => {
      const parsed = parse(message);
      if (parsed !== undefined && parsed.from !== this.#podId) listener(parsed.hashes);
    });
  }
}

function parse(message: string): { from: string; hashes: string[] } | undefined {
  try {
    const value = JSON.parse(message) as { from?: unknown; hashes?: unknown };
    if (typeof value.from !== 'string' || !Array.isArray(value.hashes)) return undefined;
    return {
      from: value.from,
      hashes: value.hashes.filter((hash): hash is string => typeof hash === 'string'),
    };
  } catch {
    return undefined;
  }
}
