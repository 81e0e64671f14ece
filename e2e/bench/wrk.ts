import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LoadResult {
  readonly requests: number;
  readonly requestsPerSecond: number;
  readonly non2xx: number;
  /** Connect, read, write errors and timeouts. */
  readonly socketErrors: number;
  /** Latency percentiles in milliseconds. */
  readonly p50: number;
  readonly p99: number;
}

function scriptFor(body: string, headers: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-bench-wrk-'));
  const file = join(dir, 'post.lua');
  const lines = [
    'wrk.method = "POST"',
    `wrk.body = ${JSON.stringify(body)}`,
    'wrk.headers["Content-Type"] = "application/json"',
    ...Object.entries(headers).map(
      ([name, value]) => `wrk.headers[${JSON.stringify(name)}] = ${JSON.stringify(value)}`,
    ),
  ];
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** Runs wrk pinned to `core` and parses what it prints. */
export async function runWrk(options: {
  url: string;
  core: number;
  connections: number;
  seconds: number;
  body: string;
  headers?: Record<string, string>;
}): Promise<LoadResult> {
  const script = scriptFor(options.body, options.headers ?? {});
  try {
    const { stdout } = await run('taskset', [
      '-c',
      String(options.core),
      'wrk',
      '-t1',
      `-c${options.connections}`,
      `-d${options.seconds}s`,
      '--latency',
      '-s',
      script,
      options.url,
    ]);
    return parseWrk(stdout);
  } finally {
    rmSync(dirname(script), { recursive: true, force: true });
  }
}

export function parseWrk(output: string): LoadResult {
  const number = (pattern: RegExp) => Number(pattern.exec(output)?.[1] ?? NaN);
  return {
    requests: number(/(\d+) requests in/),
    requestsPerSecond: number(/Requests\/sec:\s+([\d.]+)/),
    non2xx: Number(/Non-2xx or 3xx responses: (\d+)/.exec(output)?.[1] ?? 0),
    socketErrors: (/Socket errors: (.*)/.exec(output)?.[1] ?? '')
      .split(',')
      .reduce((sum, part) => sum + Number(/\d+/.exec(part)?.[0] ?? 0), 0),
    p50: percentile(output, '50%'),
    p99: percentile(output, '99%'),
  };
}

function percentile(output: string, label: string): number {
  const match = new RegExp(`${label}\\s+([\\d.]+)(us|ms|s)`).exec(output);
  if (match === null) return NaN;
  const value = Number(match[1]);
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value;
}
