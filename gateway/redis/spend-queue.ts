import type { Database } from '../db/database.ts';
import type { SpendRecord } from '../spend/spend-record.ts';
import { writeSpend } from '../spend/spend-writer.ts';
import { luaScript } from './lua-script.ts';
import type { SharedRedis } from './shared-redis.ts';

const queueKey = 'switchyard:spend:queue';
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

  constructor(options: SpendQueueOptions) {
    this.#redis = options.redis;
    this.#podId = options.podId;
    this.#batchRows = options.batchRows ?? 500;
    this.#lockTtlMs = options.lockTtlMs ?? 30_000;
  }

  /** Queues rows; false when Redis cannot take them now (the caller keeps them and retries). */
  async push(records: readonly SpendRecord[]): Promise<boolean> {
    if (records.length === 0) return true;
    if (!this.#redis.available) return false;
    try {
      await this.#redis.run((client) =>
        client.rpush(queueKey, ...records.map((record) => JSON.stringify(record))),
      );
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
    let written = 0;
    try {
      for (;;) {
        const texts = await this.#redis.run((client) => client.lrange(queueKey, 0, this.#batchRows - 1));
        if (texts.length === 0) break;
        const batch = texts.map(parseRecord);
        await writeSpend(database, batch);
        const left = await this.#redis.eval(trimScript, [queueKey, lockKey], [this.#podId, texts.length]);
        written += texts.length;
        if (left === -1 || left === 0) break; // lock lost (took too long), or done
      }
    } finally {
      await this.#redis.eval(releaseScript, [lockKey], [this.#podId]).catch(() => undefined);
    }
    return written;
  }

  async length(): Promise<number> {
    return this.#redis.run((client) => client.llen(queueKey));
  }
}

function parseRecord(text: string): SpendRecord {
  const record = JSON.parse(text) as Omit<SpendRecord, 'createdAt'> & { createdAt: string };
  return { ...record, createdAt: new Date(record.createdAt) };
}
