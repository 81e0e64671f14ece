import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { Target } from './contenders/contender.ts';
import { percentile } from './stats.ts';

/**
 * The load client for streams, run as its own process on the load core (see streams.ts). Its one argument is
 * a JSON job; it prints one JSON result. Time to first token is from sending the request to the first body
 * read holding a `data:` frame; a stream counts as complete when it ends with `data: [DONE]`.
 */
export interface StreamJob {
  readonly target: Target;
  /** `sequential`: one stream after another for `seconds`; `concurrent`: `streams` at once. */
  readonly mode: 'sequential' | 'concurrent';
  readonly seconds: number;
  readonly streams: number;
  readonly timeoutMs: number;
}

export interface StreamResult {
  readonly streams: number;
  readonly completed: number;
  readonly errors: number;
  readonly errorSamples: readonly string[];
  /** Time to first token, milliseconds. */
  readonly ttftP50: number;
  readonly ttftP99: number;
  /** Whole stream, milliseconds. */
  readonly durationP50: number;
  /** Most streams open at one time. */
  readonly peakOpen: number;
  readonly wallMs: number;
}

interface One {
  start: number;
  end: number;
  ttft?: number;
  duration?: number;
  error?: string;
}

/** Streams are opened in waves, so listen backlogs (511 in Node and nginx) do not drop connects. */
const wave = { size: 100, everyMs: 20 };

async function oneStream(pool: Pool, target: Target, path: string, timeoutMs: number): Promise<One> {
  const start = performance.now();
  const result = await measure(pool, target, path, timeoutMs, start);
  return { start, end: performance.now(), ...result };
}

async function measure(
  pool: Pool,
  target: Target,
  path: string,
  timeoutMs: number,
  start: number,
): Promise<Omit<One, 'start' | 'end'>> {
  let ttft: number | undefined;
  try {
    const response = await pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...target.headers },
      body: target.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    let text = '';
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      text += chunk.toString('utf8');
      if (ttft === undefined && text.includes('data:')) ttft = performance.now() - start;
    }
    const duration = performance.now() - start;
    if (response.statusCode !== 200) return { error: `status ${response.statusCode}: ${text.slice(0, 200)}` };
    if (!text.trimEnd().endsWith('data: [DONE]')) return { error: `incomplete: ...${text.slice(-120)}` };
    return ttft === undefined ? { error: 'no data frame' } : { ttft, duration };
  } catch (error) {
    return { error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

async function run(job: StreamJob): Promise<StreamResult> {
  const url = new URL(job.target.url);
  const connections = job.mode === 'concurrent' ? job.streams : 1;
  const pool = new Pool(url.origin, { connections, pipelining: 1 });
  const path = url.pathname + url.search;
  const start = performance.now();
  const results: One[] = [];
  if (job.mode === 'sequential') {
    const until = start + job.seconds * 1000;
    while (performance.now() < until) results.push(await oneStream(pool, job.target, path, job.timeoutMs));
  } else {
    const all: Promise<One>[] = [];
    for (let opened = 0; opened < job.streams; opened += wave.size) {
      if (opened > 0) await new Promise((resolve) => setTimeout(resolve, wave.everyMs));
      const count = Math.min(wave.size, job.streams - opened);
      for (let i = 0; i < count; i++) all.push(oneStream(pool, job.target, path, job.timeoutMs));
    }
    results.push(...(await Promise.all(all)));
  }
  const wallMs = performance.now() - start;
  await pool.close();
  const ok = results.filter((result) => result.error === undefined);
  const ttfts = ok.map((result) => result.ttft ?? NaN);
  const errors = results.flatMap((result) => (result.error === undefined ? [] : [result.error]));
  return {
    streams: results.length,
    completed: ok.length,
    errors: errors.length,
    errorSamples: [...new Set(errors)].slice(0, 3),
    ttftP50: percentile(ttfts, 50),
    ttftP99: percentile(ttfts, 99),
    durationP50: percentile(
      ok.map((result) => result.duration ?? NaN),
      50,
    ),
    peakOpen: peakOpen(results),
    wallMs,
  };
}

function peakOpen(results: readonly One[]): number {
  const events = results.flatMap((result) => [
    { at: result.start, step: 1 },
    { at: result.end, step: -1 },
  ]);
  events.sort((a, b) => a.at - b.at || a.step - b.step);
  let open = 0;
  let peak = 0;
  for (const { step } of events) {
    open += step;
    peak = Math.max(peak, open);
  }
  return peak;
}

const job = JSON.parse(process.argv[2] ?? '{}') as StreamJob;
process.stdout.write(`${JSON.stringify(await run(job))}\n`);
