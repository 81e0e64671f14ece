import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fake-upstream/server.ts';
import { startPostgresServer, type PostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { gatewayConfig } from './gateway-config.ts';
import { startGateway, type GatewayUnderTest } from './gateway-process.ts';
import { closedLoop, failureSummary } from './load.ts';
import { chat, openaiClient } from './openai-calls.ts';
import { requireRealServers } from './real-servers.ts';
import { report } from './report.ts';
import { awaitSpendRows, createDatabase } from './spend-ledger.ts';
import { failingUpstream, hangingUpstream, healthyUpstream } from './upstreams.ts';
import { generateKey } from './virtual-keys.ts';

/**
 * A model group of two deployments, one of which fails every call: clients see no error, because the failed
 * call is retried on the other deployment at once and the failing one is cooled down after `allowed_fails`.
 */
const clients = 30;
const loadMs = 15_000;
const cooldownSeconds = 5;
const deadlineSeconds = 1;

let postgres: PostgresServer;
let healthy: FakeUpstream;
const started: { close(): Promise<void> }[] = [];
let gateway: GatewayUnderTest | undefined;

beforeAll(async () => {
  requireRealServers();
  postgres = await startPostgresServer();
  healthy = await healthyUpstream();
});

afterAll(async () => {
  await gateway?.stop();
  for (const upstream of started) await upstream.close();
  await healthy.close();
  await postgres.destroy();
});

async function runAgainst(scenario: string, broken: FakeUpstream, brokenTimeout?: number) {
  const databaseUrl = await createDatabase(postgres, 'faults_deployments');
  gateway = await startGateway(
    gatewayConfig({
      databaseUrl,
      deployments: [
        {
          group: 'chat',
          model: 'broken-a',
          apiBase: broken.url,
          ...(brokenTimeout === undefined ? {} : { timeoutSeconds: brokenTimeout }),
        },
        { group: 'chat', model: 'healthy-b', apiBase: healthy.url },
      ],
      litellmSettings: { num_retries: 2 },
      routerSettings: { allowed_fails: 3, cooldown_time: cooldownSeconds },
    }),
  );
  const client = openaiClient(gateway.url, await generateKey(gateway.url, scenario));
  const load = await closedLoop({
    name: scenario,
    concurrency: clients,
    durationMs: loadMs,
    call: (id) => chat(client, 'chat', id),
  });
  const spend = await awaitSpendRows(databaseUrl, load.succeededIds);
  const servedByBroken = load.outcomes.filter((outcome) => outcome.servedBy === 'broken-a').length;
  const slowest = Math.max(...load.outcomes.map((outcome) => outcome.ms));
  report(scenario, {
    requests: load.outcomes.length,
    failed: load.failed.length,
    calls_to_broken_deployment: broken.requests.length,
    served_by_broken: servedByBroken,
    slowest_ms: slowest,
    spend_rows_expected: spend.expected,
    spend_rows_written: spend.written,
    spend_rows_duplicated: spend.duplicated.length,
  });
  await gateway.stop();
  gateway = undefined;
  return { load, spend, servedByBroken, slowest };
}

describe('one of two deployments of a model group is broken, under load', () => {
  it('fails every call with a 5xx: zero client errors, the broken one cooled down, every spend row written', async () => {
    const broken = await failingUpstream(500);
    started.push(broken);
    const { load, spend, servedByBroken } = await runAgainst('deployment-5xx', broken);

    expect(load.failed, failureSummary(load.failed)).toHaveLength(0);
    expect(load.outcomes.length).toBeGreaterThan(clients * 10);
    expect(servedByBroken).toBe(0);
    // The fault was met (more than once per cooldown period), and cooldowns kept most traffic away from it.
    expect(broken.requests.length).toBeGreaterThan(3 * Math.floor(loadMs / 1000 / cooldownSeconds));
    expect(broken.requests.length).toBeLessThan(load.outcomes.length * 0.1);
    expect(spend.lost).toEqual([]);
    expect(spend.duplicated).toEqual([]);
  });

  it('never answers (timeout): zero client errors, each stuck call cut at its deadline, every spend row written', async () => {
    const broken = await hangingUpstream();
    started.push(broken);
    const { load, spend, servedByBroken, slowest } = await runAgainst(
      'deployment-timeout',
      broken,
      deadlineSeconds,
    );

    expect(load.failed, failureSummary(load.failed)).toHaveLength(0);
    expect(load.outcomes.length).toBeGreaterThan(clients * 5);
    expect(servedByBroken).toBe(0);
    expect(broken.requests.length).toBeGreaterThan(3);
    expect(broken.requests.length).toBeLessThan(load.outcomes.length * 0.1);
    // A request that met the hung deployment waited its deadline once, then the healthy one answered.
    expect(slowest).toBeGreaterThanOrEqual(deadlineSeconds * 1000);
    expect(slowest).toBeLessThan(deadlineSeconds * 1000 + 3000);
    expect(spend.lost).toEqual([]);
    expect(spend.duplicated).toEqual([]);
  });
});
