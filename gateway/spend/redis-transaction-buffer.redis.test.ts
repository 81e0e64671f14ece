import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { freePort } from '../../e2e/bench/processes.ts';
import { callApi, openaiClient, testMasterKey } from '../test-support/key-api-client.ts';
import { eventually, spawnGateway } from '../test-support/operations.ts';
import { startRedisGateway } from '../test-support/redis-gateway.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../test-support/redis-server.ts';
import { createPostgresDatabase, realPostgres, type TestStore } from '../test-support/test-database.ts';

/** A pod queues its rows in batches, one entry each (redis/spend-queue.ts). */
const batchesKey = 'switchyard:spend:batches';

/** `flushSeconds` long on the pod that crashes, so nothing of its own reaches the database before it dies. */
const config = (redisPort: number, flushSeconds: number) => `
model_list:
  - model_name: cheap
    litellm_params: { model: mock/cheap, mock_response: "ok", input_cost_per_token: 0.001, output_cost_per_token: 0.002 }
router_settings:
  redis_host: 127.0.0.1
  redis_port: ${redisPort}
general_settings:
  master_key: ${testMasterKey}
  proxy_batch_write_at: ${flushSeconds}
  use_redis_transaction_buffer: true
`;

describe.skipIf(!(redisServerAvailable() && realPostgres()))('use_redis_transaction_buffer', () => {
  let redis: RedisServer;
  let store: TestStore;
  let db: pg.Pool;
  let queue: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    store = await createPostgresDatabase();
    db = new pg.Pool({ connectionString: store.url, max: 2 });
    queue = new Redis({ host: '127.0.0.1', port: redis.port, lazyConnect: true, maxRetriesPerRequest: 1 });
    queue.on('error', () => undefined); // reconnect noise while the second test has Redis stopped
  });
  afterAll(async () => {
    queue.disconnect();
    await db.end();
    await store.dispose();
    await redis.destroy();
  });

  const ledger = async (token: string) => {
    const { rows } = await db.query<{ rows: string; cost: number | null }>(
      'SELECT count(*) AS rows, sum(cost)::float8 AS cost FROM switchyard_spend_logs WHERE key_hash = $1',
      [token],
    );
    return { rows: Number(rows[0]?.rows), cost: rows[0]?.cost ?? 0 };
  };
  const keySpend = async (token: string) => {
    const { rows } = await db.query<{ spend: number }>(
      'SELECT spend::float8 AS spend FROM switchyard_keys WHERE hash = $1',
      [token],
    );
    return rows[0]?.spend;
  };

  it('writes what a pod killed with SIGKILL had queued, through another pod, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-spend-queue-'));
    writeFileSync(join(dir, 'config.yaml'), config(redis.port, 600));
    const port = await freePort();
    const crashing = spawnGateway(
      ['--config', join(dir, 'config.yaml'), '--port', String(port), '--host', '127.0.0.1'],
      { DATABASE_URL: store.url ?? '' },
    );
    // A failed step before the kill below must not leave the pod running.
    onTestFinished(() => {
      if (crashing.child.exitCode === null && crashing.child.signalCode === null)
        crashing.child.kill('SIGKILL');
    });
    const url = `http://127.0.0.1:${port}`;
    await eventually(
      async () => (await fetch(`${url}/health/readiness`).catch(() => undefined))?.status === 200,
      30_000,
      `the gateway ready (${crashing.output()})`,
    );
    let key: { key: string; token: string } | undefined;
    await eventually(
      async () => {
        const made = await callApi(url, 'POST', '/key/generate', {}).catch(() => undefined);
        if (made?.status === 200) key = made.body as { key: string; token: string };
        return key !== undefined;
      },
      30_000,
      `the gateway answering (${crashing.output()})`,
    );
    if (key === undefined) throw new Error('no key');
    const { key: secret, token } = key;
    const client = openaiClient(url, secret);
    const requests = 30;
    for (let i = 0; i < requests; i++)
      await client.chat.completions.create({ model: 'cheap', messages: [{ role: 'user', content: 'hi' }] });

    // The pod hands its rows to Redis within a fraction of a second; its own database flush is minutes away.
    const queuedRows = async () =>
      (await queue.lrange(batchesKey, 0, -1)).reduce(
        (rows, json) => rows + (JSON.parse(json) as unknown[]).length,
        0,
      );
    await eventually(async () => (await queuedRows()) === requests, 10_000, 'rows queued in Redis');
    expect((await ledger(token)).rows).toBe(0);
    crashing.child.kill('SIGKILL');
    await crashing.exited;

    const survivor = await startRedisGateway(config(redis.port, 0.2), { DATABASE_URL: store.url ?? '' });
    try {
      await eventually(async () => (await ledger(token)).rows === requests, 15_000, 'rows written');
      const written = await ledger(token);
      expect(written.cost).toBeGreaterThan(0);
      expect(await keySpend(token)).toBeCloseTo(written.cost, 9);
      expect(await queue.llen(batchesKey)).toBe(0);
      // Later flushes find nothing more: no row and no cost is counted twice.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(await ledger(token)).toEqual(written);
      expect(await keySpend(token)).toBeCloseTo(written.cost, 9);
    } finally {
      await survivor.close();
    }
  });

  it('writes spend straight to the database while Redis is down', async () => {
    await redis.stop();
    const pod = await startRedisGateway(config(redis.port, 0.2), { DATABASE_URL: store.url ?? '' });
    try {
      const made = await callApi(pod.url, 'POST', '/key/generate', {});
      const key = made.body as { key: string; token: string };
      const client = openaiClient(pod.url, key.key);
      for (let i = 0; i < 10; i++)
        await client.chat.completions.create({ model: 'cheap', messages: [{ role: 'user', content: 'hi' }] });
      await eventually(async () => (await ledger(key.token)).rows === 10, 10_000, 'rows written');
      expect(await keySpend(key.token)).toBeCloseTo((await ledger(key.token)).cost, 9);
    } finally {
      await pod.close();
      await redis.start();
    }
  });
});
