import { KeyedBackoff } from './backoff.ts';
import type { BackoffOptions } from './backoff.ts';
import { systemClock } from './clock.ts';
import type { Clock, TimerHandle } from './clock.ts';
import { TokenBucket } from './token-bucket.ts';
import type { TokenBucketOptions } from './token-bucket.ts';

/** What a reconcile may ask for besides success: to be looked at again later (e.g. a rollout in progress). */
export interface ProcessOutcome {
  readonly requeueAfterMs?: number;
}

/** Reconciles one key. A throw means "retry with backoff"; the signal aborts on a hard shutdown. */
export type ProcessKey<K> = (
  key: K,
  signal: AbortSignal,
  // A reconcile with nothing to ask for just returns: void belongs in this union.
  // eslint-disable-next-line @typescript-eslint/no-invalid-void-type
) => Promise<ProcessOutcome | undefined | void>;

/** Hooks for metrics and logs; each is optional and must not throw. */
export interface WorkQueueObserver<K> {
  /** Keys waiting to be processed now (not counting delayed ones or those in flight). */
  onDepth?(depth: number): void;
  onProcessed?(key: K, durationMs: number, error: unknown): void;
  onRetry?(key: K, failures: number, delayMs: number, error: unknown): void;
}

export interface WorkQueueOptions<K> {
  readonly process: ProcessKey<K>;
  /** Keys processed at the same time; one key is never processed twice at once. Default 8. */
  readonly concurrency?: number;
  /** Per-key retry delay after failures. Default 200 ms doubling to 5 min. */
  readonly backoff?: BackoffOptions;
  /** Global limit on how fast keys are taken, or false for none. Default 200/s, burst 1000. */
  readonly rateLimit?: TokenBucketOptions | false;
  readonly clock?: Clock;
  readonly observer?: WorkQueueObserver<K>;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 200, maxMs: 5 * 60_000 };
export const DEFAULT_RATE_LIMIT: TokenBucketOptions = { perSecond: 200, burst: 1000 };

interface Delayed {
  readonly at: number;
  readonly timer: TimerHandle;
}

/**
 * A de-duplicating work queue keyed by object, after client-go's: a key is queued at most once; a key
 * added while it is processed is processed again afterwards (never concurrently); failures retry with
 * per-key exponential backoff; a token bucket bounds the overall rate. Keys added before `start()`
 * wait, so a standby replica can keep its queue warm without acting.
 */
export class WorkQueue<K = string> {
  private readonly process: ProcessKey<K>;
  private readonly concurrency: number;
  private readonly backoff: KeyedBackoff<K>;
  private readonly bucket: TokenBucket | undefined;
  private readonly clock: Clock;
  private readonly observer: WorkQueueObserver<K>;
  // A Set keeps insertion order: FIFO with de-duplication for free. Urgent keys go first.
  private readonly ready = new Set<K>();
  private readonly urgent = new Set<K>();
  private readonly urgentAfterProcessing = new Set<K>();
  private readonly processing = new Map<K, Promise<void>>();
  private readonly readdAfterProcessing = new Set<K>();
  private readonly delayed = new Map<K, Delayed>();
  private readonly abort = new AbortController();
  private pumpTimer: TimerHandle | undefined;
  private idleWaiters: (() => void)[] = [];
  private started = false;
  private stopping = false;
  private retryCount = 0;

  constructor(options: WorkQueueOptions<K>) {
    this.process = options.process;
    this.concurrency = options.concurrency ?? 8;
    if (!(this.concurrency >= 1)) throw new Error('work queue concurrency must be at least 1');
    this.backoff = new KeyedBackoff(options.backoff ?? DEFAULT_BACKOFF);
    this.clock = options.clock ?? systemClock;
    const rateLimit = options.rateLimit ?? DEFAULT_RATE_LIMIT;
    this.bucket = rateLimit ? new TokenBucket(rateLimit, this.clock.now()) : undefined;
    this.observer = options.observer ?? {};
  }

  /**
   * Queues `key` to be processed as soon as a worker and a token are free. An urgent key goes ahead of
   * the others (and an urgent add moves a queued key ahead): for news that someone waits on, such as
   * another controller's progress, which must not wait behind a backlog of routine keys.
   */
  add(key: K, urgent = false): void {
    if (this.stopping) return;
    if (this.processing.has(key)) {
      this.readdAfterProcessing.add(key);
      if (urgent) this.urgentAfterProcessing.add(key);
      return;
    }
    if (this.urgent.has(key)) return;
    if (this.ready.has(key)) {
      if (!urgent) return;
      this.ready.delete(key);
    }
    (urgent ? this.urgent : this.ready).add(key);
    this.depthChanged();
    this.pump();
  }

  /** Queues `key` after `ms`; of several pending delays for one key the earliest wins. */
  addAfter(key: K, ms: number): void {
    if (this.stopping) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    if (pending) this.clock.clearTimeout(pending.timer);
    const timer = this.clock.setTimeout(() => {
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Starts taking keys. */
  start(): void {
    if (this.stopping) throw new Error('work queue was shut down');
    this.started = true;
    this.pump();
  }

  /**
   * Stops taking keys, drops the queued and delayed ones and resolves once the keys in flight are
   * done. With `abortInFlight` their signal aborts first (e.g. leadership was lost: stop writing now).
   */
  async shutdown({ abortInFlight = false }: { abortInFlight?: boolean } = {}): Promise<void> {
    this.stopping = true;
    if (this.pumpTimer !== undefined) this.clock.clearTimeout(this.pumpTimer);
    this.pumpTimer = undefined;
    for (const { timer } of this.delayed.values()) this.clock.clearTimeout(timer);
    this.delayed.clear();
    this.ready.clear();
    this.urgent.clear();
    this.readdAfterProcessing.clear();
    this.urgentAfterProcessing.clear();
    this.depthChanged();
    if (abortInFlight) this.abort.abort(new Error('work queue shut down'));
    await Promise.all(this.processing.values());
    this.notifyIdle();
  }

  /** Resolves when no key is queued or in flight (delayed keys do not count). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get depth(): number {
    return this.ready.size + this.urgent.size;
  }

  get inFlight(): number {
    return this.processing.size;
  }

  get delayedCount(): number {
    return this.delayed.size;
  }

  /** Failed attempts so far, over all keys (a counter for metrics). */
  get retries(): number {
    return this.retryCount;
  }

  /** Consecutive failures of `key` (reset by a success). */
  failures(key: K): number {
    return this.backoff.count(key);
  }

  private pump(): void {
    if (!this.started || this.stopping) return;
    while (this.processing.size < this.concurrency && this.depth > 0) {
      if (this.bucket) {
        const waitMs = this.bucket.take(this.clock.now());
        if (waitMs > 0) {
          this.schedulePump(waitMs);
          return;
        }
      }
      const lane = this.urgent.size > 0 ? this.urgent : this.ready;
      const key = lane.values().next().value as K;
      lane.delete(key);
      this.depthChanged();
      this.run(key);
    }
  }

  private schedulePump(ms: number): void {
    // Tokens refill steadily, so a pending wake-up is never later than a new one would be.
    if (this.pumpTimer !== undefined) return;
    this.pumpTimer = this.clock.setTimeout(() => {
      this.pumpTimer = undefined;
      this.pump();
    }, ms);
  }

  private run(key: K): void {
    const startedAt = this.clock.now();
    const done = (async () => {
      try {
        const outcome = await this.process(key, this.abort.signal);
        this.settle(key, startedAt, undefined);
        this.backoff.forget(key);
        if (outcome && outcome.requeueAfterMs !== undefined) this.addAfter(key, outcome.requeueAfterMs);
      } catch (error) {
        this.settle(key, startedAt, error);
        const failures = this.backoff.count(key) + 1;
        const delayMs = this.backoff.next(key);
        this.retryCount += 1;
        safely(() => this.observer.onRetry?.(key, failures, delayMs, error));
        this.addAfter(key, delayMs);
      }
      if (this.readdAfterProcessing.delete(key)) this.add(key, this.urgentAfterProcessing.delete(key));
      this.pump();
      if (this.isIdle()) this.notifyIdle();
    })();
    this.processing.set(key, done);
  }

  private settle(key: K, startedAt: number, error: unknown): void {
    this.processing.delete(key);
    safely(() => this.observer.onProcessed?.(key, this.clock.now() - startedAt, error));
  }

  private depthChanged(): void {
    safely(() => this.observer.onDepth?.(this.depth));
  }

  private isIdle(): boolean {
    return this.processing.size === 0 && (this.depth === 0 || this.stopping);
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Observers are for metrics and logs: their failure must not break the queue. */
function safely(fn: () => void): void {
  try {
    fn();
  } catch {
    // ignored on purpose
  }
}
