import type { ContenderId } from './contenders/contender.ts';
import type { StreamResult } from './stream-client.ts';
import { format, median } from './stats.ts';
import type { RateResult } from './vegeta.ts';

/** What the run learned about one contender; a field is missing where it was not measured. */
export interface Row {
  readonly id: ContenderId;
  readonly name: string;
  unavailable?: string;
  /** Saturation (32 connections): medians over rounds. */
  cpuUs?: number;
  /** CPU per request of each saturation round, by round: ratios are taken round by round (paired). */
  cpuByRound?: readonly number[];
  rps?: number;
  /** Non-2xx answers and socket errors over all saturation rounds. */
  loadErrors?: number;
  /** Concurrency 1, milliseconds: medians over rounds. */
  c1?: { p50: number; p99: number };
  /** Fixed rates (vegeta), by rate; a string says why a rate was not run. */
  rates: Map<number, RateResult | string>;
  /** One stream after another. */
  ttft?: StreamResult;
  /** Many streams at once. */
  held?: StreamResult;
  peakRssMiB?: number;
}

export interface Check {
  readonly what: string;
  readonly value: string;
  readonly aim: string;
  /** Undefined when a side was not measured. */
  readonly pass?: boolean;
}

/** The targets of issue #9, from the rows measured. */
export function checks(rows: readonly Row[]): Check[] {
  const row = (id: ContenderId) =>
    rows.find((candidate) => candidate.id === id && candidate.unavailable === undefined);
  const base = row('passthrough');
  // The machine's speed drifts by a third within minutes: two contenders are compared within each round, and
  // the median of those per-round ratios is reported (the "median of alternated pairs").
  const ratio = (a: Row | undefined, b: Row | undefined) => pairedRatio(a?.cpuByRound, b?.cpuByRound);
  const minus = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a - b;
  const result = (what: string, value: number | undefined, aim: number, unit: 'x' | 'ms'): Check => ({
    what,
    value: value === undefined ? 'n/a' : unit === 'x' ? `x${format(value)}` : `${format(value, 3)} ms`,
    aim: unit === 'x' ? `<= x${aim}` : `<= ${aim} ms`,
    ...(value === undefined || !Number.isFinite(value) ? {} : { pass: value <= aim }),
  });
  const master = row('master');
  const full = row('full');
  return [
    result('master key CPU/request vs pass-through', ratio(master, base), 1.15, 'x'),
    result('everything on CPU/request vs pass-through', ratio(full, base), 1.25, 'x'),
    result('everything on CPU/request vs Portkey', ratio(full, row('portkey')), 0.1, 'x'),
    result('everything on CPU/request vs LiteLLM', ratio(full, row('litellm')), 0.05, 'x'),
    result('Redis limits on vs off (virtual key both)', ratio(full, row('virtual')), 1.12, 'x'),
    result(
      'master key p50 added at concurrency 1 vs pass-through',
      minus(master?.c1?.p50, base?.c1?.p50),
      0.15,
      'ms',
    ),
    result(
      'everything on p50 added at concurrency 1 vs pass-through',
      minus(full?.c1?.p50, base?.c1?.p50),
      0.4,
      'ms',
    ),
    result(
      'master key p99 added at concurrency 1 vs pass-through',
      minus(master?.c1?.p99, base?.c1?.p99),
      1,
      'ms',
    ),
    result(
      'everything on p99 added at concurrency 1 vs pass-through',
      minus(full?.c1?.p99, base?.c1?.p99),
      1,
      'ms',
    ),
  ];
}

/** The median over rounds of a[round] / b[round], for the rounds that measured both. */
export function pairedRatio(
  a: readonly number[] | undefined,
  b: readonly number[] | undefined,
): number | undefined {
  if (a === undefined || b === undefined) return undefined;
  const ratios = a.flatMap((value, round) => {
    const other = b[round];
    return other === undefined || other <= 0 ? [] : [value / other];
  });
  return ratios.length === 0 ? undefined : median(ratios);
}
