import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import type { PostgresServer } from '../../gateway/test-support/postgres-server.ts';

/**
 * A fresh database on the server for one gateway; its URL. The test server runs with `synchronous_commit=off`
 * for speed, which lets a killed server forget transactions it had already confirmed: this database turns it
 * back on, so a commit the gateway saw is a row that survives SIGKILL and a lost row is the gateway's doing.
 */
export async function createDatabase(server: PostgresServer, prefix: string): Promise<string> {
  const name = `${prefix}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.query(`ALTER DATABASE ${name} SET synchronous_commit = on`);
  } finally {
    await admin.end();
  }
  return server.url.replace(/\/postgres$/, `/${name}`);
}

export interface SpendCheck {
  /** Requests that should each have one row. */
  readonly expected: number;
  /** Of those, how many have at least one row. */
  readonly written: number;
  readonly lost: readonly string[];
  /** Request ids with more than one row. */
  readonly duplicated: readonly string[];
}

/** Spend rows per request id, for the ids given. */
async function rowsByRequestId(url: string, ids: readonly string[]): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ request_id: string; rows: string }>(
      'SELECT request_id, count(*) AS rows FROM switchyard_spend_logs WHERE request_id = ANY($1) GROUP BY request_id',
      [ids],
    );
    return new Map(rows.map((row) => [row.request_id, Number(row.rows)]));
  } finally {
    await client.end();
  }
}

/**
 * Waits (up to `timeoutMs`) until every request id has its spend row in the database, then reports what is
 * there: rows are buffered and written in batches, so they arrive after the answers.
 */
export async function awaitSpendRows(
  url: string,
  ids: readonly string[],
  timeoutMs = 30_000,
): Promise<SpendCheck> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await rowsByRequestId(url, ids).catch(() => new Map<string, number>());
    const lost = ids.filter((id) => !counts.has(id));
    if (lost.length === 0 || Date.now() > deadline) {
      return {
        expected: ids.length,
        written: ids.length - lost.length,
        lost,
        duplicated: [...counts].filter(([, rows]) => rows > 1).map(([id]) => id),
      };
    }
    await sleep(500);
  }
}
