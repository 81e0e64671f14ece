import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';

/** Servers under test run on one core; the upstream and the load generators on the other. */
export const serverCore = 0;
export const loadCore = 1;

/** A free loopback port (bound then released). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  return port;
}

/**
 * Starts a command pinned to one CPU core (taskset execs it, so the pid is the command's). Its stderr is piped
 * to the caller, or with `log` both its outputs go to that file (for servers that log every request).
 */
export function spawnPinned(
  core: number,
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  options: { log?: string; cwd?: string } = {},
): ChildProcess {
  const log = options.log === undefined ? undefined : openSync(options.log, 'a');
  return spawn('taskset', ['-c', String(core), command, ...args], {
    env: { ...process.env, ...env },
    stdio: log === undefined ? ['ignore', 'ignore', 'pipe'] : ['ignore', log, log],
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
}

/**
 * Starts a server on the server core and waits until `readyUrl` answers; rejects (and stops it) if it exits
 * or does not answer in time, with the end of its log when it has one.
 */
export async function startServer(options: {
  name: string;
  command: string;
  args: readonly string[];
  readyUrl: string;
  env?: NodeJS.ProcessEnv;
  log?: string;
  cwd?: string;
  timeoutMs?: number;
}): Promise<ChildProcess> {
  const child = spawnPinned(serverCore, options.command, options.args, options.env, {
    ...(options.log === undefined ? {} : { log: options.log }),
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(`[${options.name}] ${chunk.toString()}`));
  const exited = new Promise<never>((_, reject) => {
    child.once('exit', (code, signal) => {
      reject(
        new Error(
          `${options.name} exited (${signal ?? `code ${code}`}) before it was ready${logTail(options.log)}`,
        ),
      );
    });
  });
  // Stopping it later rejects this too; only the race below listens.
  exited.catch(() => undefined);
  const giveUp = new AbortController();
  const ready = waitForHttp(options.readyUrl, options.timeoutMs, giveUp.signal);
  ready.catch(() => undefined);
  try {
    await Promise.race([ready, exited]);
  } catch (error) {
    giveUp.abort();
    await stop(child);
    throw error;
  }
  return child;
}

function logTail(log: string | undefined): string {
  if (log === undefined) return '';
  try {
    const lines = readFileSync(log, 'utf8').trim().split('\n').slice(-3);
    return `: ${lines.join(' | ')}`;
  } catch {
    return '';
  }
}

/** Waits until `url` answers (any status); gives up early when `signal` aborts. */
export async function waitForHttp(url: string, timeoutMs = 15_000, signal?: AbortSignal): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await fetch(url, { signal: AbortSignal.timeout(5_000) });
      return;
    } catch {
      if (signal?.aborted === true) throw new Error(`stopped waiting for ${url}`);
      if (Date.now() > deadline) throw new Error(`${url} did not come up in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

const ticksPerSecond = 100;

/** User + system CPU time of a process so far, in milliseconds (from /proc/<pid>/stat). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / ticksPerSecond;
}

/** The process and all its descendants alive now (a server may fork workers or helpers). */
export function processTree(pid: number): number[] {
  const children: number[] = [];
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) {
      const listed = readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim();
      if (listed !== '') children.push(...listed.split(' ').map(Number));
    }
  } catch {
    // It exited meanwhile.
  }
  return [pid, ...children.flatMap(processTree)];
}

/** CPU time of a process tree so far, in milliseconds. */
export function treeCpuMs(pid: number): number {
  return processTree(pid).reduce((sum, member) => sum + cpuMsOrZero(member), 0);
}

function cpuMsOrZero(pid: number): number {
  try {
    return cpuMs(pid);
  } catch {
    return 0;
  }
}

/** Peak resident memory of a process tree (the sum of each member's VmHWM), in KiB. */
export function peakRssKb(pid: number): number {
  return processTree(pid).reduce((sum, member) => {
    try {
      const status = readFileSync(`/proc/${member}/status`, 'utf8');
      return sum + Number(/^VmHWM:\s+(\d+) kB/m.exec(status)?.[1] ?? 0);
    } catch {
      return sum;
    }
  }, 0);
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** Clock ticks of one core since boot: stolen by the hypervisor (runnable but not run), and all of them. */
export interface CoreTicks {
  readonly steal: number;
  readonly total: number;
}

/**
 * One core's counters from /proc/stat. On a shared VM a reading taken while steal is high is a reading of
 * the neighbours.
 */
export function coreTicks(core: number): CoreTicks {
  const line = readFileSync('/proc/stat', 'utf8')
    .split('\n')
    .find((entry) => entry.startsWith(`cpu${core} `));
  const fields = (line ?? '').trim().split(/\s+/).slice(1).map(Number);
  return { steal: fields[7] ?? 0, total: fields.reduce((sum, value) => sum + value, 0) };
}

/** The share of a window (between two `coreTicks` readings) stolen from the core, in percent. */
export function stealPercent(before: CoreTicks, after: CoreTicks): number {
  return (100 * (after.steal - before.steal)) / Math.max(1, after.total - before.total);
}

/**
 * What a run starts, stopped in reverse order by `stopAll` (then `dir` is removed), also when the run is
 * interrupted (Ctrl-C, a timeout), so no server is left running.
 */
export function runCleanups(dir: string): {
  cleanups: (() => Promise<void>)[];
  stopAll: () => Promise<void>;
} {
  const cleanups: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.splice(0).reverse())
      await cleanup().catch((error: unknown) => {
        console.error(error);
      });
    rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      console.error(`${signal}: stopping the servers`);
      void stopAll().finally(() => process.exit(130));
    });
  return { cleanups, stopAll };
}
