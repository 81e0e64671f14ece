import type { SharedRedis } from '../redis/shared-redis.ts';
import type { CachedAnswer, CacheStore } from './cache-store.ts';

/** Answers shared by every pod, as JSON strings with a TTL. Through the breaker: away, the cache is bypassed. */
export class RedisStore implements CacheStore {
  readonly #redis: SharedRedis;

  constructor(redis: SharedRedis) {
    this.#redis = redis;
  }

  get available(): boolean {
    return this.#redis.available;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    if (!this.#redis.available) return undefined;
    try {
      const text = await this.#redis.run((client) => client.get(key));
      return text === null ? undefined : (JSON.parse(text) as CachedAnswer);
    } catch {
      return undefined;
    }
  }

  set(key: string, answer: CachedAnswer, ttlMs: number): void {
    if (!this.#redis.available) return;
    const text = JSON.stringify(answer);
    this.#redis
      .run((client) => client.set(key, text, 'PX', Math.max(1, Math.round(ttlMs))))
      .catch(() => undefined);
  }
}
