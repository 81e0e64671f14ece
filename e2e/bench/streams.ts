import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Target } from './contenders/contender.ts';
import type { StreamJob, StreamResult } from './stream-client.ts';

const run = promisify(execFile);

/** Runs the stream load client (stream-client.ts) as its own process pinned to `core`. */
export async function runStreams(core: number, job: StreamJob): Promise<StreamResult> {
  const { stdout } = await run(
    'taskset',
    [
      '-c',
      String(core),
      process.execPath,
      join(import.meta.dirname, 'stream-client.ts'),
      JSON.stringify(job),
    ],
    { maxBuffer: 16 * 1024 * 1024, timeout: (job.seconds + job.timeoutMs / 1000 + 60) * 1000 },
  );
  return JSON.parse(stdout) as StreamResult;
}

/** Time to first token, one stream after another for `seconds`. */
export const streamLatency = (core: number, target: Target, seconds: number) =>
  runStreams(core, { target, mode: 'sequential', seconds, streams: 0, timeoutMs: 30_000 });

/** `streams` streams open at once, each held by the upstream for about two seconds. */
export const concurrentStreams = (core: number, target: Target, streams: number) =>
  runStreams(core, { target, mode: 'concurrent', seconds: 0, streams, timeoutMs: 60_000 });
