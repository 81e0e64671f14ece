import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fake-upstream/server.ts';
import { startPostgresServer, type PostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { gatewayConfig } from './gateway-config.ts';
import { startGateway, type GatewayUnderTest } from './gateway-process.ts';
import { closedLoop, failureSummary } from './load.ts';
import { chat, openaiClient, requestIdOf } from './openai-calls.ts';
import { requireRealServers } from './real-servers.ts';
import { report } from './report.ts';
import { awaitSpendRows, createDatabase } from './spend-ledger.ts';
import { healthyUpstream, spikyUpstream, type SpikyUpstream } from './upstreams.ts';
import { generateKey } from './virtual-keys.ts';

/**
 * The primary group's upstream has latency spikes far longer than its configured timeout: each call caught in
 * one is cut at the timeout and served by the fallback group, so the client gets an answer within the timeout
 * plus one fast call, never after the spike.
 */
const clients = 20;
const loadMs = 15_000;
const timeoutMs = 500;
const spikeDelayMs = 5_000;
/** Room for one fast fallback call on a loaded 2-core machine; far below the spike. */
const fallbackAllowanceMs = 1_500;

let postgres: PostgresServer;
let primary: SpikyUpstream;
let fallback: FakeUpstream;
let gateway: GatewayUnderTest | undefined;

beforeAll(async () => {
  requireRealServers();
  postgres = await startPostgresServer();
  primary = await spikyUpstream({ periodMs: 5_000, spikeMs: 2_000, delayMs: spikeDelayMs });
  fallback = await healthyUpstream();
});

afterAll(async () => {
  await gateway?.stop();
  await primary.close();
  await fallback.close();
  await postgres.destroy();
});

describe('upstream latency spikes under load', () => {
  it('cuts each spiked call at its timeout and serves it from the fallback group in time', async () => {
    const databaseUrl = await createDatabase(postgres, 'faults_spikes');
    gateway = await startGateway(
      gatewayConfig({
        databaseUrl,
        deployments: [
          {
            group: 'primary',
            model: 'primary-model',
            apiBase: primary.url,
            timeoutSeconds: timeoutMs / 1000,
          },
          { group: 'fallback', model: 'fallback-model', apiBase: fallback.url },
        ],
        litellmSettings: { fallbacks: [{ primary: ['fallback'] }] },
        // A timeout goes to the fallback at once rather than waiting on the same slow deployment again.
        routerSettings: { retry_policy: { TimeoutErrorRetries: 0 } },
      }),
    );
    const client = openaiClient(gateway.url, await generateKey(gateway.url, 'spikes'));
    const load = await closedLoop({
      name: 'latency-spikes',
      concurrency: clients,
      durationMs: loadMs,
      call: (id) => chat(client, 'primary', id),
    });
    const spend = await awaitSpendRows(databaseUrl, load.succeededIds);
    const byFallback = load.outcomes.filter((outcome) => outcome.servedBy === 'fallback-model');
    const fallbackIds = new Set(byFallback.map((outcome) => outcome.id));
    const spikedIds = primary.spiked().map((request) => requestIdOf(request.body));
    const spikedNotByFallback = spikedIds.filter((id) => id === undefined || !fallbackIds.has(id));
    const slowest = Math.max(...load.outcomes.map((outcome) => outcome.ms));
    const fastestFallback = Math.min(...byFallback.map((outcome) => outcome.ms));
    report('latency-spikes', {
      requests: load.outcomes.length,
      failed: load.failed.length,
      calls_caught_in_spikes: spikedIds.length,
      served_by_fallback: byFallback.length,
      // Calls outside a spike that still took longer than the timeout (a loaded machine): they fall back too.
      slow_outside_spikes: byFallback.length - (spikedIds.length - spikedNotByFallback.length),
      fallback_ms_min: fastestFallback,
      slowest_ms: slowest,
      spend_rows_expected: spend.expected,
      spend_rows_written: spend.written,
      spend_rows_duplicated: spend.duplicated.length,
    });

    expect(load.failed, failureSummary(load.failed)).toHaveLength(0);
    // Three spikes in the run; every call caught in one was cut at the timeout and went to the fallback.
    expect(spikedIds.length).toBeGreaterThan(clients * 2);
    expect(spikedNotByFallback).toEqual([]);
    expect(fallback.requests).toHaveLength(byFallback.length);
    // Each waited out the timeout (it was not skipped early) and no request waited for a spike to end.
    expect(fastestFallback).toBeGreaterThanOrEqual(timeoutMs);
    expect(slowest).toBeLessThan(timeoutMs + fallbackAllowanceMs);
    expect(spend.lost).toEqual([]);
    expect(spend.duplicated).toEqual([]);
  });
});
