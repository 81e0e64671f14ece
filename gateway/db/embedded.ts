import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { EmbeddedStoreMessage } from './embedded-worker.ts';

/** PGlite (PostgreSQL in WebAssembly) in one folder, served to `pg` over a Unix socket beside it. */
export interface EmbeddedStore {
  /** `pg` connection settings: a socket folder, one session. */
  readonly connection: { readonly host: string; readonly user: string; readonly database: string };
  close(): Promise<void>;
}

// Run from the sources (type stripping) or compiled: the worker's file has the same extension as this one.
const workerFile = new URL(
  import.meta.url.endsWith('.ts') ? './embedded-worker.ts' : './embedded-worker.js',
  import.meta.url,
);

/**
 * One process, one session: the pool in front of it must be of one, and advisory locks exclude nothing (nobody
 * else shares the folder). Good for trying things out and single-process setups, not for several pods. The
 * store runs on its own thread (embedded-worker.ts), off the event loop that serves requests.
 */
export async function startEmbeddedStore(dataDir: string, logger: Logger): Promise<EmbeddedStore> {
  const worker = new Worker(workerFile, { workerData: { dataDir } });
  let exited = false;
  const ready = await new Promise<EmbeddedStoreMessage>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => {
      reject(new Error(`the embedded store stopped before it was ready (exit code ${code})`));
    });
  });
  if (ready.kind !== 'ready') throw new Error(`embedded store: unexpected message ${ready.kind}`);
  worker.removeAllListeners();
  // Later, queries fail on the closed socket and the database reports itself down (health.ts).
  worker.on('error', (error: Error) => {
    logger.error({ reason: error.message }, 'the embedded store failed');
  });
  worker.once('exit', () => {
    exited = true;
  });
  return {
    connection: { host: ready.socketDir, user: 'postgres', database: 'postgres' },
    async close() {
      if (exited) return;
      const closed = new Promise((resolve) => {
        worker.once('message', resolve);
        worker.once('exit', resolve);
      });
      worker.postMessage('close');
      await closed;
      await worker.terminate();
    },
  };
}
