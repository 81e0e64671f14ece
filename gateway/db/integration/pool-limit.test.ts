import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, openaiClient } from '../../test-support/key-api-client.ts';
import { pricedConfig } from '../../test-support/key-and-spend-suite.ts';
import { startKeyedGateway, type KeyedGateway } from '../../test-support/keyed-gateway.ts';
import { createPostgresDatabase, realPostgres, type TestStore } from '../../test-support/test-database.ts';

const poolLimit = 3;
const concurrency = 200;

describe.skipIf(!realPostgres())('the connection pool under load', () => {
  let store: TestStore;
  let gateway: KeyedGateway;
  let observer: pg.Client;

  beforeAll(async () => {
    store = await createPostgresDatabase();
    gateway = await startKeyedGateway(pricedConfig, {
      ...store.env,
      DATABASE_CONNECTION_POOL_LIMIT: String(poolLimit),
    });
    observer = new pg.Client({ connectionString: store.url });
    await observer.connect();
  });
  afterAll(async () => {
    await observer.end();
    await gateway.close();
    await store.dispose();
  });

  it(`never opens more than ${poolLimit} connections for ${concurrency} concurrent requests with uncached keys`, async () => {
    const keys: string[] = [];
    for (let index = 0; index < concurrency; index++)
      keys.push((await callApi(gateway.url, 'POST', '/key/generate', {})).body.key as string);

    const sampling = { on: true };
    let most = 0;
    const sampler = (async () => {
      while (sampling.on) {
        const { rows } = await observer.query<{ open: string }>(
          "SELECT count(*) AS open FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'switchyard-gateway'",
        );
        most = Math.max(most, Number(rows[0]?.open));
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    // Each request reads its key (a cache miss) and the spend writer runs meanwhile: every path takes the pool.
    const answers = await Promise.all(
      keys.map((key) =>
        openaiClient(gateway.url, key).chat.completions.create({
          model: 'cheap',
          messages: [{ role: 'user', content: 'hi' }],
        }),
      ),
    );
    await gateway.spendBuffer?.flush();
    sampling.on = false;
    await sampler;

    expect(answers).toHaveLength(concurrency);
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(poolLimit);
    expect(gateway.database.stats().limit).toBe(poolLimit);
    // The pool shows in the metrics, never above its limit.
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    const open = Number(/^switchyard_db_pool_connections\{state="total"\} (\d+)/m.exec(metrics)?.[1]);
    expect(open).toBeGreaterThan(0);
    expect(open).toBeLessThanOrEqual(poolLimit);
    const rows = await observer.query<{ rows: string }>('SELECT count(*) AS rows FROM switchyard_spend_logs');
    expect(Number(rows.rows[0]?.rows)).toBe(concurrency);

    // Steady state: the same keys again are served from the cache; only the batched spend writes use the pool.
    let acquired = 0;
    const count = () => {
      acquired++;
    };
    gateway.database.pool.on('acquire', count);
    await Promise.all(
      keys.map((key) =>
        openaiClient(gateway.url, key).chat.completions.create({
          model: 'cheap',
          messages: [{ role: 'user', content: 'again' }],
        }),
      ),
    );
    gateway.database.pool.off('acquire', count);
    expect(acquired).toBeLessThan(10);
  });
});
