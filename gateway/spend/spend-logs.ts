import type { Database } from '../db/database.ts';

export interface SpendLogQuery {
  readonly keyHash?: string | undefined;
  readonly model?: string | undefined;
  readonly start?: Date | undefined;
  readonly end?: Date | undefined;
  readonly page: number;
  readonly pageSize: number;
}

interface SpendLogRow {
  id: string;
  request_id: string | null;
  key_hash: string | null;
  key_alias: string | null;
  model_group: string;
  deployment: string | null;
  provider: string | null;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
  latency_ms: number | null;
  status: number;
  cache_hit: boolean;
  created_at: Date;
}

/** Reads the ledger newest first; the time filter lets PostgreSQL skip whole day partitions. */
export async function readSpendLogs(db: Database, query: SpendLogQuery): Promise<Record<string, unknown>[]> {
  const conditions: string[] = [];
  const values: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    values.push(value);
    conditions.push(sql.replace('?', `$${values.length}`));
  };
  if (query.keyHash !== undefined) add('key_hash = ?', query.keyHash);
  if (query.model !== undefined) add('model_group = ?', query.model);
  if (query.start !== undefined) add('created_at >= ?', query.start);
  if (query.end !== undefined) add('created_at < ?', query.end);
  values.push(query.pageSize, (query.page - 1) * query.pageSize);
  const rows = await db.query<SpendLogRow>(
    `SELECT * FROM switchyard_spend_logs ${conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id LIMIT $${values.length - 1} OFFSET $${values.length}`,
    values,
  );
  // LiteLLM's field names where it has them.
  return rows.map((row) => ({
    request_id: row.request_id,
    ledger_id: row.id,
    api_key: row.key_hash,
    key_alias: row.key_alias,
    model_group: row.model_group,
    model: row.model_group,
    model_id: row.deployment,
    custom_llm_provider: row.provider,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    total_tokens: row.prompt_tokens + row.completion_tokens,
    spend: row.cost,
    request_duration_ms: row.latency_ms,
    status: row.status,
    cache_hit: row.cache_hit,
    startTime: row.created_at.toISOString(),
  }));
}
