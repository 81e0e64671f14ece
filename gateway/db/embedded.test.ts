import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Database } from './database.ts';
import { databaseSettingsOf } from './settings.ts';

/** A migrated embedded store in a folder of its own, closed and removed after `use`. */
async function withEmbeddedStore(use: (database: Database) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-embedded-'));
  const settings = { ...databaseSettingsOf({}, { SWITCHYARD_DATA_DIR: dataDir }), url: undefined };
  const database = await Database.open(settings, pino({ level: 'silent' }));
  try {
    await database.start();
    await use(database);
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('embedded store', () => {
  it('runs its queries off the event loop: timers keep firing while a long query runs', async () => {
    await withEmbeddedStore(async (database) => {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      const started = performance.now();
      const [row] = await database.query<{ n: number }>(
        'SELECT count(*)::int AS n FROM generate_series(1, 3000000)',
      );
      const tookMs = performance.now() - started;
      clearInterval(timer);
      expect(row?.n).toBe(3_000_000);
      // On the gateway's thread, PGlite held the event loop for the whole query: no tick at all.
      expect(tookMs).toBeGreaterThan(50);
      expect(ticks).toBeGreaterThanOrEqual(3);
    });
  });

  it('serves the next query after one the store refused (its socket closes a session on any error)', async () => {
    await withEmbeddedStore(async (database) => {
      for (let round = 0; round < 3; round++) {
        await expect(database.query('SELECT $1::text AS t', ['a\u0000b'])).rejects.toMatchObject({
          code: '22021',
        });
        expect(await database.query('SELECT $1::text AS t', ['ok'])).toEqual([{ t: 'ok' }]);
        await expect(
          database.transaction((client) => client.query('SELECT $1::text', ['b\u0000'])),
        ).rejects.toMatchObject({ code: '22021' });
        expect(
          await database.transaction(
            async (client) => (await client.query<{ n: number }>('SELECT 1 AS n')).rows,
          ),
        ).toEqual([{ n: 1 }]);
      }
    });
  });
});
