import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fake-upstream/server.ts';
import { startPostgresServer, type PostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { startRedisServer, type RedisServer } from '../../gateway/test-support/redis-server.ts';
import { awaitDependencyUp, dependencyUp } from './dependency-health.ts';
import { gatewayConfig } from './gateway-config.ts';
import { startGateway, type GatewayUnderTest } from './gateway-process.ts';
import { closedLoop, failureSummary, roundRobin } from './load.ts';
import { chat, openaiClient } from './openai-calls.ts';
import { requireRealServers } from './real-servers.ts';
import { report } from './report.ts';
import { awaitSpendRows, createDatabase } from './spend-ledger.ts';
import { healthyUpstream } from './upstreams.ts';
import { generateKey } from './virtual-keys.ts';

/**
 * Redis holds the shared limits and cooldowns. SIGKILL the real redis-server mid-traffic and start it again
 * (empty) a few seconds later: the gateway falls back to per-pod limits and back again, and no request fails.
 */
const clients = 30;
const loadMs = 20_000;
const killAtMs = 5_000;
const downForMs = 4_000;

let postgres: PostgresServer;
let redis: RedisServer;
let upstream: FakeUpstream;
let gateway: GatewayUnderTest | undefined;

beforeAll(async () => {
  requireRealServers();
  postgres = await startPostgresServer();
  redis = await startRedisServer();
  upstream = await healthyUpstream();
});

afterAll(async () => {
  await gateway?.stop();
  await upstream.close();
  await redis.destroy();
  await postgres.destroy();
});

async function redisKeyCount(port: number): Promise<number> {
  const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true });
  await probe.connect();
  try {
    return await probe.dbsize();
  } finally {
    probe.disconnect();
  }
}

describe('Redis killed and restarted mid-traffic', () => {
  it('fails no request and loses no spend row; shared limits resume on the new server', async () => {
    const databaseUrl = await createDatabase(postgres, 'faults_redis');
    gateway = await startGateway(
      gatewayConfig({
        databaseUrl,
        redisPort: redis.port,
        deployments: [{ group: 'chat', model: 'chat-model', apiBase: upstream.url }],
      }),
    );
    const { url } = gateway;
    const keys = await Promise.all([1, 2, 3].map((index) => generateKey(url, `redis-${index}`)));
    const nextClient = roundRobin(keys.map((key) => openaiClient(url, key)));
    const running = closedLoop({
      name: 'redis-restart',
      concurrency: clients,
      durationMs: loadMs,
      call: (id) => chat(nextClient(), 'chat', id),
    });
    await sleep(killAtMs);
    // The gateway was using this server (its limits are counted there) when it was killed.
    const keysBeforeKill = await redisKeyCount(redis.port);
    await redis.stop(); // SIGKILL
    await sleep(downForMs / 2);
    const upWhileDown = await dependencyUp(url, 'redis');
    await sleep(downForMs / 2);
    await redis.start(); // same port, empty
    const load = await running;
    const upAfter = await awaitDependencyUp(url, 'redis');
    const spend = await awaitSpendRows(databaseUrl, load.succeededIds);
    // The limits of the requests after the restart were counted in the new, empty server.
    const keysInNewRedis = await redisKeyCount(redis.port);
    report('redis-restart', {
      requests: load.outcomes.length,
      failed: load.failed.length,
      redis_down_ms: downForMs,
      keys_before_kill: keysBeforeKill,
      dependency_up_while_down_after: `${upWhileDown}/${upAfter ? 1 : 0}`,
      keys_in_restarted_redis: keysInNewRedis,
      spend_rows_expected: spend.expected,
      spend_rows_written: spend.written,
      spend_rows_duplicated: spend.duplicated.length,
    });

    expect(load.failed, failureSummary(load.failed)).toHaveLength(0);
    expect(load.outcomes.length).toBeGreaterThan(clients * 10);
    expect(keysBeforeKill).toBeGreaterThan(0);
    expect(upWhileDown).toBe(0);
    expect(upAfter).toBe(true);
    expect(gateway.process.output()).toContain('redis unavailable');
    expect(keysInNewRedis).toBeGreaterThan(0);
    expect(spend.lost).toEqual([]);
    expect(spend.duplicated).toEqual([]);
  });
});
