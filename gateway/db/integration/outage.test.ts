import pg from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, openaiClient, refusalOf, testMasterKey } from '../../test-support/key-api-client.ts';
import { pricedConfig } from '../../test-support/key-and-spend-suite.ts';
import { startKeyedGateway, type KeyedGateway } from '../../test-support/keyed-gateway.ts';
import {
  postgresInstalled,
  startPostgresServer,
  type PostgresServer,
} from '../../test-support/postgres-server.ts';

const ask = { model: 'cheap', messages: [{ role: 'user' as const, content: 'hello' }] };

/** Requests in a loop from a few workers until stopped; counts the answers that succeeded. */
function traffic(url: string, key: string, workers = 4) {
  let running = true;
  let succeeded = 0;
  let failed = 0;
  const client = openaiClient(url, key);
  const loops = Array.from({ length: workers }, async () => {
    while (running) {
      try {
        await client.chat.completions.create(ask);
        succeeded++;
      } catch {
        failed++;
      }
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return { succeeded, failed };
    },
  };
}

describe.skipIf(!postgresInstalled())('the database stopped mid-traffic', () => {
  let server: PostgresServer;
  let gateway: KeyedGateway;
  let lenient: KeyedGateway;

  beforeAll(async () => {
    server = await startPostgresServer();
    // A TTL far shorter than the outage: cached keys are served past it while the database is away.
    gateway = await startKeyedGateway(pricedConfig, { DATABASE_URL: server.url }, { keyCacheTtlMs: 300 });
    lenient = await startKeyedGateway(
      pricedConfig.replace(
        'general_settings:',
        'general_settings:\n  allow_requests_on_db_unavailable: true',
      ),
      { DATABASE_URL: server.url },
    );
  });
  afterAll(async () => {
    await lenient.close();
    await gateway.close();
    await server.destroy();
  });

  it('keeps serving cached keys past their TTL, refuses unknown ones with 503, and writes every spend row once it is back', async () => {
    const key = (await callApi(gateway.url, 'POST', '/key/generate', {})).body;
    const hash = key.token as string;
    const load = traffic(gateway.url, key.key as string);
    await sleep(500);

    await server.stop();
    await sleep(300);
    // A key this pod has never seen cannot be checked: 503, with a reason.
    const unknown = await refusalOf(
      openaiClient(gateway.url, 'sk-never-seen-before-000000000').models.list(),
    );
    expect(unknown).toMatchObject({ status: 503, code: 'database_unavailable' });
    // With allow_requests_on_db_unavailable, it is let through.
    await openaiClient(lenient.url, 'sk-never-seen-before-000000000').chat.completions.create(ask);
    await sleep(1200);
    expect(gateway.dependencies.report('db')).toMatchObject({ status: 'down', reachedOnce: true });
    expect(gateway.spendBuffer?.size()).toBeGreaterThan(0);

    await server.start();
    await sleep(500);
    const { succeeded, failed } = await load.stop();
    expect(failed).toBe(0);
    await expect
      .poll(
        async () => {
          await gateway.spendBuffer?.flush();
          return gateway.spendBuffer?.size();
        },
        { timeout: 15_000, interval: 200 },
      )
      .toBe(0);

    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    const rows = await client.query<{ rows: string; cost: number }>(
      'SELECT count(*) AS rows, sum(cost) AS cost FROM switchyard_spend_logs WHERE key_hash = $1',
      [hash],
    );
    const spend = await client.query<{ spend: number }>('SELECT spend FROM switchyard_keys WHERE hash = $1', [
      hash,
    ]);
    await client.end();
    expect(Number(rows.rows[0]?.rows)).toBe(succeeded);
    expect(spend.rows[0]?.spend).toBeCloseTo(rows.rows[0]?.cost ?? -1, 9);
    expect(gateway.dependencies.report('db').status).toBe('up');
    expect(gateway.spendBuffer?.dropped()).toBe(0);
    expect(JSON.stringify(gateway.logs)).not.toContain(testMasterKey);
  });
});
