import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import {
  postgresBin,
  postgresInstalled,
  type PostgresServer,
} from '../../gateway/test-support/postgres-server.ts';
import { redisServerBin } from '../../gateway/test-support/redis-server.ts';

/** The fault suite is about real servers failing: without them it fails, it never skips. */
export function requireRealServers(): void {
  if (!postgresInstalled())
    throw new Error(`PostgreSQL 15 not found in ${postgresBin}: install postgresql-15 (or set POSTGRES_BIN)`);
  if (!existsSync(redisServerBin))
    throw new Error(
      `redis-server not found at ${redisServerBin}: install redis-server (or set REDIS_SERVER_BIN)`,
    );
}

/**
 * Kills the PostgreSQL server the way a crashed or OOM-killed container goes: SIGKILL to the postmaster and
 * every backend at once, no shutdown checkpoint. `server.start()` brings it back (crash recovery).
 */
export async function killPostgres(server: PostgresServer): Promise<void> {
  const client = new pg.Client({ connectionString: server.url });
  await client.connect();
  const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
  await client.end();
  const dataDir = rows[0]?.data_directory;
  if (dataDir === undefined) throw new Error('no data_directory');
  const postmaster = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0]);
  const pids = [postmaster, ...descendantsOf(postmaster)];
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (error) {
      // A short-lived backend (autovacuum, a closing session) may have ended since it was listed.
      if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
    }
  }
  const deadline = Date.now() + 10_000;
  while (pids.some(running)) {
    if (Date.now() > deadline) throw new Error('postgres processes survived SIGKILL');
    await sleep(20);
  }
}

function running(pid: number): boolean {
  try {
    // A zombie (killed, not yet reaped by its parent) holds no socket or memory any more.
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Every process below `root`, from the parent ids in /proc. */
function descendantsOf(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents)
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
  };
  walk(root);
  return found;
}
