import type { PoolClient } from 'pg';
import type { SpendRecord } from './spend-record.ts';

const columns = [
  'id',
  'request_id',
  'key_hash',
  'key_alias',
  'model_group',
  'deployment',
  'provider',
  'prompt_tokens',
  'completion_tokens',
  'cost',
  'latency_ms',
  'status',
  'cache_hit',
  'created_at',
] as const;

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

interface KeyDelta {
  hash: string;
  source: 'api' | 'file';
  budgetDuration: string | null;
  cost: number;
  latest: Date;
}

/**
 * Writes a batch inside the caller's transaction: the log rows in one multi-row insert that skips ledger ids
 * already written (a retried batch), then each key's spend, from the rows actually inserted, as one statement
 * per key in hash order, so two pods never lock keys in opposite orders. Retrying a batch whose commit was
 * lost therefore neither duplicates rows nor counts spend twice.
 */
export async function writeSpendBatch(client: PoolClient, records: readonly SpendRecord[]): Promise<number> {
  if (records.length === 0) return 0;
  const values: unknown[] = [];
  const tuples = records.map((record, row) => {
    values.push(
      record.id,
      record.requestId,
      record.keyHash,
      record.keyAlias,
      record.modelGroup,
      record.deployment,
      record.provider,
      record.promptTokens,
      record.completionTokens,
      record.cost,
      Math.round(record.latencyMs),
      record.status,
      record.cacheHit,
      record.createdAt,
    );
    const base = row * columns.length;
    return `(${columns.map((_, column) => `$${base + column + 1}`).join(', ')})`;
  });
  const inserted = await client.query<{ id: string }>(
    `INSERT INTO switchyard_spend_logs (${columns.join(', ')}) VALUES ${tuples.join(', ')}
     ON CONFLICT (id, created_at) DO NOTHING RETURNING id`,
    values,
  );
  const written = new Set(inserted.rows.map((row) => row.id));
  for (const delta of keyDeltas(records.filter((record) => written.has(record.id)))) {
    if (delta.source === 'api') {
      await client.query(updateApiKey, [delta.hash, delta.cost, delta.latest]);
    } else {
      await client.query(upsertFileKey, [delta.hash, delta.cost, delta.latest, delta.budgetDuration]);
    }
  }
  return written.size;
}

function keyDeltas(records: readonly SpendRecord[]): KeyDelta[] {
  const byKey = new Map<string, KeyDelta>();
  for (const record of records) {
    if (record.keyHash === null || record.keySource === null) continue;
    const delta = byKey.get(record.keyHash);
    if (delta === undefined) {
      byKey.set(record.keyHash, {
        hash: record.keyHash,
        source: record.keySource,
        budgetDuration: record.budgetDuration,
        cost: record.cost,
        latest: record.createdAt,
      });
    } else {
      delta.cost += record.cost;
      if (record.createdAt > delta.latest) delta.latest = record.createdAt;
    }
  }
  return [...byKey.values()].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0));
}
