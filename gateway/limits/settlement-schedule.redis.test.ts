import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SharedRedis } from '../redis/shared-redis.ts';
import { eventually } from '../test-support/operations.ts';
import { connectSharedRedis } from '../test-support/shared-redis-client.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../test-support/redis-server.ts';
import { keyCounter, windowMs } from './limit-check.ts';
import { SharedLimiter } from './shared-limiter.ts';

const correctEveryMs = 1000;

describe.skipIf(!redisServerAvailable())('when settlements go to Redis', () => {
  let redis: RedisServer;
  let connection: SharedRedis;
  let limiter: SharedLimiter;

  beforeAll(async () => {
    redis = await startRedisServer();
    connection = await connectSharedRedis(redis.port, 2000);
    limiter = new SharedLimiter({
      redis: connection,
      settleEveryMs: 5,
      correctEveryMs,
      housekeepingEveryMs: 60_000,
    });
  });
  afterAll(async () => {
    await limiter.close();
    await connection.close();
    await redis.destroy();
  });

  /** A token counter of this window that already counts 100, as an admission leaves it. */
  const tokenCounter = async (name: string) => {
    const base = keyCounter(name, 't');
    const window = Math.floor(Date.now() / windowMs);
    await connection.client.set(`${base}:${window}`, 100, 'PX', 2 * windowMs);
    const read = async () => Number(await connection.client.get(`${base}:${window}`));
    return { base, window, read };
  };

  it('holds a token correction back for correctEveryMs', async () => {
    const counter = await tokenCounter('schedule-alone');
    const queuedAt = Date.now();
    limiter.adjust('redis', counter.base, counter.window, 7);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(await counter.read()).toBe(100);
    await eventually(async () => (await counter.read()) === 107, 5000, 'the correction');
    expect(Date.now() - queuedAt).toBeGreaterThanOrEqual(correctEveryMs - 50);
  });

  it('sends a waiting correction with the next spend, within settleEveryMs', async () => {
    const counter = await tokenCounter('schedule-with-spend');
    const spend = keyCounter('schedule-with-spend', 's');
    limiter.adjust('redis', counter.base, counter.window, -40);
    limiter.addSpend(spend, 0.25, windowMs);
    const queuedAt = Date.now();
    await eventually(async () => Number(await connection.client.get(spend)) === 0.25, 2000, 'the spend');
    expect(await counter.read()).toBe(60);
    expect(Date.now() - queuedAt).toBeLessThan(correctEveryMs / 2);
  });
});
