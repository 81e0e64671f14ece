/** A cached answer: a JSON body as sent, or a stream's SSE frames to replay. */
export type CachedAnswer =
  | { readonly kind: 'json'; readonly raw: string; readonly deployment: string; readonly storedAt: number }
  | {
      readonly kind: 'stream';
      readonly frames: readonly string[];
      readonly deployment: string;
      readonly storedAt: number;
    };

/** Where answers are kept: Redis (shared by the pods) or this process's memory. */
export interface CacheStore {
  /** Undefined on a miss, and when the store cannot answer now (the request goes on uncached). */
  get(key: string): Promise<CachedAnswer | undefined> | CachedAnswer | undefined;
  set(key: string, answer: CachedAnswer, ttlMs: number): void;
  /** Whether a lookup would reach the store (false while Redis is away: the cache is bypassed). */
  readonly available: boolean;
}
