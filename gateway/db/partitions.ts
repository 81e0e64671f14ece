import type { Pool, PoolClient } from 'pg';
import { addDuration, type Duration } from '../auth/duration.ts';
import { lockClass, partitionUpkeepLock } from './advisory-locks.ts';

const parent = 'switchyard_spend_logs';
const defaultPartition = 'switchyard_spend_logs_default';
const partitionName = /^switchyard_spend_logs_p(\d{4})(\d{2})(\d{2})$/;
const dayMs = 86_400_000;

export interface UpkeepResult {
  /** False when another pod held the upkeep lock: it is doing the work. */
  readonly ran: boolean;
  readonly created: readonly string[];
  readonly dropped: readonly string[];
}

export interface UpkeepOptions {
  readonly now: Date;
  /** Days ahead (after today) to create; default 3. */
  readonly daysAhead?: number;
  readonly retention: Duration | undefined;
}

/**
 * Data maintenance, not a schema change, so any pod runs it whatever DISABLE_SCHEMA_UPDATE says: creates the
 * daily spend-log partitions from today to a few days ahead, moving rows the default partition caught for those
 * days, and drops days older than the retention period. A try-lock: when another pod holds it, this one skips.
 */
export async function partitionUpkeep(pool: Pool, options: UpkeepOptions): Promise<UpkeepResult> {
  const client = await pool.connect();
  try {
    const locked = await client.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1, $2) AS locked', [
      lockClass,
      partitionUpkeepLock,
    ]);
    if (locked.rows[0]?.locked !== true) return { ran: false, created: [], dropped: [] };
    try {
      const existing = await partitions(client);
      const created: string[] = [];
      const today = startOfDay(options.now);
      for (let day = 0; day <= (options.daysAhead ?? 3); day++) {
        const from = new Date(today.getTime() + day * dayMs);
        const name = nameOf(from);
        if (existing.has(name)) continue;
        await createPartition(client, name, from);
        created.push(name);
      }
      const dropped =
        options.retention === undefined
          ? []
          : await dropExpired(client, existing, options.now, options.retention);
      return { ran: true, created, dropped };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [lockClass, partitionUpkeepLock]);
    }
  } finally {
    client.release();
  }
}

async function partitions(client: PoolClient): Promise<Map<string, Date>> {
  const result = await client.query<{ name: string }>(
    `SELECT child.relname AS name FROM pg_inherits
       JOIN pg_class child ON child.oid = pg_inherits.inhrelid
       JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
      WHERE parent.relname = $1`,
    [parent],
  );
  const found = new Map<string, Date>();
  for (const { name } of result.rows) {
    const match = partitionName.exec(name);
    if (match !== null)
      found.set(name, new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]))));
  }
  return found;
}

/** In one transaction: a new table, the default partition's rows for that day moved in, then attached. */
async function createPartition(client: PoolClient, name: string, from: Date): Promise<void> {
  const to = new Date(from.getTime() + dayMs);
  await client.query('BEGIN');
  try {
    await client.query(`LOCK TABLE ${defaultPartition} IN ACCESS EXCLUSIVE MODE`);
    await client.query(`CREATE TABLE ${name} (LIKE ${parent} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
    await client.query(
      `WITH moved AS (DELETE FROM ${defaultPartition} WHERE created_at >= $1 AND created_at < $2 RETURNING *)
       INSERT INTO ${name} SELECT * FROM moved`,
      [from, to],
    );
    await client.query(
      `ALTER TABLE ${parent} ATTACH PARTITION ${name} FOR VALUES FROM ('${from.toISOString()}') TO ('${to.toISOString()}')`,
    );
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function dropExpired(
  client: PoolClient,
  existing: ReadonlyMap<string, Date>,
  now: Date,
  retention: Duration,
): Promise<string[]> {
  const dropped: string[] = [];
  for (const [name, day] of existing) {
    const end = new Date(day.getTime() + dayMs);
    // A day goes once all of it is older than the retention period.
    if (addDuration(end, retention) > now) continue;
    await client.query(`DROP TABLE IF EXISTS ${name}`);
    dropped.push(name);
  }
  const cutoff = new Date(2 * now.getTime() - addDuration(now, retention).getTime());
  await client.query(`DELETE FROM ${defaultPartition} WHERE created_at < $1`, [cutoff]);
  return dropped;
}

function startOfDay(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
}

function nameOf(day: Date): string {
  const iso = day.toISOString();
  return `switchyard_spend_logs_p${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
}
