import type { Contender } from './contenders/contender.ts';
import { loadCore, peakRssKb, treeCpuMs } from './processes.ts';
import type { Row } from './results.ts';
import { median } from './stats.ts';
import { concurrentStreams, streamLatency } from './streams.ts';
import { runVegeta } from './vegeta.ts';
import { runWrk } from './wrk.ts';

/**
 * The phases of a run. Each takes the contenders that are up and fills their rows; servers are on the server
 * core, every load generator on the load core, one contender loaded at a time.
 */
export interface Phase {
  readonly contenders: readonly Contender[];
  readonly rows: ReadonlyMap<string, Row>;
}

const rowOf = (phase: Phase, contender: Contender): Row => {
  const row = phase.rows.get(contender.id);
  if (row === undefined) throw new Error(`no row for ${contender.id}`);
  return row;
};

const wrk = (contender: Contender, connections: number, seconds: number) =>
  runWrk({
    url: contender.targets.json.url,
    headers: contender.targets.json.headers,
    body: contender.targets.json.body,
    core: loadCore,
    connections,
    seconds,
  });

/** JIT, caches and pools warm before anything counts. */
export async function warmUp(phase: Phase, seconds: number): Promise<void> {
  for (const contender of phase.contenders) await wrk(contender, 32, seconds);
}

/** wrk at one connection: the latency a lone client sees, median of each percentile over `rounds`. */
export async function concurrencyOne(phase: Phase, rounds: number, seconds: number): Promise<void> {
  const samples = new Map<string, { p50: number[]; p99: number[] }>();
  for (let round = 0; round < rounds; round++) {
    for (const contender of rotate(phase.contenders, round)) {
      const result = await wrk(contender, 1, seconds);
      const entry = samples.get(contender.id) ?? { p50: [], p99: [] };
      entry.p50.push(result.p50);
      entry.p99.push(result.p99);
      samples.set(contender.id, entry);
    }
  }
  for (const contender of phase.contenders) {
    const entry = samples.get(contender.id);
    rowOf(phase, contender).c1 = { p50: median(entry?.p50 ?? []), p99: median(entry?.p99 ?? []) };
  }
}

/** wrk at 32 connections: CPU time of the server's process tree per request, and requests per second. */
export async function saturation(phase: Phase, rounds: number, seconds: number): Promise<void> {
  const samples = new Map<string, { cpu: number[]; rps: number[]; errors: number }>();
  for (let round = 0; round < rounds; round++) {
    for (const contender of rotate(phase.contenders, round)) {
      const pid = contender.pid;
      const before = pid === undefined ? 0 : treeCpuMs(pid);
      const load = await wrk(contender, 32, seconds);
      const after = pid === undefined ? 0 : treeCpuMs(pid);
      const entry = samples.get(contender.id) ?? { cpu: [], rps: [], errors: 0 };
      if (pid !== undefined) entry.cpu.push(((after - before) * 1000) / load.requests);
      entry.rps.push(load.requestsPerSecond);
      entry.errors += load.non2xx + load.socketErrors;
      samples.set(contender.id, entry);
    }
  }
  for (const contender of phase.contenders) {
    const entry = samples.get(contender.id);
    const row = rowOf(phase, contender);
    if (contender.pid !== undefined) {
      row.cpuUs = median(entry?.cpu ?? []);
      row.cpuByRound = entry?.cpu ?? [];
    }
    row.rps = median(entry?.rps ?? []);
    row.loadErrors = entry?.errors ?? 0;
  }
}

/**
 * vegeta at fixed rates. A rate above 90% of what the contender reached at saturation is not run: the queue
 * would only grow for the whole run, and the latency reported would be the run's length.
 */
export async function fixedRates(
  phase: Phase,
  vegeta: string | Error,
  rates: readonly number[],
  seconds: number,
): Promise<void> {
  for (const rate of rates) {
    for (const contender of phase.contenders) {
      const row = rowOf(phase, contender);
      if (vegeta instanceof Error) {
        row.rates.set(rate, `unavailable: ${vegeta.message}`);
        continue;
      }
      if (row.rps !== undefined && rate > 0.9 * row.rps) {
        row.rates.set(rate, `over capacity (${row.rps.toFixed(0)} rps at saturation)`);
        continue;
      }
      row.rates.set(
        rate,
        await runVegeta(vegeta, { target: contender.targets.json, rate, seconds, core: loadCore }),
      );
    }
  }
}

/** Time to first token of the canned stream, sent at once by the upstream: what the gateway adds. */
export async function streamFirstToken(phase: Phase, seconds: number): Promise<void> {
  for (const contender of phase.contenders)
    rowOf(phase, contender).ttft = await streamLatency(loadCore, contender.targets.stream, seconds);
}

/** Many streams open at once, each held about two seconds by the upstream. */
export async function manyStreams(phase: Phase, streams: number): Promise<void> {
  for (const contender of phase.contenders)
    rowOf(phase, contender).held = await concurrentStreams(loadCore, contender.targets.held, streams);
}

/** The high-water mark of resident memory over the whole run (VmHWM), after every phase. */
export function peakMemory(phase: Phase): void {
  for (const contender of phase.contenders)
    if (contender.pid !== undefined) rowOf(phase, contender).peakRssMiB = peakRssKb(contender.pid) / 1024;
}

/** Each round in another order, so no contender always runs first or last. */
function rotate<T>(items: readonly T[], round: number): T[] {
  const shift = items.length === 0 ? 0 : round % items.length;
  return [...items.slice(shift), ...items.slice(0, shift)];
}
