import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { freePort } from '../../e2e/bench/processes.ts';

/** Where Debian's postgresql-15 package puts the server; `.ci/run` installs it when missing. */
export const postgresBin = process.env.POSTGRES_BIN ?? '/usr/lib/postgresql/15/bin';

export function postgresInstalled(): boolean {
  return existsSync(join(postgresBin, 'initdb')) && existsSync(join(postgresBin, 'postgres'));
}

/** A throwaway PostgreSQL server: its own data folder, loopback port and trust auth. */
export interface PostgresServer {
  /** URL of the `postgres` database, as the superuser. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (fast shutdown); the data folder stays, so `start()` brings the same data back. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes the data folder. */
  destroy(): Promise<void>;
}

/** Postgres refuses to run as root: run the binaries as the `postgres` user when we are root. */
function asServerUser(command: string, args: readonly string[]): [string, string[]] {
  if (process.getuid?.() !== 0) return [command, [...args]];
  return ['setpriv', ['--reuid=postgres', '--regid=postgres', '--init-groups', '--', command, ...args]];
}

export async function startPostgresServer(): Promise<PostgresServer> {
  const root = mkdtempSync(join(tmpdir(), 'switchyard-pg-'));
  if (process.getuid?.() === 0) chownSync(root, userId('postgres'), groupId('postgres'));
  const dataDir = join(root, 'data');
  const [initCommand, initArgs] = asServerUser(join(postgresBin, 'initdb'), [
    '-D',
    dataDir,
    '-A',
    'trust',
    '-U',
    'postgres',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const init = spawnSync(initCommand, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr}`);
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  let log = '';

  const start = async () => {
    const [command, args] = asServerUser(join(postgresBin, 'postgres'), [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      root,
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=400',
    ]);
    const started = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    started.stderr.on('data', (chunk: Buffer) => (log = (log + chunk.toString()).slice(-4000)));
    child = started;
    await waitUntilAccepting(url, started, () => log);
  };
  const stop = async () => {
    const running = child;
    child = undefined;
    // Already gone (exited, or killed by a signal): there is no exit left to wait for.
    if (running?.exitCode !== null || running.signalCode !== null) return;
    const exited = once(running, 'exit');
    running.kill('SIGINT'); // fast shutdown: open sessions are ended, data is kept
    await exited;
  };
  await start();
  return {
    url,
    port,
    stop,
    start,
    async destroy() {
      await stop();
      rmSync(root, { recursive: true, force: true });
    },
  };
}

async function waitUntilAccepting(url: string, child: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`postgres exited with ${child.exitCode}: ${log()}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`postgres did not start: ${log()}`);
      await sleep(50);
    }
  }
}

function userId(name: string): number {
  return Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
}

function groupId(name: string): number {
  return Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
}
