import type { Pool, PoolClient } from 'pg';
import { gatewayVersion } from '../version.ts';
import { lockClass, migrationLock } from './advisory-locks.ts';
import { codeSchemaLevel, readMigrations, type Migration } from './migration-files.ts';

/** The schema needs newer code than this: refuse to run rather than corrupt data. */
export class SchemaTooNewError extends Error {
  constructor(minCodeLevel: number, codeLevel: number) {
    super(
      `the database schema needs gateway code of schema level ${minCodeLevel} or newer; this gateway ` +
        `(${gatewayVersion}) is at level ${codeLevel}: deploy a newer gateway image`,
    );
    this.name = 'SchemaTooNewError';
  }
}

/** The schema has not been created yet (DISABLE_SCHEMA_UPDATE and no migration Job has run). */
export class SchemaMissingError extends Error {
  constructor() {
    super(
      'the database has no Switchyard schema: run `switchyard-gateway migrate` (or unset DISABLE_SCHEMA_UPDATE)',
    );
    this.name = 'SchemaMissingError';
  }
}

export interface MigrateResult {
  readonly applied: readonly number[];
  /** Applied versions whose file differs from what was applied: an applied migration must never be edited. */
  readonly edited: readonly number[];
  readonly schemaLevel: number;
  readonly minCodeLevel: number;
}

const bootstrap = `
CREATE TABLE IF NOT EXISTS switchyard_schema_migrations (
  version integer PRIMARY KEY,
  name text NOT NULL,
  checksum text NOT NULL,
  gateway_version text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE IF NOT EXISTS switchyard_schema_state (
  singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  min_code_level integer NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);`;

/**
 * Applies the migrations this code ships that the database lacks, each in its own transaction, under a session
 * advisory lock so pods and a migration Job starting together apply each file once. Idempotent. Refuses (before
 * changing anything) when the schema already needs newer code.
 */
export async function migrate(
  pool: Pool,
  migrations: readonly Migration[] = readMigrations(),
): Promise<MigrateResult> {
  const codeLevel = codeSchemaLevel(migrations);
  const client = await pool.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1, $2)', [lockClass, migrationLock]);
    try {
      await client.query(bootstrap);
      const before = await readState(client);
      if (before.minCodeLevel > codeLevel) throw new SchemaTooNewError(before.minCodeLevel, codeLevel);
      const applied: number[] = [];
      let minCodeLevel = before.minCodeLevel;
      for (const migration of migrations) {
        if (before.versions.has(migration.version)) continue;
        minCodeLevel = Math.max(minCodeLevel, migration.minCodeLevel);
        await client.query('BEGIN');
        try {
          await client.query(migration.sql);
          await client.query(
            'INSERT INTO switchyard_schema_migrations (version, name, checksum, gateway_version) VALUES ($1, $2, $3, $4)',
            [migration.version, migration.name, migration.checksum, gatewayVersion],
          );
          await client.query(
            `INSERT INTO switchyard_schema_state (singleton, min_code_level) VALUES (true, $1)
             ON CONFLICT (singleton) DO UPDATE SET min_code_level = GREATEST(switchyard_schema_state.min_code_level, $1), updated_at = now()`,
            [minCodeLevel],
          );
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK');
          throw new Error(`migration ${migration.version}_${migration.name} failed: ${messageOf(error)}`, {
            cause: error,
          });
        }
        applied.push(migration.version);
      }
      const schemaLevel = Math.max(0, ...before.versions, ...applied);
      return { applied, edited: editedOf(before, migrations), schemaLevel, minCodeLevel };
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [lockClass, migrationLock]);
    }
  } finally {
    client.release();
  }
}

/**
 * For `DISABLE_SCHEMA_UPDATE=true`: checks, without changing anything, that this code can run on the schema.
 * A schema ahead of the code is fine (expand-then-contract) unless it needs newer code than this.
 */
export async function checkSchema(
  pool: Pool,
  migrations: readonly Migration[] = readMigrations(),
): Promise<MigrateResult> {
  const codeLevel = codeSchemaLevel(migrations);
  const client = await pool.connect();
  try {
    const exists = await client.query<{ present: boolean }>(
      "SELECT to_regclass('switchyard_schema_state') IS NOT NULL AS present",
    );
    if (exists.rows[0]?.present !== true) throw new SchemaMissingError();
    const state = await readState(client);
    if (state.minCodeLevel > codeLevel) throw new SchemaTooNewError(state.minCodeLevel, codeLevel);
    const missing = migrations.filter((migration) => !state.versions.has(migration.version));
    if (missing.length > 0) throw new SchemaMissingError();
    return {
      applied: [],
      edited: editedOf(state, migrations),
      schemaLevel: Math.max(0, ...state.versions),
      minCodeLevel: state.minCodeLevel,
    };
  } finally {
    client.release();
  }
}

interface SchemaState {
  versions: Set<number>;
  checksums: Map<number, string>;
  minCodeLevel: number;
}

async function readState(client: PoolClient): Promise<SchemaState> {
  const versions = await client.query<{ version: number; checksum: string }>(
    'SELECT version, checksum FROM switchyard_schema_migrations',
  );
  const state = await client.query<{ min_code_level: number }>(
    'SELECT min_code_level FROM switchyard_schema_state WHERE singleton',
  );
  return {
    versions: new Set(versions.rows.map((row) => row.version)),
    checksums: new Map(versions.rows.map((row) => [row.version, row.checksum])),
    minCodeLevel: state.rows[0]?.min_code_level ?? 0,
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function editedOf(state: SchemaState, migrations: readonly Migration[]): number[] {
  return migrations
    .filter((migration) => {
      const applied = state.checksums.get(migration.version);
      return applied !== undefined && applied !== migration.checksum;
    })
    .map((migration) => migration.version);
}
