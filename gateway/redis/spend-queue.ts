import type { Database } from '../db/database.ts';
import type { SpendRecord } from '../spend/spend-record.ts';
import { batchOfJson, type LedgerBatch, SpendRows } from '../spend/spend-rows.ts';
import { writeSpend, type SpendWriteOptions } from '../spend/spend-writer.ts';
import { luaScript } from './lua-script.ts';
import type { SharedRedis } from './shared-redis.ts';

/** One element a batch: its rows as the writer's JSON (spend-rows.ts). */
const batchesKey = 'switchyard:spend:batches';
/** One element a record, as pods before the batches queue pushed them: still drained during an upgrade. */
const recordsKey = 'switchyard:spend:queue';
const lockKey = 'switchyard:spend:lock';

/** Removes a written batch from the head of the queue, only while the caller still holds the lock. */
const trimScript = luaScript(
  'spend-trim',
  `if redis.call('GET', KEYS[2]) ~= ARGV[1] then return -1 end
redis.call('LTRIM', KEYS[1], tonumber(ARGV[2]), -1)
return redis.call('LLEN', KEYS[1])`,
);

const releaseScript = luaScript(
  'spend-unlock',
  `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`,
);

export interface SpendQueueOptions {
  readonly redis: SharedRedis;
  readonly podId: string;
  readonly batchRows?: number;
  /** How long the flush lock lives if its holder dies mid-flush. */
  readonly lockTtlMs?: number;
  /** What a flush keeps (`disable_spend_logs`: the keys' spend only). */
  readonly write?: SpendWriteOptions;
}

/**
 * `use_redis_transaction_buffer`: spend rows queued in Redis by every pod and written to the database by one
 * pod at a time, under a lock, so a pod that crashes loses nothing it queued. The writer is idempotent (ledger
 * ids), so a batch written by a flusher that died before trimming it is written again without double counting.
 */
export class RedisSpendQueue {
  readonly #redis: SharedRedis;
  readonly #podId: string;
  readonly #batchRows: number;
  readonly #lockTtlMs: number;
  readonly #write: SpendWriteOptions | undefined;

  constructor(options: SpendQueueOptions) {
    this.#redis = options.redis;
    this.#podId = options.podId;
    this.#batchRows = options.batchRows ?? 500;
    this.#lockTtlMs = options.lockTtlMs ?? 30_000;
    this.#write = options.write;
  }

  /** Queues a batch; false when Redis cannot take it now (the caller keeps it and retries). */
  async push(batch: SpendRows): Promise<boolean> {
    if (batch.rows === 0) return true;
    if (!this.#redis.available) return false;
    try {
      await this.#redis.run((client) => client.rpush(batchesKey, batch.json));
      return true;
    } catch {
      return false;
    }
  }

  /** Writes queued rows if no other pod is doing it; the number of rows written (0 when another pod holds the lock). */
  async flush(database: Database): Promise<number> {
    if (!this.#redis.available) return 0;
    const locked = await this.#redis.run((client) =>
      client.set(lockKey, this.#podId, 'PX', this.#lockTtlMs, 'NX'),
    );
    if (locked !== 'OK') return 0;
    try {
      // Records pushed by pods of an older version first, then batches.
      const records = await this.#drain(database, recordsKey, this.#batchRows, (texts) =>
        SpendRows.of(texts.map(parseRecord)),
      );
      if (records.lockLost) return records.written;
      const batches = await this.#drain(database, batchesKey, 1, (texts) => batchOfJson(texts[0] ?? '[]'));
      return records.written + batches.written;
    } finally {
      await this.#redis.eval(releaseScript, [lockKey], [this.#podId]).catch(() => undefined);
    }
  }

  /** Writes a list's entries, `count` at a time, each removed once written, while the lock is held. */
  async #drain(
    database: Database,
    key: string,
    count: number,
    batchOf: (texts: string[]) => LedgerBatch,
  ): Promise<{ written: number; lockLost: boolean }> {
    let written = 0;
    for (;;) {
      const texts = await this.#redis.run((client) => client.lrange(key, 0, count - 1));
      if (texts.length === 0) return { written, lockLost: false };
      const batch = batchOf(texts);
      await writeSpend(database, batch, this.#write);
      const left = await this.#redis.eval(trimScript, [key, lockKey], [this.#podId, texts.length]);
      written += batch.rows;
      if (left === -1) return { written, lockLost: true }; // this took longer than the lock lives
      if (left === 0) return { written, lockLost: false };
    }
  }

  /** Entries waiting: batches, and records from pods of an older version. */
  async length(): Promise<number> {
    const [batches, records] = await this.#redis.run((client) =>
      Promise.all([client.llen(batchesKey), client.llen(recordsKey)]),
    );
    return batches + records;
  }
}

function parseRecord(text: string): SpendRecord {
  const record = JSON.parse(text) as Omit<SpendRecord, 'createdAt'> & { createdAt: string };
  return { ...record, createdAt: new Date(record.createdAt) };
}
