import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** PGlite (PostgreSQL in WebAssembly) in one folder, served to `pg` over a Unix socket beside it. */
export interface EmbeddedStore {
  /** `pg` connection settings: a socket folder, one session. */
  readonly connection: { readonly host: string; readonly user: string; readonly database: string };
  close(): Promise<void>;
}

/**
 * One process, one session: the pool in front of it must be of one, and advisory locks exclude nothing (nobody
 * else shares the folder). Good for trying things out and single-process setups, not for several pods.
 */
export async function startEmbeddedStore(dataDir: string): Promise<EmbeddedStore> {
  const dbDir = join(dataDir, 'pglite');
  const socketDir = join(dataDir, 'socket');
  mkdirSync(dbDir, { recursive: true });
  mkdirSync(socketDir, { recursive: true });
  const db = await PGlite.create(dbDir);
  const socketPath = join(socketDir, '.s.PGSQL.5432');
  rmSync(socketPath, { force: true }); // left behind by a process that did not exit cleanly
  const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
  await server.start();
  return {
    connection: { host: socketDir, user: 'postgres', database: 'postgres' },
    async close() {
      await server.stop();
      await db.close();
    },
  };
}
