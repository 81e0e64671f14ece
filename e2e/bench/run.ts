import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { cpus, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { startRedisServer } from '../../gateway/test-support/redis-server.ts';
import {
  contenderIds,
  isAvailable,
  targetsByPath,
  type Contender,
  type ContenderId,
  type Unavailable,
} from './contenders/contender.ts';
import { launchServer } from './contenders/launch.ts';
import { liteLLMVersion } from './contenders/litellm.ts';
import { honoNodeServer, portkeyVersion } from './contenders/portkey.ts';
import type { SharedServices } from './contenders/switchyard.ts';
import {
  concurrencyOne,
  fixedRates,
  manyStreams,
  peakMemory,
  saturation,
  streamFirstToken,
  warmUp,
  type Phase,
} from './measure.ts';
import { startNginxUpstream } from './nginx-upstream.ts';
import { coreTicks, loadCore, runCleanups, serverCore, stealPercent } from './processes.ts';
import { resultsMarkdown, writeResults, type RunContext } from './report.ts';
import type { Row } from './results.ts';
import { verify } from './verify.ts';
import { installVegeta, vegetaVersion } from './vegeta.ts';

/**
 * Switchyard against the floor (a bare fastify+undici pass-through) and against Portkey's gateway and the
 * LiteLLM proxy, all in front of the same nginx upstream. Servers under test run on core 0; nginx and every
 * load generator on core 1. Orders rotate each round and medians are reported. Results go to the console
 * and to README.md beside this file (between its markers) with a chart.
 */
const rounds = Number(process.env.BENCH_ROUNDS ?? 6);
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
// CPU per request still falls for ~15 s of load after a start (JIT tiers), for the pass-through as for the rest.
const warmUpSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 3 * seconds);
const rateSeconds = Number(process.env.BENCH_RATE_SECONDS ?? 2 * seconds);
const streams = Number(process.env.BENCH_STREAMS ?? 1000);
const latencyRounds = Math.min(3, rounds);
const rates = [100, 1000] as const;
const selected = parseContenders(process.env.BENCH_CONTENDERS);
const writeReadme = process.env.BENCH_WRITE !== '0';

function parseContenders(value: string | undefined): ContenderId[] {
  if (value === undefined || value.trim() === '') return [...contenderIds];
  const names = value.split(',').map((name) => name.trim());
  for (const name of names)
    if (!(contenderIds as readonly string[]).includes(name))
      throw new Error(`BENCH_CONTENDERS: unknown ${name}; choose from ${contenderIds.join(', ')}`);
  // The upstream itself is always measured: every "added" number is against it.
  return contenderIds.filter((id) => id === 'direct' || names.includes(id));
}

function requireTools(): void {
  for (const tool of ['nginx', 'wrk', 'taskset']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`the benchmark needs ${tool} (Debian: apt-get install -y nginx-light wrk util-linux)`);
    }
  }
}

/** A tool's version from what it prints (nginx -v and wrk -v print on stderr; wrk exits 1). */
function toolVersion(args: readonly string[], pattern: RegExp): string {
  const { stdout, stderr } = spawnSync(args[0] ?? '', args.slice(1), { encoding: 'utf8' });
  return pattern.exec(`${stdout}${stderr}`)?.[1] ?? '?';
}

function context(): RunContext {
  const cores = cpus();
  return {
    machine: `${cores[0]?.model.trim() ?? 'unknown CPU'}, ${cores.length} cores, Linux ${release()}, node ${process.version}; servers pinned to core ${serverCore}; nginx, PostgreSQL, Redis and load generators to core ${loadCore}`,
    settings: `${warmUpSeconds} s of warm-up each, then ${rounds} round${rounds === 1 ? '' : 's'} x ${seconds} s at 32 connections (saturation, CPU from /proc; CPU ratios are medians of per-round ratios), ${latencyRounds} x ${seconds} s at 1 connection, ${rates.join(' and ')} rps for ${rateSeconds} s each, streams one at a time for ${seconds} s, then ${streams} at once (opened in waves of 100 every 20 ms); medians over rounds. "master key": metrics and access log, no spend rows (disable_spend_logs); "everything on": virtual key (cached), Redis rate limits (rpm, tpm), metrics, access log, spend to PostgreSQL`,
    versions: `Portkey gateway ${portkeyVersion} (with @hono/node-server ${honoNodeServer}), LiteLLM ${liteLLMVersion} (Python ${toolVersion(['python3', '--version'], /Python (\S+)/)}), vegeta ${vegetaVersion}, wrk ${toolVersion(['wrk', '-v'], /wrk (\S+)/)}, nginx ${toolVersion(['nginx', '-v'], /nginx\/(\S+)/)}`,
    date: new Date().toISOString().slice(0, 10),
    command: [
      ...Object.entries(process.env)
        .filter(([name]) => name.startsWith('BENCH_') && name !== 'BENCH_WRITE')
        .map(([name, value]) => `${name}=${value ?? ''}`),
      'npm run bench',
    ].join(' '),
  };
}

/** Starts one contender and checks it passes the upstream's answers on; Switchyard's own failures are fatal. */
async function start(
  id: ContenderId,
  upstreamUrl: string,
  services: () => Promise<SharedServices>,
  dir: string,
): Promise<Contender | Unavailable> {
  const launch = (): Promise<Contender> => {
    if (id === 'direct')
      return Promise.resolve({
        id,
        name: 'upstream directly (nginx)',
        targets: targetsByPath(upstreamUrl),
        // nginx is the shared upstream: it stops last, with the rest of the run.
        stop: () => Promise.resolve(),
      });
    return launchServer(id, upstreamUrl, services, dir);
  };
  const external = id === 'portkey' || id === 'litellm';
  const name = id === 'portkey' ? `portkey gateway ${portkeyVersion}` : `litellm proxy ${liteLLMVersion}`;
  try {
    const contender = await launch();
    try {
      await verify(contender);
    } catch (error) {
      await contender.stop();
      throw new Error(
        `${contender.name} did not pass the upstream's answer on: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
    console.log(`${contender.name}: up and verified`);
    return contender;
  } catch (error) {
    if (!external) throw error;
    const reason = (error as Error).message;
    console.log(`${name}: unavailable: ${reason}`);
    return { id, name, unavailable: reason };
  }
}

async function main(): Promise<void> {
  requireTools();
  // PostgreSQL and Redis are the gateways' dependencies, not the server under test: they start from here and
  // inherit this process's core (the load generators' and nginx's), so the server's core runs the server only.
  execFileSync('taskset', ['-a', '-p', '-c', String(loadCore), String(process.pid)], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const { cleanups, stopAll } = runCleanups(dir);
  const entries: (Contender | Unavailable)[] = [];
  try {
    const upstream = await startNginxUpstream(loadCore);
    cleanups.push(() => upstream.close());
    let shared: SharedServices | undefined;
    const services = async (): Promise<SharedServices> => {
      if (shared !== undefined) return shared;
      const postgres = await startPostgresServer();
      cleanups.push(() => postgres.destroy());
      const redis = selected.includes('full') ? await startRedisServer() : undefined;
      if (redis !== undefined) cleanups.push(() => redis.destroy());
      shared = { postgresUrl: postgres.url, ...(redis === undefined ? {} : { redisPort: redis.port }) };
      return shared;
    };
    for (const id of selected) {
      const entry = await start(id, upstream.url, services, dir);
      entries.push(entry);
      if (isAvailable(entry)) cleanups.push(() => entry.stop());
    }
    const vegeta = await installVegeta().catch((error: unknown) => error as Error);

    const contenders = entries.filter(isAvailable);
    const rows = new Map<string, Row>(
      entries.map((entry) => [
        entry.id,
        {
          id: entry.id,
          name: entry.name,
          rates: new Map(),
          ...('unavailable' in entry ? { unavailable: entry.unavailable } : {}),
        },
      ]),
    );
    const phase: Phase = { contenders, rows };
    const info = context();
    console.log(`\nmachine: ${info.machine}\nsettings: ${info.settings}\n`);
    const step = async (what: string, run: () => Promise<void>) => {
      const began = Date.now();
      await run();
      console.log(`${what}: ${((Date.now() - began) / 1000).toFixed(0)} s`);
    };
    await step('warm-up', () => warmUp(phase, warmUpSeconds));
    await step('concurrency 1', () => concurrencyOne(phase, latencyRounds, seconds));
    const beforeSaturation = { server: coreTicks(serverCore), load: coreTicks(loadCore) };
    await step('saturation', () => saturation(phase, rounds, seconds));
    const afterSaturation = { server: coreTicks(serverCore), load: coreTicks(loadCore) };
    await step('fixed rates', () => fixedRates(phase, vegeta, rates, rateSeconds));
    await step('stream first token', () => streamFirstToken(phase, seconds));
    await step(`${streams} streams`, () => manyStreams(phase, streams));
    peakMemory(phase);

    const ordered = selected.flatMap((id) => rows.get(id) ?? []);
    // Time the hypervisor gave a core to other machines: readings under steal read the neighbours (on the
    // load core, it slows the upstream, Redis and PostgreSQL every gateway waits on).
    const server = stealPercent(beforeSaturation.server, afterSaturation.server).toFixed(1);
    const load = stealPercent(beforeSaturation.load, afterSaturation.load).toFixed(1);
    const machine = `${info.machine}; steal during the saturation rounds ${server}% on the server core, ${load}% on the load core`;
    const markdown = resultsMarkdown(ordered, { ...info, machine }, { rates, streams });
    console.log(`\n${markdown}\n`);
    if (writeReadme) {
      await writeResults(import.meta.dirname, markdown, ordered);
      console.log('results written to e2e/bench/README.md and e2e/bench/cpu-per-request.svg');
    }
  } finally {
    await stopAll();
  }
}

await main();
