import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fake-upstream/server.ts';
import { startPostgresServer, type PostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { awaitDependencyUp, dependencyUp } from './dependency-health.ts';
import { gatewayConfig } from './gateway-config.ts';
import { startGateway, type GatewayUnderTest } from './gateway-process.ts';
import { closedLoop, failureSummary, roundRobin } from './load.ts';
import { chat, openaiClient } from './openai-calls.ts';
import { killPostgres, requireRealServers } from './real-servers.ts';
import { report } from './report.ts';
import { awaitSpendRows, createDatabase } from './spend-ledger.ts';
import { healthyUpstream } from './upstreams.ts';
import { generateKey } from './virtual-keys.ts';

/**
 * PostgreSQL holds keys and spend. SIGKILL the whole server mid-traffic and start it again (crash recovery)
 * some seconds later: requests with keys already in use keep being served, the spend rows of the outage wait
 * in the buffer, and every one of them is in the table once the database is back.
 */
const clients = 30;
const loadMs = 25_000;
const killAtMs = 5_000;
/** Longer than the key cache's 10 s: every key in use has to be served through the outage, not only by luck. */
const downForMs = 12_000;

let postgres: PostgresServer;
let upstream: FakeUpstream;
let gateway: GatewayUnderTest | undefined;
/** Killed and not started again (the test failed in between): the server must be started before it is stopped. */
let down = false;

beforeAll(async () => {
  requireRealServers();
  postgres = await startPostgresServer();
  upstream = await healthyUpstream();
});

afterAll(async () => {
  await gateway?.stop();
  await upstream.close();
  // The helper's stop() waits for an exit it missed when the server was killed by a signal: start it first.
  if (down) await postgres.start();
  await postgres.destroy();
});

describe('PostgreSQL killed and restarted mid-traffic', () => {
  it('fails no request with a key in use and, once it is back, has every spend row', async () => {
    const databaseUrl = await createDatabase(postgres, 'faults_postgres');
    gateway = await startGateway(
      gatewayConfig({
        databaseUrl,
        deployments: [{ group: 'chat', model: 'chat-model', apiBase: upstream.url }],
      }),
    );
    const { url } = gateway;
    const keys = await Promise.all([1, 2, 3].map((index) => generateKey(url, `postgres-${index}`)));
    const nextClient = roundRobin(keys.map((key) => openaiClient(url, key)));
    const running = closedLoop({
      name: 'postgres-restart',
      concurrency: clients,
      durationMs: loadMs,
      call: (id) => chat(nextClient(), 'chat', id),
    });
    await sleep(killAtMs);
    down = true;
    await killPostgres(postgres);
    await sleep(downForMs / 2);
    const upWhileDown = await dependencyUp(url, 'db');
    await sleep(downForMs / 2);
    await postgres.start(); // crash recovery on the same data folder and port
    down = false;
    const load = await running;
    const upAfter = await awaitDependencyUp(url, 'db');
    const spend = await awaitSpendRows(databaseUrl, load.succeededIds);
    report('postgres-restart', {
      requests: load.outcomes.length,
      failed: load.failed.length,
      postgres_down_ms: downForMs,
      db_up_while_after: `${upWhileDown}/${upAfter ? 1 : 0}`,
      spend_rows_expected: spend.expected,
      spend_rows_written: spend.written,
      spend_rows_duplicated: spend.duplicated.length,
      failures: failureSummary(load.failed, 2) || 'none',
    });

    // Soft: a failure of one outcome (requests, spend) must not hide the other's.
    expect.soft(load.failed, failureSummary(load.failed)).toHaveLength(0);
    expect.soft(load.outcomes.length).toBeGreaterThan(clients * 10);
    expect.soft(upWhileDown).toBe(0);
    expect.soft(upAfter).toBe(true);
    expect.soft(spend.lost).toEqual([]);
    expect.soft(spend.duplicated).toEqual([]);
  });
});
