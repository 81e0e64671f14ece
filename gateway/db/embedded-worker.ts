import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';

/** What the embedded store's thread reports to the gateway (embedded.ts). */
export type EmbeddedStoreMessage = { kind: 'ready'; socketDir: string } | { kind: 'closed' };

/**
 * The embedded store's own thread: PGlite runs every query synchronously in WebAssembly, so on the gateway's
 * thread a spend batch or a migration stalled every request in flight for as long as it ran.
 */
const { dataDir } = workerData as { dataDir: string };
const port = parentPort;
if (port === null) throw new Error('the embedded store runs in a worker thread');
const dbDir = join(dataDir, 'pglite');
const socketDir = join(dataDir, 'socket');
mkdirSync(dbDir, { recursive: true });
mkdirSync(socketDir, { recursive: true });
const db = await PGlite.create(dbDir);
const socketPath = join(socketDir, '.s.PGSQL.5432');
rmSync(socketPath, { force: true }); // left behind by a process that did not exit cleanly
const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 1 });
await server.start();
port.once('message', () => {
  void (async () => {
    await server.stop();
    await db.close();
    port.postMessage({ kind: 'closed' } satisfies EmbeddedStoreMessage);
    port.close();
  })();
});
port.postMessage({ kind: 'ready', socketDir } satisfies EmbeddedStoreMessage);
