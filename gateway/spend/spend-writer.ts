import type { PoolClient } from 'pg';
import type { GeneralSettings } from '../config/schema.ts';
import type { Database } from '../db/database.ts';
import type { LedgerBatch } from './spend-rows.ts';

/**
 * The ledger's columns, in the order of a row of the batch (spend-rows.ts). A row is a JSON array: half the
 * bytes of an object with the column names.
 */
const columns = [
  ['id', 'uuid'],
  ['request_id', 'text'],
  ['key_hash', 'text'],
  ['key_alias', 'text'],
  ['model_group', 'text'],
  ['deployment', 'text'],
  ['provider', 'text'],
  ['prompt_tokens', 'integer'],
  ['completion_tokens', 'integer'],
  ['cost', 'double precision'],
  ['latency_ms', 'integer'],
  ['status', 'integer'],
  ['cache_hit', 'boolean'],
  ['created_at', 'timestamptz'],
] as const;

function columnIndex(name: (typeof columns)[number][0]): number {
  return columns.findIndex(([column]) => column === name);
}

const columnList = columns.map(([name]) => name).join(', ');
const valueList = columns
  .map(([name, type], index) =>
    name === 'created_at'
      ? `to_timestamp((r->>${index})::double precision / 1000)`
      : `(r->>${index})::${type}`,
  )
  .join(', ');

/**
 * The whole batch goes as one JSON parameter: serializing it is one native JSON.stringify, where 14 bound
 * parameters a row cost the event loop several milliseconds a thousand rows (a stall every request waiting
 * then shares). What comes back is the spend actually inserted, summed per key.
 */
const insertLogs = `
WITH inserted AS (
  INSERT INTO switchyard_spend_logs (${columnList})
  SELECT ${valueList} FROM jsonb_array_elements($1::jsonb) AS r
  ON CONFLICT (id, created_at) DO NOTHING
  RETURNING key_hash, cost, created_at
)
SELECT key_hash, count(*)::int AS rows, sum(cost) AS cost, max(created_at) AS latest
FROM inserted GROUP BY key_hash`;

/**
 * `disable_spend_logs`: the batch's spend per key, as `insertLogs` returns it, with no ledger row written. Rows
 * without a key are not buffered then (metering.ts); a queued batch from a pod that still logs may hold some.
 */
const keySpendOnly = `
SELECT r->>${columnIndex('key_hash')} AS key_hash, count(*)::int AS rows,
  sum((r->>${columnIndex('cost')})::double precision) AS cost,
  max(to_timestamp((r->>${columnIndex('created_at')})::double precision / 1000)) AS latest
FROM jsonb_array_elements($1::jsonb) AS r
WHERE r->>${columnIndex('key_hash')} IS NOT NULL
GROUP BY 1`;

/** Period rollover of a key's spend: a period that ended before `$3` starts again from this batch's spend. */
const rolled = 'budget_reset_at IS NOT NULL AND budget_reset_at <= $3';

const updateApiKey = `
UPDATE switchyard_keys SET
  spend = CASE WHEN ${rolled} THEN $2 ELSE spend + $2 END,
  budget_reset_at = CASE WHEN ${rolled} AND budget_duration IS NOT NULL
    THEN switchyard_next_reset(budget_reset_at, switchyard_interval(budget_duration), $3) ELSE budget_reset_at END,
  updated_at = now()
WHERE hash = $1`;

const upsertFileKey = `
INSERT INTO switchyard_keys AS k (hash, source, spend, budget_duration, budget_reset_at)
VALUES ($1, 'file', $2, $4, $3::timestamptz + switchyard_interval($4))
ON CONFLICT (hash) DO UPDATE SET
  spend = CASE WHEN k.budget_reset_at IS NOT NULL AND k.budget_reset_at <= $3 THEN $2 ELSE k.spend + $2 END,
  budget_duration = EXCLUDED.budget_duration,
  budget_reset_at = CASE
    WHEN EXCLUDED.budget_duration IS NULL THEN NULL
    WHEN k.budget_reset_at IS NULL THEN EXCLUDED.budget_reset_at
    WHEN k.budget_reset_at <= $3 THEN switchyard_next_reset(k.budget_reset_at, switchyard_interval(EXCLUDED.budget_duration), $3)
    ELSE k.budget_reset_at END,
  updated_at = now()`;

interface InsertedSpend {
  key_hash: string | null;
  rows: number;
  cost: number;
  latest: Date;
}

export interface SpendWriteOptions {
  /** false (`disable_spend_logs`): only the keys' spend is updated; no ledger row is written. */
  readonly logs: boolean;
}

export const spendWriteOptionsOf = (general: GeneralSettings): SpendWriteOptions => ({
  logs: general.disable_spend_logs !== true,
});

/**
 * Writes a batch: the log rows in one insert that skips ledger ids already written (a retried batch), then each
 * key's spend, from the rows actually inserted, as one statement per key in hash order, so two pods never lock
 * keys in opposite orders; rows and spend in one transaction. Retrying a batch whose commit was lost therefore
 * neither duplicates rows nor counts spend twice. A batch of rows without keys (master key, no auth) is one
 * insert, atomic on its own: no BEGIN and COMMIT round trips (~0.35 of ~1.4 ms of CPU a 500-row batch).
 * Without logs there are no ledger ids to skip, so a batch retried after a lost commit counts its spend twice.
 * Returns the rows written (without logs: the rows counted).
 */
export async function writeSpend(
  database: Database,
  batch: LedgerBatch,
  options: SpendWriteOptions = { logs: true },
): Promise<number> {
  if (batch.rows === 0) return 0;
  if (!options.logs) {
    if (batch.keys.size === 0) return 0;
    return database.transaction((client) => writeWithKeys(client, batch, keySpendOnly));
  }
  if (batch.keys.size === 0) {
    const inserted = await database.query<InsertedSpend>(insertLogs, [batch.parameter]);
    return inserted.reduce((written, delta) => written + delta.rows, 0);
  }
  return database.transaction((client) => writeWithKeys(client, batch, insertLogs));
}

async function writeWithKeys(client: PoolClient, batch: LedgerBatch, rowsQuery: string): Promise<number> {
  const inserted = await client.query<InsertedSpend>(rowsQuery, [batch.parameter]);
  let written = 0;
  const deltas = inserted.rows.sort((a, b) => compare(a.key_hash ?? '', b.key_hash ?? ''));
  for (const delta of deltas) {
    written += delta.rows;
    const key = delta.key_hash === null ? undefined : batch.keys.get(delta.key_hash);
    if (key?.source === 'api') {
      await client.query(updateApiKey, [delta.key_hash, delta.cost, delta.latest]);
    } else if (key?.source === 'file') {
      await client.query(upsertFileKey, [delta.key_hash, delta.cost, delta.latest, key.budgetDuration]);
    }
  }
  return written;
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
