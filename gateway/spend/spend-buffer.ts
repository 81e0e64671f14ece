import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { SpendRecord } from './spend-record.ts';
import { writeSpendBatch } from './spend-writer.ts';

export interface SpendBufferOptions {
  /** `proxy_batch_write_at`, in milliseconds. */
  readonly flushEveryMs: number;
  /** Most rows held while the database is away; beyond it new rows are dropped and counted. */
  readonly maxRows?: number;
  /** Rows per insert. */
  readonly batchRows?: number;
}

/**
 * Spend records wait here and are written in batches every `proxy_batch_write_at` seconds, so a request costs
 * no database round trip. While the database is down the rows are kept (up to a bound) and written when it
 * returns; closing writes what is left.
 */
export class SpendBuffer {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #maxRows: number;
  readonly #batchRows: number;
  readonly #flushEveryMs: number;
  #rows: SpendRecord[] = [];
  readonly #unflushed = new Map<string, number>();
  #dropped = 0;
  #full = false;
  #flushing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(db: Database, logger: Logger, options: SpendBufferOptions) {
    this.#db = db;
    this.#logger = logger;
    this.#flushEveryMs = options.flushEveryMs;
    this.#maxRows = options.maxRows ?? 100_000;
    this.#batchRows = options.batchRows ?? 1000;
  }

  start(): void {
    this.#timer ??= setInterval(() => void this.flush(), this.#flushEveryMs).unref();
  }

  add(record: SpendRecord): void {
    if (this.#rows.length >= this.#maxRows) {
      this.#dropped++;
      if (!this.#full) {
        this.#full = true;
        this.#logger.error({ rows: this.#rows.length }, 'spend buffer full; new spend rows are dropped');
      }
      return;
    }
    this.#rows.push(record);
    if (record.keyHash !== null)
      this.#unflushed.set(record.keyHash, (this.#unflushed.get(record.keyHash) ?? 0) + record.cost);
  }

  /** Rows waiting to be written (for metrics). */
  size(): number {
    return this.#rows.length;
  }

  /** Rows dropped because the buffer was full, since start (for metrics). */
  dropped(): number {
    return this.#dropped;
  }

  /** Spend recorded for a key and not yet written. */
  unflushedCost(hash: string): number {
    return this.#unflushed.get(hash) ?? 0;
  }

  /** Writes every waiting row, batch by batch; stops at the first failure and keeps the rest for later. */
  flush(): Promise<void> {
    this.#flushing ??= this.#drain().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  /** Stops the timer and writes what is left, retrying for up to `deadlineMs` while the database is away. */
  async close(deadlineMs = 5_000): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    const deadline = Date.now() + deadlineMs;
    await this.flush();
    while (this.#rows.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await this.flush();
    }
    if (this.#rows.length > 0)
      this.#logger.error(
        { rows: this.#rows.length },
        'spend rows not written before shutdown: the database is unavailable',
      );
  }

  async #drain(): Promise<void> {
    while (this.#rows.length > 0) {
      const batch = this.#rows.slice(0, this.#batchRows);
      try {
        await this.#db.transaction((client) => writeSpendBatch(client, batch));
      } catch (error) {
        this.#logger.warn(
          { rows: this.#rows.length, reason: (error as Error).message },
          'spend rows kept for the next write',
        );
        return;
      }
      this.#rows = this.#rows.slice(batch.length);
      for (const record of batch) {
        if (record.keyHash === null) continue;
        const left = (this.#unflushed.get(record.keyHash) ?? 0) - record.cost;
        if (left <= 1e-12) this.#unflushed.delete(record.keyHash);
        else this.#unflushed.set(record.keyHash, left);
      }
      if (this.#full && this.#rows.length < this.#maxRows) {
        this.#full = false;
        this.#logger.info('spend buffer has room again');
      }
    }
  }
}
