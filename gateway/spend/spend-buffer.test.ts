import { describe, expect, it } from 'vitest';
import { Database } from '../db/database.ts';
import { createLogger } from '../observability/logger.ts';
import { spendRecord } from '../test-support/spend-records.ts';
import { SpendBuffer } from './spend-buffer.ts';

const record = (keyHash: string, cost: number) => spendRecord({ keyHash, keySource: 'api', cost });

/** A database that has never been reached: every write fails as unavailable. */
const unreachable = {
  url: 'postgres://nobody@127.0.0.1:1/none',
  dataDir: '',
  poolLimit: 1,
  connectionTimeoutMs: 5_000,
  schemaUpdates: false,
  retention: undefined,
  batchWriteMs: 10_000,
  allowRequestsOnUnavailable: false,
};

describe('the spend buffer while the database is away', () => {
  it('keeps rows up to its bound, counts what it drops, and keeps them through failed writes', async () => {
    const database = await Database.open(unreachable, createLogger({ level: 'silent' }));
    const buffer = new SpendBuffer(database, createLogger({ level: 'silent' }), {
      flushEveryMs: 10_000,
      maxRows: 2,
    });
    buffer.add(record('a', 0.5));
    buffer.add(record('a', 0.25));
    buffer.add(record('b', 1));
    expect(buffer.size()).toBe(2);
    expect(buffer.dropped()).toBe(1);
    expect(buffer.unflushedCost('a')).toBe(0.75);
    await buffer.flush();
    expect(buffer.size()).toBe(2);
    await buffer.close(0);
    expect(buffer.size()).toBe(2);
    await database.close();
  });

  it('tries a full batch once, then leaves the retries to the interval', async () => {
    const lines: string[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (line: string) => lines.push(line) } });
    const database = await Database.open(unreachable, log);
    const buffer = new SpendBuffer(database, log, { flushEveryMs: 3_600_000, batchRows: 2 });
    buffer.start();
    const failures = () => lines.filter((line) => line.includes('spend rows kept for the next write')).length;
    buffer.add(record('a', 0.5));
    buffer.add(record('a', 0.5));
    for (let i = 0; i < 100 && failures() === 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(failures()).toBe(1);
    for (let i = 0; i < 6; i++) buffer.add(record('a', 0.5));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(failures()).toBe(1);
    expect(buffer.size()).toBe(8);
    await buffer.close(0);
    await database.close();
  });
});
