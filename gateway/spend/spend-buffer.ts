import type { Logger } from 'pino';
import type { Database } from '../db/database.ts';
import type { SpendRecord } from './spend-record.ts';
import { SpendRows } from './spend-rows.ts';
import { writeSpend, type SpendWriteOptions } from './spend-writer.ts';

/** Where pods hand their rows to be written by whichever pod flushes next (`use_redis_transaction_buffer`). */
export interface SpendQueue {
  /** Queues a batch; false when the queue cannot take it now (the caller keeps it). */
  push(batch: SpendRows): Promise<boolean>;
  /** Writes queued rows unless another pod is doing it; the number of rows written. */
  flush(database: Database): Promise<number>;
}

export interface SpendBufferOptions {
  /** `proxy_batch_write_at`, in milliseconds. */
  readonly flushEveryMs: number;
  /** Most rows held while the database is away; beyond it new rows are dropped and counted. */
  readonly maxRows?: number;
  /** Rows per insert: a batch is serialized in one go, so this bounds the event loop's pause (~4 ms at 500). */
  readonly batchRows?: number;
  /** With a queue, rows leave this pod this often: what a crashed pod can lose is its last interval. */
  readonly queue?: SpendQueue;
  readonly queueEveryMs?: number;
  /** What a write to the database keeps (`disable_spend_logs`: the keys' spend only). */
  readonly write?: SpendWriteOptions;
}

/**
 * Spend records wait here and are written in batches every `proxy_batch_write_at` seconds, so a request costs
 * no database round trip; a full batch does not wait for the interval (see `add`). While the database is down
 * the rows are kept (up to a bound) and written when it returns; closing writes what is left. With a queue,
 * rows move to it every `queueEveryMs` and the flush writes the queue; while the queue is unreachable they
 * are written to the database directly.
 */
export class SpendBuffer {
  readonly #db: Database;
  readonly #logger: Logger;
  readonly #maxRows: number;
  readonly #batchRows: number;
  readonly #flushEveryMs: number;
  readonly #queue: SpendQueue | undefined;
  readonly #queueEveryMs: number;
  readonly #write: SpendWriteOptions | undefined;
  /** Batches of up to `batchRows`, oldest first; rows are added to the last one until it is handed on. */
  #batches: SpendRows[] = [];
  /** The batch being handed on: closed to new rows until its write is over. */
  #handing: SpendRows | undefined;
  #rows = 0;
  readonly #unflushed = new Map<string, number>();
  #dropped = 0;
  #full = false;
  /** The last write to the database failed: only the interval tries again. */
  #failing = false;
  /** The write in progress: writes run one at a time, in order. */
  #busy: Promise<void> | undefined;
  #timers: NodeJS.Timeout[] = [];

  constructor(db: Database, logger: Logger, options: SpendBufferOptions) {
    this.#db = db;
    this.#logger = logger;
    this.#flushEveryMs = options.flushEveryMs;
    this.#maxRows = options.maxRows ?? 100_000;
    this.#batchRows = options.batchRows ?? 500;
    this.#queue = options.queue;
    this.#queueEveryMs = options.queueEveryMs ?? 200;
    this.#write = options.write;
  }

  start(): void {
    if (this.#timers.length > 0) return;
    const every = (ms: number, job: () => Promise<void>) => {
      // A tick that finds a write in progress is skipped: the next one comes soon.
      const tick = () => {
        if (this.#busy === undefined) void this.#serially(job);
      };
      this.#timers.push(setInterval(tick, ms).unref());
    };
    every(this.#flushEveryMs, () => this.#writeAll());
    const queue = this.#queue;
    if (queue !== undefined) every(this.#queueEveryMs, () => this.#handOff((batch) => queue.push(batch)));
  }

  add(record: SpendRecord): void {
    if (this.#rows >= this.#maxRows) {
      this.#dropped++;
      if (!this.#full) {
        this.#full = true;
        this.#logger.error({ rows: this.#rows }, 'spend buffer full; new spend rows are dropped');
      }
      return;
    }
    this.#open().add(record);
    this.#rows++;
    if (record.keyHash !== null)
      this.#unflushed.set(record.keyHash, (this.#unflushed.get(record.keyHash) ?? 0) + record.cost);
    // A full batch is written now: at 3,000 requests a second, waiting 10 s meant 60 batches back to back (each
    // a pause of the event loop) and 30,000 rows carried into the old generation, collected later in long
    // pauses; now a batch goes every 170 ms and its rows die young. With a queue, rows leave often already.
    if (
      this.#rows >= this.#batchRows &&
      this.#queue === undefined &&
      this.#timers.length > 0 &&
      this.#busy === undefined &&
      !this.#failing
    )
      void this.#serially(() => this.#handOff(this.#toDatabase, this.#batchRows));
  }

  /** Rows waiting in this pod (for metrics). */
  size(): number {
    return this.#rows;
  }

  /** Rows dropped because the buffer was full, since start (for metrics). */
  dropped(): number {
    return this.#dropped;
  }

  /**
   * Spend recorded for a key by this pod and not yet handed on. Rows handed to the queue count again once the
   * key is read from the database after the queue's flush; between the two, the budget counter shared through
   * Redis carries them (limits/shared-budgets.ts).
   */
  unflushedCost(hash: string): number {
    return this.#unflushed.get(hash) ?? 0;
  }

  /** Writes every waiting row, batch by batch; stops at the first failure and keeps the rest for later. */
  flush(): Promise<void> {
    return this.#serially(() => this.#writeAll());
  }

  /** Stops the timers and writes what is left, retrying for up to `deadlineMs` while the database is away. */
  async close(deadlineMs = 5_000): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    this.#timers = [];
    const deadline = Date.now() + deadlineMs;
    await this.flush();
    while (this.#rows > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      await this.flush();
    }
    if (this.#rows > 0)
      this.#logger.error(
        { rows: this.#rows },
        'spend rows not written before shutdown: the database is unavailable',
      );
  }

  #serially(job: () => Promise<void>): Promise<void> {
    const run = (this.#busy ?? Promise.resolve()).then(job).finally(() => {
      if (this.#busy === run) this.#busy = undefined;
    });
    this.#busy = run;
    return run;
  }

  /** The pod's rows to the queue (or, while it is unreachable, the database), then the queue to the database. */
  async #writeAll(): Promise<void> {
    const queue = this.#queue;
    await this.#handOff(
      queue === undefined
        ? this.#toDatabase
        : async (batch) => (await queue.push(batch)) || this.#toDatabase(batch),
    );
    if (queue === undefined) return;
    try {
      await queue.flush(this.#db);
    } catch (error) {
      this.#logger.warn({ reason: (error as Error).message }, 'queued spend rows kept for the next write');
    }
  }

  readonly #toDatabase = async (batch: SpendRows): Promise<boolean> => {
    try {
      await writeSpend(this.#db, batch, this.#write);
      this.#failing = false;
      return true;
    } catch (error) {
      this.#failing = true;
      this.#logger.warn(
        { rows: this.#rows, reason: (error as Error).message },
        'spend rows kept for the next write',
      );
      return false;
    }
  };

  /** The batch new rows go to: the last one, unless it is full or being handed on. */
  #open(): SpendRows {
    const last = this.#batches.at(-1);
    if (last !== undefined && last.rows < this.#batchRows && last !== this.#handing) return last;
    const batch = new SpendRows();
    this.#batches.push(batch);
    return batch;
  }

  /**
   * Hands rows on batch by batch while `write` takes them and at least `minimum` wait; what it refuses stays
   * for the next try. Rows that come while a batch is written go to the next one.
   */
  async #handOff(write: (batch: SpendRows) => Promise<boolean>, minimum = 1): Promise<void> {
    for (;;) {
      const batch = this.#batches[0];
      if (batch === undefined || this.#rows < minimum) return;
      this.#handing = batch;
      const taken = await write(batch);
      this.#handing = undefined;
      if (!taken) return;
      this.#batches.shift();
      this.#rows -= batch.rows;
      for (const [hash, key] of batch.keys) {
        const left = (this.#unflushed.get(hash) ?? 0) - key.cost;
        if (left <= 1e-12) this.#unflushed.delete(hash);
        else this.#unflushed.set(hash, left);
      }
      if (this.#full && this.#rows < this.#maxRows) {
        this.#full = false;
        this.#logger.info('spend buffer has room again');
      }
    }
  }
}
