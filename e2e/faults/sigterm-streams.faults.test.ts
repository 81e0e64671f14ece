import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fake-upstream/server.ts';
import { eventually } from '../../gateway/test-support/operations.ts';
import { startPostgresServer, type PostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { gatewayConfig } from './gateway-config.ts';
import { startGateway, type GatewayUnderTest } from './gateway-process.ts';
import { burst, failureSummary, roundRobin } from './load.ts';
import { openaiClient, streamChat } from './openai-calls.ts';
import { requireRealServers } from './real-servers.ts';
import { report } from './report.ts';
import { awaitSpendRows, createDatabase } from './spend-ledger.ts';
import { healthyUpstream } from './upstreams.ts';
import { generateKey } from './virtual-keys.ts';

/**
 * SIGTERM to a gateway holding 200 open streams: readiness fails at once, every stream runs to its last chunk,
 * the spend buffer is written before the process exits 0.
 */
const streams = 200;
const words = 24;
const chunkDelayMs = 250; // about 7 s per stream

let postgres: PostgresServer;
let upstream: FakeUpstream;
let gateway: GatewayUnderTest | undefined;

beforeAll(async () => {
  requireRealServers();
  postgres = await startPostgresServer();
  upstream = await healthyUpstream();
  upstream.setChunkDelay(chunkDelayMs);
});

afterAll(async () => {
  await gateway?.stop();
  await upstream.close();
  await postgres.destroy();
});

describe('SIGTERM with 200 open streams', () => {
  it('finishes every stream, writes every spend row and exits 0', async () => {
    const databaseUrl = await createDatabase(postgres, 'faults_sigterm');
    gateway = await startGateway(
      gatewayConfig({
        databaseUrl,
        deployments: [{ group: 'chat', model: 'chat-model', apiBase: upstream.url }],
      }),
      { SWITCHYARD_SHUTDOWN_DELAY_SECONDS: '1' },
    );
    const { url } = gateway;
    const keys = await Promise.all([1, 2].map((index) => generateKey(url, `sigterm-${index}`)));
    const nextClient = roundRobin(keys.map((key) => openaiClient(url, key, 60_000)));
    const running = burst({
      name: 'sigterm-streams',
      count: streams,
      call: (id) => streamChat(nextClient(), 'chat', id, words),
    });
    await eventually(() => upstream.requests.length >= streams, 30_000, 'every stream open upstream');
    await sleep(chunkDelayMs * 2); // a few chunks on their way to each client
    const signalledAt = performance.now();
    gateway.process.child.kill('SIGTERM');
    // Within the 1 s accept delay (the listener closes after it), readiness must have turned 503.
    let readiness = 0;
    await eventually(
      async () => {
        readiness = await fetch(`${url}/health/readiness`).then(
          (response) => response.status,
          () => 0,
        );
        return readiness === 503;
      },
      1_000,
      'readiness 503 after SIGTERM',
    ).catch(() => undefined);
    const load = await running;
    const exitCode = await gateway.process.exited;
    const spend = await awaitSpendRows(databaseUrl, load.succeededIds, 5_000);
    const endedBeforeSignal = load.outcomes.filter((outcome) => outcome.endedAt < signalledAt).length;
    report('sigterm-streams', {
      streams: load.outcomes.length,
      failed: load.failed.length,
      ended_before_sigterm: endedBeforeSignal,
      readiness_after_sigterm: readiness,
      exit_code: String(exitCode),
      spend_rows_expected: spend.expected,
      spend_rows_written: spend.written,
      spend_rows_duplicated: spend.duplicated.length,
    });

    expect(load.failed, failureSummary(load.failed)).toHaveLength(0);
    expect(load.outcomes).toHaveLength(streams);
    expect(endedBeforeSignal).toBe(0);
    expect(readiness).toBe(503);
    expect(exitCode).toBe(0);
    expect(gateway.process.output()).not.toContain('spend rows not written');
    expect(spend.lost).toEqual([]);
    expect(spend.duplicated).toEqual([]);
  });
});
