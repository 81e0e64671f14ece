import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.ts';
import { SpendRows } from '../spend/spend-rows.ts';
import { spendRecord } from '../test-support/spend-records.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../test-support/redis-server.ts';
import { openTestDatabase, realPostgres } from '../test-support/test-database.ts';
import { SharedRedis } from './shared-redis.ts';
import { RedisSpendQueue } from './spend-queue.ts';

const logger = pino({ level: 'silent' });

const record = () => spendRecord({ modelGroup: 'cheap', cost: 0.01 });

describe.skipIf(!(redisServerAvailable() && realPostgres()))('spend queued in Redis', () => {
  let redis: RedisServer;
  let close: () => Promise<void>;
  let database: Database;

  beforeAll(async () => {
    redis = await startRedisServer();
    ({ database, close } = await openTestDatabase(logger));
  });
  afterAll(async () => {
    await close();
    await redis.destroy();
  });

  const pod = async () => {
    const shared = new SharedRedis({
      endpoint: { host: '127.0.0.1', port: redis.port, tls: false, db: 0 },
      logger,
      role: 'redis',
      commandTimeoutMs: 1000,
    });
    shared.start();
    while (!shared.available) await new Promise((resolve) => setTimeout(resolve, 10));
    return { shared, queue: new RedisSpendQueue({ redis: shared, podId: randomUUID(), batchRows: 40 }) };
  };
  const rows = async () =>
    Number((await database.query<{ n: string }>('SELECT count(*) AS n FROM switchyard_spend_logs'))[0]?.n);

  it('writes what a crashed pod queued, once, from one pod at a time', async () => {
    const crashed = await pod();
    const survivors = [await pod(), await pod()];
    const queued = Array.from({ length: 100 }, record);
    expect(await crashed.queue.push(SpendRows.of(queued))).toBe(true);
    await crashed.shared.close(); // gone before any flush

    // Two pods flush at once: the lock lets one write, and nothing is written twice.
    const written = await Promise.all(survivors.map(({ queue }) => queue.flush(database)));
    expect(written.reduce((sum, count) => sum + count, 0)).toBe(100);
    expect(written).toContain(0);
    expect(await rows()).toBe(100);
    expect(await survivors[0]?.queue.length()).toBe(0);

    // A flusher that died after writing but before trimming: the batch comes again and is not counted twice.
    await survivors[0]?.queue.push(SpendRows.of(queued.slice(0, 10)));
    expect(await survivors[1]?.queue.flush(database)).toBe(10);
    expect(await rows()).toBe(100);
    await Promise.all(survivors.map(({ shared }) => shared.close()));
  });

  it('writes the records that pods of the older version queued one by one, then the batches', async () => {
    const { shared, queue } = await pod();
    const older = Array.from({ length: 45 }, record); // more than one read of batchRows (40)
    await shared.run((client) =>
      client.rpush('switchyard:spend:queue', ...older.map((entry) => JSON.stringify(entry))),
    );
    const newer = Array.from({ length: 3 }, record);
    await queue.push(SpendRows.of(newer));
    const before = await rows();

    expect(await queue.flush(database)).toBe(48);
    expect(await rows()).toBe(before + 48);
    expect(await queue.length()).toBe(0);
    const [first] = await database.query<{ request_id: string; created_at: Date }>(
      'SELECT request_id, created_at FROM switchyard_spend_logs WHERE id = $1',
      [older[0]?.id],
    );
    expect(first).toEqual({ request_id: older[0]?.requestId, created_at: older[0]?.createdAt });
    await shared.close();
  });
});
