import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.ts';
import { spendRecord } from '../test-support/spend-records.ts';
import { openTestDatabase, realPostgres } from '../test-support/test-database.ts';
import { SpendBuffer } from './spend-buffer.ts';

const logger = pino({ level: 'silent' });

const keyless = () => spendRecord({ cost: 0.001 });

describe.skipIf(!realPostgres())('the spend buffer against PostgreSQL', () => {
  let database: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase(logger));
  });
  afterAll(async () => {
    await close();
  });

  const rowsWritten = async () =>
    (await database.query<{ n: number }>('SELECT count(*)::int AS n FROM switchyard_spend_logs'))[0]?.n;

  it('writes a full batch at once, and leaves a partial one for the interval or close', async () => {
    const buffer = new SpendBuffer(database, logger, { flushEveryMs: 3_600_000, batchRows: 3 });
    buffer.start();
    buffer.add(keyless());
    buffer.add(keyless());
    await sleep(100);
    expect(await rowsWritten()).toBe(0);
    for (let i = 0; i < 5; i++) buffer.add(keyless());
    for (let i = 0; i < 50 && (await rowsWritten()) !== 6; i++) await sleep(20);
    expect(await rowsWritten()).toBe(6);
    expect(buffer.size()).toBe(1);
    await buffer.close();
    expect(await rowsWritten()).toBe(7);
  });
});
