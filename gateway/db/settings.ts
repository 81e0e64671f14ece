import { join } from 'node:path';
import { parseDuration, type Duration } from '../auth/duration.ts';
import type { GeneralSettings } from '../config/schema.ts';

export type Env = Readonly<Record<string, string | undefined>>;

/** Where the data lives and how the gateway talks to it, from the environment (which wins) and general_settings. */
export interface DatabaseSettings {
  /** A PostgreSQL URL, or undefined for the embedded store. */
  readonly url: string | undefined;
  /** Folder of the embedded store. */
  readonly dataDir: string;
  readonly poolLimit: number;
  /** `database_connection_timeout`: longest wait for a connection (opening one, or a free one from the pool). */
  readonly connectionTimeoutMs: number;
  /** `DISABLE_SCHEMA_UPDATE=true`: a migration Job owns the schema; serve only checks compatibility. */
  readonly schemaUpdates: boolean;
  readonly retention: Duration | undefined;
  readonly batchWriteMs: number;
  readonly allowRequestsOnUnavailable: boolean;
}

const defaultPoolLimit = 10;
const defaultBatchWriteSeconds = 10;
/** Shorter than LiteLLM's 60: while the database is down, requests fail over to cached keys quickly. */
const defaultConnectionTimeoutSeconds = 5;

export function databaseSettingsOf(general: GeneralSettings, env: Env): DatabaseSettings {
  const url = nonEmpty(env.DATABASE_URL) ?? nonEmpty(general.database_url);
  const poolLimit = positiveInt(env.DATABASE_CONNECTION_POOL_LIMIT) ?? general.database_connection_pool_limit;
  const retention = general.maximum_spend_logs_retention_period;
  return {
    url,
    dataDir: nonEmpty(env.SWITCHYARD_DATA_DIR) ?? join(process.cwd(), '.data'),
    poolLimit: poolLimit !== undefined && poolLimit >= 1 ? poolLimit : defaultPoolLimit,
    connectionTimeoutMs: (general.database_connection_timeout ?? defaultConnectionTimeoutSeconds) * 1000,
    schemaUpdates: env.DISABLE_SCHEMA_UPDATE?.toLowerCase() !== 'true',
    retention: retention === undefined ? undefined : parseDuration(retention),
    batchWriteMs: (general.proxy_batch_write_at ?? defaultBatchWriteSeconds) * 1000,
    allowRequestsOnUnavailable: general.allow_requests_on_db_unavailable ?? false,
  };
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function positiveInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}
