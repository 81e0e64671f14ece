import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';
import { inject } from 'vitest';
import { Database } from '../db/database.ts';
import { databaseSettingsOf } from '../db/settings.ts';

/** Where a test gateway keeps its data: environment for it, and how to clean up. */
export interface TestStore {
  readonly kind: 'postgres' | 'embedded';
  readonly env: Record<string, string>;
  /** The database's URL (real server only), for assertions through a pool of the test's own. */
  readonly url: string | undefined;
  dispose(): Promise<void>;
}

/** Whether the shared real PostgreSQL server is there (else only the embedded store is tested). */
export function realPostgres(): boolean {
  return inject('postgres').kind === 'server';
}

/** A fresh database of its own on the shared server, so test files run in parallel. */
export async function createPostgresDatabase(): Promise<TestStore> {
  const shared = inject('postgres');
  if (shared.kind !== 'server') throw new Error('no PostgreSQL server in this run');
  const name = `test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: shared.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = shared.url.replace(/\/postgres$/, `/${name}`);
  return {
    kind: 'postgres',
    env: { DATABASE_URL: url },
    url,
    async dispose() {
      const client = new pg.Client({ connectionString: shared.url });
      await client.connect();
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await client.end();
    },
  };
}

/** The gateway's Database, migrated, on a fresh PostgreSQL database of its own; `close` drops that too. */
export async function openTestDatabase(
  logger: Logger,
): Promise<{ database: Database; close: () => Promise<void> }> {
  const store = await createPostgresDatabase();
  const database = await Database.open(databaseSettingsOf({}, store.env), logger);
  await database.start();
  return {
    database,
    close: async () => {
      await database.close();
      await store.dispose();
    },
  };
}

/** A fresh data folder for the embedded store (the gateway starts PGlite in it). */
export function createEmbeddedStore(): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-embedded-'));
  return Promise.resolve({
    kind: 'embedded',
    env: { SWITCHYARD_DATA_DIR: dir },
    url: undefined,
    dispose() {
      rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  });
}

/** PostgreSQL where its server is installed, else the embedded store. */
export function createTestStore(): Promise<TestStore> {
  return realPostgres() ? createPostgresDatabase() : createEmbeddedStore();
}
