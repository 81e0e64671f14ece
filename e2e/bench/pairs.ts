import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startPostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { startRedisServer } from '../../gateway/test-support/redis-server.ts';
import type { Contender, ContenderId } from './contenders/contender.ts';
import { launchServer } from './contenders/launch.ts';
import { startPassthrough } from './contenders/passthrough.ts';
import { isSwitchyardVariant, startSwitchyard, type SwitchyardVariant } from './contenders/switchyard.ts';
import { startNginxUpstream } from './nginx-upstream.ts';
import { coreTicks, loadCore, runCleanups, serverCore, stealPercent, treeCpuMs } from './processes.ts';
import { format, median } from './stats.ts';
import { verify } from './verify.ts';
import { runWrk } from './wrk.ts';

/**
 * CPU per request only, in alternated pairs: the pass-through against one Switchyard variant of this tree
 * and, with `BENCH_BASE_TREE`, the same variant from another checkout (to tell whether a change moved it) or,
 * with `BENCH_BASE_NODE_OPTIONS`, from this tree (or that checkout) under other node flags.
 * Every reading is a saturation run (wrk, 32 connections); each round measures all of them within seconds
 * of each other, in a rotating order, and the ratios reported are medians of per-round ratios: a single
 * reading moves ±20% on a shared machine, a median of such pairs a few percent.
 * `BENCH_IDLE` (a comma list of virtual, full, portkey, litellm) starts those contenders beside them on the
 * server core and never loads them, as the full bench keeps every contender up: whether idle neighbours
 * move the readings.
 *
 *   BENCH_VARIANT=master BENCH_PAIRS=8 BENCH_SECONDS=4 BENCH_BASE_TREE=/path/to/checkout npm run bench:pairs
 */
const pairs = Number(process.env.BENCH_PAIRS ?? 8);
const seconds = Number(process.env.BENCH_SECONDS ?? 4);
const warmUpSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 3 * seconds);
const variant = switchyardVariant(process.env.BENCH_VARIANT ?? 'master');

function switchyardVariant(name: string): SwitchyardVariant {
  if (isSwitchyardVariant(name as ContenderId)) return name as SwitchyardVariant;
  throw new Error(`BENCH_VARIANT: ${name} is not one of Switchyard's (master, virtual, full)`);
}
const idleable = ['virtual', 'full', 'portkey', 'litellm'] as const;
const idle = idleContenders(process.env.BENCH_IDLE);

function idleContenders(value: string | undefined): (typeof idleable)[number][] {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  return names.map((name) => {
    const id = idleable.find((candidate) => candidate === name && candidate !== variant);
    if (id === undefined)
      throw new Error(`BENCH_IDLE: ${name} is not one of ${idleable.join(', ')} (other than ${variant})`);
    return id;
  });
}
const baseNodeOptions = process.env.BENCH_BASE_NODE_OPTIONS;
const baseTree = process.env.BENCH_BASE_TREE ?? (baseNodeOptions === undefined ? undefined : '.');

const saturate = (contender: Contender, forSeconds: number) =>
  runWrk({
    url: contender.targets.json.url,
    headers: contender.targets.json.headers,
    body: contender.targets.json.body,
    core: loadCore,
    connections: 32,
    seconds: forSeconds,
  });

/** One saturation reading: the server's CPU time per request answered (µs), and the server core's steal (%). */
async function reading(contender: Contender): Promise<{ cpuUs: number; stolen: number }> {
  const pid = contender.pid ?? 0;
  const before = treeCpuMs(pid);
  const ticksBefore = coreTicks(serverCore);
  const load = await saturate(contender, seconds);
  if (load.non2xx + load.socketErrors > 0) throw new Error(`${contender.name}: failed requests under load`);
  const cpuUs = ((treeCpuMs(pid) - before) * 1000) / load.requests;
  return { cpuUs, stolen: stealPercent(ticksBefore, coreTicks(serverCore)) };
}

async function main(): Promise<void> {
  // As in run.ts: the gateways' dependencies and the load share the load core; the server core runs the server.
  execFileSync('taskset', ['-a', '-p', '-c', String(loadCore), String(process.pid)], { stdio: 'ignore' });
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-pairs-'));
  const { cleanups, stopAll } = runCleanups(dir);
  try {
    const upstream = await startNginxUpstream(loadCore);
    cleanups.push(() => upstream.close());
    const postgres = await startPostgresServer();
    cleanups.push(() => postgres.destroy());
    const redis = variant === 'full' || idle.includes('full') ? await startRedisServer() : undefined;
    if (redis !== undefined) cleanups.push(() => redis.destroy());
    const services = { postgresUrl: postgres.url, ...(redis === undefined ? {} : { redisPort: redis.port }) };
    const contenders: Contender[] = [];
    // Each is stopped at the end even when a later one fails to start.
    const started = (contender: Contender) => {
      contenders.push(contender);
      cleanups.push(() => contender.stop());
    };
    started(await startPassthrough(upstream.url));
    started(await startSwitchyard(variant, upstream.url, services, dir));
    if (baseTree !== undefined)
      started(
        await startSwitchyard(variant, upstream.url, services, dir, {
          root: resolve(baseTree),
          tag: 'base',
          ...(baseNodeOptions === undefined ? {} : { nodeOptions: baseNodeOptions }),
        }),
      );
    for (const contender of contenders) await verify(contender);
    for (const id of idle) {
      const neighbour = await launchServer(id, upstream.url, () => Promise.resolve(services), dir);
      cleanups.push(() => neighbour.stop());
      await verify(neighbour);
      console.log(`${neighbour.name}: up, left idle`);
    }
    // CPU per request falls for ~15 s after a start while the JIT warms up.
    for (const contender of contenders) await saturate(contender, warmUpSeconds);
    const readings = contenders.map(() => [] as number[]);
    const steal = contenders.map(() => [] as number[]);
    for (let round = 0; round < pairs; round++) {
      // Each round starts one further along, so no contender is always measured first.
      const shift = round % contenders.length;
      const entries = [...contenders.entries()];
      for (const [index, contender] of [...entries.slice(shift), ...entries.slice(0, shift)]) {
        const { cpuUs, stolen } = await reading(contender);
        readings[index]?.push(cpuUs);
        steal[index]?.push(stolen);
      }
      const line = contenders.map(
        (contender, index) =>
          `${contender.name} ${format(readings[index]?.[round], 1)} (steal ${format(steal[index]?.[round], 1)}%)`,
      );
      console.log(`round ${round + 1} (µs/request): ${line.join(', ')}`);
    }
    /** The median over rounds of a's reading over b's in the same round. */
    const ratio = (a: number, b: number) =>
      format(median((readings[a] ?? []).map((value, round) => value / (readings[b]?.[round] ?? NaN))), 3);
    console.log(
      `\nCPU µs/request over ${pairs} rounds of ${seconds} s: median (range), ratios of each round's pair`,
    );
    contenders.forEach((contender, index) => {
      const values = readings[index] ?? [];
      const range = `${format(Math.min(...values), 1)}-${format(Math.max(...values), 1)}`;
      const against = index === 0 ? '' : `; x${ratio(index, 0)} of the pass-through`;
      console.log(`${contender.name}: ${format(median(values), 1)} (${range})${against}`);
    });
    if (contenders.length === 3) console.log(`this tree against the base tree: x${ratio(1, 2)}`);
  } finally {
    await stopAll();
  }
}

await main();
