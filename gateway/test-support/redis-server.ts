import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../e2e/bench/processes.ts';

/** Where Debian's redis-server package puts the server; `.ci/run` installs it when missing. */
export const redisServerBin = process.env.REDIS_SERVER_BIN ?? '/usr/bin/redis-server';

/**
 * Whether the Redis tests can run. In CI a missing server is a failure (the tests must not pass by skipping);
 * elsewhere they skip with a loud notice.
 */
export function redisServerAvailable(): boolean {
  if (existsSync(redisServerBin)) return true;
  if (process.env.CI === 'true')
    throw new Error(`redis-server not found at ${redisServerBin}: CI must install redis-server`);
  process.stderr.write(
    `\n*** redis-server not found at ${redisServerBin}: the Redis tests are SKIPPED. ***\n` +
      '*** Install redis-server (or set REDIS_SERVER_BIN) to run them.              ***\n\n',
  );
  return false;
}

/** A throwaway Redis: loopback port, temp folder, no persistence. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** Stops the server (its data goes with it: nothing is persisted). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Freezes the process (SIGSTOP): connections stay open and nothing answers, as a hung Redis does. */
  pause(): void;
  resume(): void;
  destroy(): Promise<void>;
}

export async function startRedisServer(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-redis-'));
  const port = await freePort();
  let child: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    const started = spawn(
      redisServerBin,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'no',
        '--daemonize',
        'no',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const keep = (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000));
    started.stdout.on('data', keep);
    started.stderr.on('data', keep);
    child = started;
    await waitUntilAccepting(port, started, () => log);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    if (running === undefined) return;
    if (running.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGCONT');
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
    async destroy() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAccepting(port: number, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}: ${log()}`);
    if (await answersPing(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not start: ${log()}`);
    await sleep(20);
  }
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => {
      done(false);
    });
    socket.once('error', () => {
      done(false);
    });
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      done(data.toString().startsWith('+PONG'));
    });
  });
}
