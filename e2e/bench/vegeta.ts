import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchCache, command, installOnce } from './cache.ts';
import type { Target } from './contenders/contender.ts';

export const vegetaVersion = 'v12.13.0';

/** vegeta holds a fixed request rate (an open model: it does not wait for answers before the next send). */
export async function installVegeta(): Promise<string> {
  const dir = await installOnce(
    join(benchCache, `vegeta-${vegetaVersion}`),
    `github.com/tsenart/vegeta/v12@${vegetaVersion}`,
    async (into) => {
      await command('go', ['install', `github.com/tsenart/vegeta/v12@${vegetaVersion}`], {
        GOBIN: join(into, 'bin'),
      });
    },
  );
  return join(dir, 'bin', 'vegeta');
}

export interface RateResult {
  readonly rate: number;
  readonly requests: number;
  /** Share of answers with a 2xx status, 0..1. */
  readonly success: number;
  /** Latency percentiles in milliseconds. */
  readonly p50: number;
  readonly p99: number;
  readonly errors: readonly string[];
}

interface VegetaReport {
  requests: number;
  success: number;
  latencies: Record<string, number>;
  errors: string[] | null;
}

/** Sends `rate` requests a second for `seconds` from `core`, and reports their latencies. */
export async function runVegeta(
  vegeta: string,
  options: { target: Target; rate: number; seconds: number; core: number },
): Promise<RateResult> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-vegeta-'));
  try {
    const targets = join(dir, 'targets.json');
    const headers = Object.fromEntries(
      Object.entries({ 'Content-Type': 'application/json', ...options.target.headers }).map(
        ([name, value]) => [name, [value]],
      ),
    );
    writeFileSync(
      targets,
      `${JSON.stringify({
        method: 'POST',
        url: options.target.url,
        header: headers,
        body: Buffer.from(options.target.body).toString('base64'),
      })}\n`,
    );
    const results = join(dir, 'results.bin');
    await command('taskset', [
      '-c',
      String(options.core),
      vegeta,
      'attack',
      '-format=json',
      `-targets=${targets}`,
      `-rate=${options.rate}/1s`,
      `-duration=${options.seconds}s`,
      '-timeout=10s',
      `-output=${results}`,
    ]);
    const report = JSON.parse(await command(vegeta, ['report', '-type=json', results])) as VegetaReport;
    const ms = (key: string) => (report.latencies[key] ?? NaN) / 1e6;
    return {
      rate: options.rate,
      requests: report.requests,
      success: report.success,
      p50: ms('50th'),
      p99: ms('99th'),
      errors: report.errors ?? [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
