import { setTimeout as sleep } from 'node:timers/promises';

/** One request of a load run, as the client saw it. */
export interface Outcome {
  readonly id: string;
  readonly ok: boolean;
  /** From sending to the last byte (or the error). */
  readonly ms: number;
  /** When it ended (performance.now()). */
  readonly endedAt: number;
  /** Who answered (the upstream model id) on success. */
  readonly servedBy?: string;
  readonly error?: string;
}

export interface LoadResult {
  readonly outcomes: readonly Outcome[];
  readonly failed: readonly Outcome[];
  /** Request ids of the successful requests: each must leave one spend row. */
  readonly succeededIds: readonly string[];
  readonly seconds: number;
}

/** Sends one request with this id; resolves with who served it, rejects when the client saw an error. */
export type Call = (id: string) => Promise<string>;

async function measure(id: string, call: Call): Promise<Outcome> {
  const started = performance.now();
  try {
    const servedBy = await call(id);
    const endedAt = performance.now();
    return { id, ok: true, ms: endedAt - started, endedAt, servedBy };
  } catch (error) {
    const endedAt = performance.now();
    return { id, ok: false, ms: endedAt - started, endedAt, error: describe(error) };
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const status = (error as { status?: unknown }).status;
  return `${typeof status === 'number' ? `${status} ` : ''}${error.message}`.slice(0, 300);
}

function resultOf(outcomes: Outcome[], startedAt: number): LoadResult {
  return {
    outcomes,
    failed: outcomes.filter((outcome) => !outcome.ok),
    succeededIds: outcomes.filter((outcome) => outcome.ok).map((outcome) => outcome.id),
    seconds: (performance.now() - startedAt) / 1000,
  };
}

/**
 * `concurrency` clients, each sending its next request as soon as the last one ended, for `durationMs` or until
 * `stop` is aborted.
 */
export async function closedLoop(options: {
  readonly name: string;
  readonly concurrency: number;
  readonly durationMs: number;
  readonly call: Call;
  readonly stop?: AbortSignal;
}): Promise<LoadResult> {
  const startedAt = performance.now();
  const deadline = startedAt + options.durationMs;
  const outcomes: Outcome[] = [];
  let next = 0;
  const going = () => performance.now() < deadline && options.stop?.aborted !== true;
  const client = async () => {
    while (going()) outcomes.push(await measure(`${options.name}-${next++}`, options.call));
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return resultOf(outcomes, startedAt);
}

/** `count` requests at once (e.g. streams held open together); resolves when all have ended. */
export async function burst(options: {
  readonly name: string;
  readonly count: number;
  readonly call: Call;
}): Promise<LoadResult> {
  const startedAt = performance.now();
  const outcomes = await Promise.all(
    Array.from({ length: options.count }, (_, index) => measure(`${options.name}-${index}`, options.call)),
  );
  return resultOf(outcomes, startedAt);
}

/**
 * An open loop: a new request every 1/rate seconds for `durationMs`, whatever the answers take (at most
 * `maxInFlight` at once; a request that would exceed it counts as failed, since the gateway fell behind).
 */
export async function fixedRate(options: {
  readonly name: string;
  readonly ratePerSecond: number;
  readonly durationMs: number;
  readonly maxInFlight: number;
  readonly call: Call;
}): Promise<LoadResult> {
  const startedAt = performance.now();
  const intervalMs = 1000 / options.ratePerSecond;
  const total = Math.floor((options.durationMs / 1000) * options.ratePerSecond);
  const pending = new Set<Promise<void>>();
  const outcomes: Outcome[] = [];
  for (let index = 0; index < total; index++) {
    const id = `${options.name}-${index}`;
    if (pending.size >= options.maxInFlight) {
      outcomes.push({
        id,
        ok: false,
        ms: 0,
        endedAt: performance.now(),
        error: `not sent: ${pending.size} requests still in flight`,
      });
    } else {
      const request: Promise<void> = measure(id, options.call).then((outcome) => {
        outcomes.push(outcome);
        pending.delete(request);
      });
      pending.add(request);
    }
    const wait = startedAt + (index + 1) * intervalMs - performance.now();
    if (wait > 0) await sleep(wait);
  }
  await Promise.all(pending);
  return resultOf(outcomes, startedAt);
}

/** The distinct errors of a run with their counts, most frequent first (for the report and assertion text). */
export function failureSummary(failed: readonly Outcome[], limit = 5): string {
  const counts = new Map<string, number>();
  for (const outcome of failed) counts.set(outcome.error ?? '?', (counts.get(outcome.error ?? '?') ?? 0) + 1);
  return [...counts]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([error, count]) => `${count} x ${error}`)
    .join('; ');
}

/** Takes the items in turn, forever: spreads requests over several keys or clients. */
export function roundRobin<T>(items: readonly T[]): () => T {
  if (items.length === 0) throw new Error('roundRobin needs at least one item');
  let next = 0;
  return () => items[next++ % items.length] as T;
}
