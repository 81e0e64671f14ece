import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/logger.ts';
import { createPostgresDatabase, realPostgres, type TestStore } from '../../test-support/test-database.ts';
import { Database } from '../database.ts';
import { checkSchema, migrate, SchemaTooNewError } from '../migrate.ts';
import { migrationsDir, readMigrations } from '../migration-files.ts';
import { partitionUpkeep } from '../partitions.ts';
import { databaseSettingsOf } from '../settings.ts';

const run = promisify(execFile);
const cli = join(import.meta.dirname, '..', '..', 'cli.ts');
const quiet = createLogger({ level: 'silent' });

describe.skipIf(!realPostgres())('migrations on PostgreSQL', () => {
  let store: TestStore;
  let pool: pg.Pool;

  beforeAll(async () => {
    store = await createPostgresDatabase();
    pool = new pg.Pool({ connectionString: store.url, max: 4 });
  });
  afterAll(async () => {
    await pool.end();
    await store.dispose();
  });

  it('applies each migration once when three processes migrate at the same moment', async () => {
    const env = { ...process.env, DATABASE_URL: store.url ?? '', LOG_LEVEL: 'info' };
    const results = await Promise.all([1, 2, 3].map(() => run(process.execPath, [cli, 'migrate'], { env })));
    expect(results).toHaveLength(3);
    const versions = await pool.query<{ version: number; copies: string }>(
      'SELECT version, count(*) AS copies FROM switchyard_schema_migrations GROUP BY version ORDER BY version',
    );
    expect(versions.rows.map((row) => row.version)).toEqual(
      readMigrations().map((migration) => migration.version),
    );
    expect(versions.rows.every((row) => row.copies === '1')).toBe(true);
    // Exactly one of them did the work; the others found it done.
    const output = results.map((result) => result.stdout).join('\n');
    expect(output.match(/"msg":"database migrated"/g)).toHaveLength(1);
    expect(output.match(/"msg":"database schema is up to date"/g)).toHaveLength(2);
  });

  it('is idempotent', async () => {
    expect((await migrate(pool)).applied).toEqual([]);
  });

  it('lets older code run on a newer, expanded schema (rollback works)', async () => {
    const older = readMigrations().slice(0, -1);
    await expect(checkSchema(pool, older)).resolves.toMatchObject({ minCodeLevel: 1 });
    expect((await migrate(pool, older)).applied).toEqual([]);
  });

  it('refuses code older than the schema supports, with a clear message', async () => {
    const other = await createPostgresDatabase();
    try {
      const dir = mkdtempSync(join(tmpdir(), 'switchyard-migrations-'));
      for (const file of readdirSync(migrationsDir)) copyFileSync(join(migrationsDir, file), join(dir, file));
      const next = readMigrations().length + 1;
      writeFileSync(
        join(dir, `${String(next).padStart(4, '0')}_contract.sql`),
        `-- min_code_level: ${next}\nALTER TABLE switchyard_keys DROP COLUMN key_name;\n`,
      );
      const otherPool = new pg.Pool({ connectionString: other.url, max: 1 });
      await migrate(otherPool, readMigrations(dir));
      await expect(migrate(otherPool)).rejects.toBeInstanceOf(SchemaTooNewError);
      await expect(checkSchema(otherPool)).rejects.toThrow(/needs gateway code of schema level \d+ or newer/);
      await otherPool.end();

      const failed = await run(process.execPath, [cli, 'migrate'], {
        env: { ...process.env, DATABASE_URL: other.url ?? '' },
      }).catch((error: unknown) => error as { code: number; stdout: string });
      expect(failed).toMatchObject({ code: 1 });
      expect((failed as { stdout: string }).stdout).toContain('deploy a newer gateway image');

      const database = await Database.open(databaseSettingsOf({}, { DATABASE_URL: other.url }), quiet);
      await expect(database.start()).rejects.toBeInstanceOf(SchemaTooNewError);
      await database.close();
    } finally {
      await other.dispose();
    }
  });

  it('with DISABLE_SCHEMA_UPDATE waits for the migration Job, then still keeps the partitions', async () => {
    const other = await createPostgresDatabase();
    try {
      const database = await Database.open(
        databaseSettingsOf({}, { DATABASE_URL: other.url, DISABLE_SCHEMA_UPDATE: 'true' }),
        quiet,
      );
      const started = database.start();
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(database.ready).toBe(false);
      const job = new pg.Pool({ connectionString: other.url, max: 1 });
      expect((await migrate(job)).applied.length).toBe(readMigrations().length);
      await started;
      expect(database.ready).toBe(true);
      const partitions = await job.query(
        "SELECT 1 FROM pg_class WHERE relname LIKE 'switchyard_spend_logs_p%' AND relkind = 'r'",
      );
      expect(partitions.rowCount).toBeGreaterThanOrEqual(4);
      await job.end();
      await database.close();
    } finally {
      await other.dispose();
    }
  });

  it('keeps daily partitions ahead, moves early rows out of the default partition and drops expired days', async () => {
    const now = new Date();
    const first = await partitionUpkeep(pool, { now, retention: undefined });
    expect(first.ran).toBe(true);
    const day = (offset: number) => new Date(now.getTime() + offset * 86_400_000);
    const insert = (at: Date) =>
      pool.query(
        `INSERT INTO switchyard_spend_logs (id, model_group, status, created_at) VALUES (gen_random_uuid(), 'm', 200, $1)`,
        [at],
      );
    await insert(day(6)); // no partition yet: the default one catches it
    await insert(day(0));
    const inDefault = await pool.query('SELECT 1 FROM switchyard_spend_logs_default');
    expect(inDefault.rowCount).toBe(1);

    const later = await partitionUpkeep(pool, { now: day(6), retention: { amount: 2, unit: 'd' } });
    expect(later.created.length).toBeGreaterThan(0);
    expect(later.dropped.length).toBeGreaterThan(0);
    expect((await pool.query('SELECT 1 FROM switchyard_spend_logs_default')).rowCount).toBe(0);
    // The early row moved into its day; today's row went with its dropped day.
    const rows = await pool.query<{ created_at: Date }>('SELECT created_at FROM switchyard_spend_logs');
    expect(rows.rows.map((row) => row.created_at.toISOString().slice(0, 10))).toEqual([
      day(6).toISOString().slice(0, 10),
    ]);
  });

  it('lets one pod do the upkeep while another holds the lock', async () => {
    const holder = await pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock(21337, 2)');
      expect((await partitionUpkeep(pool, { now: new Date(), retention: undefined })).ran).toBe(false);
    } finally {
      await holder.query('SELECT pg_advisory_unlock(21337, 2)');
      holder.release();
    }
  });
});
