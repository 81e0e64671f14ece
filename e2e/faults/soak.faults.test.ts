import { setTimeout as sleep } from 'node:timers/promises';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FakeUpstream } from '../fake-upstream/server.ts';
import { startPostgresServer, type PostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { startRedisServer, type RedisServer } from '../../gateway/test-support/redis-server.ts';
import { gatewayConfig } from './gateway-config.ts';
import { connectInspector, inspectorFlag, type HeapInspector } from './heap-inspector.ts';
import { startGateway, type GatewayUnderTest } from './gateway-process.ts';
import { failureSummary, fixedRate, roundRobin, type LoadResult } from './load.ts';
import { chat, openaiClient, streamChat } from './openai-calls.ts';
import { openFds, rssBytes, sampleProcess } from './process-stats.ts';
import { requireRealServers } from './real-servers.ts';
import { report } from './report.ts';
import { awaitSpendRows, createDatabase } from './spend-ledger.ts';
import { healthyUpstream } from './upstreams.ts';
import { generateKey } from './virtual-keys.ts';

/**
 * A fixed request rate for SOAK_SECONDS (90 in CI; SOAK_SECONDS=600 for the full 10 minutes; SOAK_RATE, 50/s)
 * with virtual keys, Redis limits and spend on: from the end of the warm-up to the end of the run, resident
 * memory after a full collection grows at most 5 %, open file descriptors are as many as before, and every
 * request's spend row is written.
 *
 * Memory and descriptors are read with the gateway idle, after the warm-up and after the soak: its connection
 * pools (clients, upstream, database) have then closed every idle socket (30 s timeouts), so what is left open
 * is what the process holds on to, not where the pools happened to be.
 *
 * Under load (warm-up and soak alike) the gateway also gets a full collection every `collectEveryMs`, read
 * like the idle ones. Left alone at 50/s, V8 lets its heap swing to 170-230 MB between collections for a live
 * heap of 30 MB, and native memory freed along with that garbage stays resident in glibc's arenas (free, not
 * given back; `malloc_trim` returns it): the idle reading then says how far the heap last swung. A 600 s run
 * read +5 % that way with the heap and `external` flat (and malloc's bytes in use flat, by `malloc_stats`).
 * Collected every minute, the process still keeps whatever it really retains (an object or a buffer per
 * request, key or connection), so a leak shows in both readings; and the under-load readings' growth over
 * the soak (their fitted slope times the soak's length) is held to the same 5 %.
 */
const soakSeconds = Number(process.env.SOAK_SECONDS ?? 90);
const ratePerSecond = Number(process.env.SOAK_RATE ?? 50);
const warmUpSeconds = Math.min(60, Math.max(20, soakSeconds / 4));
const maxRssGrowth = 0.05;
/** Under-load readings in the soak phase the slope needs before it means anything. */
const minSlopeReadings = 5;
/** A full collection and a memory reading under load: every minute in the full soak, about 10 s in the 90 s one. */
const collectEveryMs =
  Math.max(1, Math.min(60, (soakSeconds - warmUpSeconds) / (minSlopeReadings + 2))) * 1000;
/** The idle timeouts of the gateway's pools (upstream keep-alive and database, both 30 s), and a margin. */
const idleTimeoutMs = 32_000;
/** The descriptor count must hold this long to count as settled; 80 s at most. */
const steadyMs = 5_000;
const settleLimitMs = 80_000;
/**
 * Pooled connections (database, Redis) may be open or not at either reading: two descriptors either way. A leak
 * per request would show as hundreds over the thousands of requests sent.
 */
const fdSlack = 2;

let postgres: PostgresServer;
let redis: RedisServer;
let upstream: FakeUpstream;
let gateway: GatewayUnderTest | undefined;

beforeAll(async () => {
  requireRealServers();
  postgres = await startPostgresServer();
  redis = await startRedisServer();
  upstream = await healthyUpstream();
  upstream.setChunkDelay(5);
});

afterAll(async () => {
  await gateway?.stop();
  await upstream.close();
  await redis.destroy();
  await postgres.destroy();
});

interface Held {
  readonly rss: number;
  readonly heap: number;
  /** Buffers and other memory outside the JS heap that JS objects hold. */
  readonly external: number;
  readonly fds: number;
}

/** Waits out the pools' idle timeouts, then until the descriptor count has stopped moving. */
async function settle(pid: number): Promise<void> {
  const deadline = Date.now() + settleLimitMs;
  await sleep(idleTimeoutMs);
  const recent: number[] = [];
  while (Date.now() < deadline) {
    recent.push(openFds(pid));
    const last = recent.slice(-(steadyMs / 1000 + 1));
    if (last.length > steadyMs / 1000 && Math.min(...last) === Math.max(...last)) return;
    await sleep(1000);
  }
}

/** After a full collection: the memory and descriptors the process holds on to. */
async function collected(inspector: HeapInspector, pid: number): Promise<Held> {
  await inspector.collectGarbage();
  const { external } = await inspector.memoryUsage();
  return { rss: rssBytes(pid), heap: await inspector.heapUsed(), external, fds: openFds(pid) };
}

/** Idle, after a full collection. */
async function held(inspector: HeapInspector, pid: number): Promise<Held> {
  await settle(pid);
  return collected(inspector, pid);
}

interface Reading extends Held {
  /** Seconds since the readings started. */
  readonly at: number;
}

/** A full collection and a reading every `everyMs` until stopped (the collections are what matter). */
function collectPeriodically(
  inspector: HeapInspector,
  pid: number,
  everyMs: number,
): { stop(): Promise<Reading[]> } {
  const startedAt = performance.now();
  const readings: Reading[] = [];
  const stopped = new AbortController();
  const loop = (async () => {
    for (;;) {
      try {
        await sleep(everyMs, undefined, { signal: stopped.signal });
      } catch {
        return;
      }
      const reading = await collected(inspector, pid);
      readings.push({ ...reading, at: (performance.now() - startedAt) / 1000 });
    }
  })();
  return {
    async stop() {
      stopped.abort();
      await loop;
      return readings;
    },
  };
}

/** Least-squares slope of RSS over time, in bytes per second. */
function rssSlope(readings: readonly Reading[]): number {
  const meanAt = readings.reduce((sum, reading) => sum + reading.at, 0) / readings.length;
  const meanRss = readings.reduce((sum, reading) => sum + reading.rss, 0) / readings.length;
  let covariance = 0;
  let variance = 0;
  for (const reading of readings) {
    covariance += (reading.at - meanAt) * (reading.rss - meanRss);
    variance += (reading.at - meanAt) ** 2;
  }
  return covariance / variance;
}

describe(`soak: ${ratePerSecond} requests/s for ${soakSeconds} s`, () => {
  it(
    'holds no more memory or file descriptors after the soak than after warm-up, and writes every spend row',
    { timeout: (soakSeconds + 300) * 1000 },
    async () => {
      const databaseUrl = await createDatabase(postgres, 'faults_soak');
      gateway = await startGateway(
        gatewayConfig({
          databaseUrl,
          redisPort: redis.port,
          deployments: [
            { group: 'chat', model: 'chat-a', apiBase: upstream.url },
            { group: 'chat', model: 'chat-b', apiBase: upstream.url },
          ],
          routerSettings: { routing_strategy: 'usage-based-routing-v2' },
        }),
        { NODE_OPTIONS: inspectorFlag },
      );
      const { url, pid } = gateway;
      const inspector = await connectInspector(() => gateway?.process.output() ?? '');
      const keys = await Promise.all(
        [1, 2, 3, 4, 5].map((index) =>
          generateKey(url, `soak-${index}`, {
            rpm_limit: ratePerSecond * 60 * 10,
            tpm_limit: 100_000_000,
            max_parallel_requests: 500,
          }),
        ),
      );
      let sent = 0;
      const readings: (Reading & { readonly phase: string })[] = [];
      /** A phase at the fixed rate; its client sockets are closed after it, so the gateway can go idle. */
      const phase = async (name: string, seconds: number): Promise<LoadResult> => {
        const pool = new Agent({ connections: 16 });
        const nextClient = roundRobin(keys.map((key) => openaiClient(url, key, 30_000, pool)));
        const collections = collectPeriodically(inspector, pid, collectEveryMs);
        try {
          return await fixedRate({
            name,
            ratePerSecond,
            durationMs: seconds * 1000,
            maxInFlight: ratePerSecond * 10,
            // One request in five a stream, spread evenly.
            call: (id) =>
              sent++ % 5 === 4 ? streamChat(nextClient(), 'chat', id) : chat(nextClient(), 'chat', id),
          });
        } finally {
          readings.push(...(await collections.stop()).map((reading) => ({ ...reading, phase: name })));
          await pool.close();
        }
      };
      const sampler = sampleProcess(pid);
      const warmUp = await phase('soak-warm-up', warmUpSeconds);
      const before = await held(inspector, pid);
      const soak = await phase('soak', soakSeconds - warmUpSeconds);
      const after = await held(inspector, pid);
      const samples = sampler.stop();
      inspector.close();
      const failed = [...warmUp.failed, ...soak.failed];
      const spend = await awaitSpendRows(databaseUrl, [...warmUp.succeededIds, ...soak.succeededIds]);
      const rssGrowth = after.rss / before.rss - 1;
      const underLoad = readings.filter((reading) => reading.phase === 'soak');
      // The growth the under-load readings' trend makes over the whole soak, as a share of the idle baseline.
      const rssSlopeGrowth = underLoad.length >= 2 ? (rssSlope(underLoad) * soak.seconds) / before.rss : NaN;
      const mb = (bytes: number) => bytes / 1024 / 1024;
      report('soak', {
        seconds: warmUp.seconds + soak.seconds,
        rate: ratePerSecond,
        requests: warmUp.outcomes.length + soak.outcomes.length,
        failed: failed.length,
        warm_up_s: warmUpSeconds,
        rss_after_warm_up_mb: mb(before.rss),
        rss_end_mb: mb(after.rss),
        rss_growth_pct: rssGrowth * 100,
        heap_after_warm_up_mb: mb(before.heap),
        heap_end_mb: mb(after.heap),
        external_after_warm_up_mb: mb(before.external),
        external_end_mb: mb(after.external),
        collect_every_s: collectEveryMs / 1000,
        rss_collected_under_load_mb: underLoad.map((reading) => mb(reading.rss).toFixed(1)).join(','),
        heap_collected_under_load_mb: underLoad.map((reading) => mb(reading.heap).toFixed(1)).join(','),
        rss_slope_growth_pct: rssSlopeGrowth * 100,
        rss_max_under_load_mb: mb(Math.max(...samples.map((sample) => sample.rss))),
        fds_max_under_load: Math.max(...samples.map((sample) => sample.fds)),
        fds_idle_after_warm_up: before.fds,
        fds_idle_end: after.fds,
        spend_rows_expected: spend.expected,
        spend_rows_written: spend.written,
        spend_rows_duplicated: spend.duplicated.length,
      });

      expect(failed, failureSummary(failed)).toHaveLength(0);
      expect(warmUp.outcomes.length + soak.outcomes.length).toBe(
        Math.floor(warmUpSeconds * ratePerSecond) + Math.floor((soakSeconds - warmUpSeconds) * ratePerSecond),
      );
      expect(rssGrowth).toBeLessThanOrEqual(maxRssGrowth);
      expect(underLoad.length).toBeGreaterThanOrEqual(minSlopeReadings);
      expect(rssSlopeGrowth).toBeLessThanOrEqual(maxRssGrowth);
      expect(after.fds).toBeLessThanOrEqual(before.fds + fdSlack);
      expect(spend.lost).toEqual([]);
      expect(spend.duplicated).toEqual([]);
    },
  );
});
