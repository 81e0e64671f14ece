import type { TestProject } from 'vitest/node';
import { postgresInstalled, startPostgresServer } from './postgres-server.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server the integration tests share (each file makes its own database in it). */
    postgres: { readonly kind: 'server'; readonly url: string } | { readonly kind: 'embedded' };
  }
}

/**
 * Starts one real PostgreSQL server for the whole run. Without the binaries, outside CI, the tests fall back
 * to the embedded store (PGlite) so a laptop without Postgres can still run them; CI must have the server.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (!postgresInstalled()) {
    if (process.env.CI === 'true') {
      throw new Error(
        'PostgreSQL binaries not found (POSTGRES_BIN or /usr/lib/postgresql/15/bin): CI must install postgresql-15',
      );
    }
    process.stderr.write(
      '\n*** PostgreSQL binaries not found: database tests run against the EMBEDDED store (PGlite) only. ***\n' +
        '*** Install postgresql-15 (or set POSTGRES_BIN) to test against a real server.                  ***\n\n',
    );
    project.provide('postgres', { kind: 'embedded' });
    return () => Promise.resolve();
  }
  const server = await startPostgresServer();
  project.provide('postgres', { kind: 'server', url: server.url });
  return () => server.destroy();
}
