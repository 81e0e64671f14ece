import { randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../db/database.ts';
import { spendRecord } from '../test-support/spend-records.ts';
import { openTestDatabase, realPostgres } from '../test-support/test-database.ts';
import type { SpendRecord } from './spend-record.ts';
import { SpendRows } from './spend-rows.ts';
import { writeSpend } from './spend-writer.ts';

const logger = pino({ level: 'silent' });

const spendOf = (key: Pick<SpendRecord, 'keyHash' | 'keySource' | 'budgetDuration'>, cost: number) =>
  spendRecord({
    ...key,
    requestId: `req-${randomUUID()}`,
    keyAlias: key.keyHash === null ? null : `alias-${key.keyHash}`,
    deployment: 'd1',
    cost,
    createdAt: new Date('2026-12-01T10:00:00.123Z'),
  });

describe.skipIf(!realPostgres())('spend batch writer', () => {
  let database: Database;
  let close: () => Promise<void>;

  beforeAll(async () => {
    ({ database, close } = await openTestDatabase(logger));
    await database.query(`INSERT INTO switchyard_keys (hash, source) VALUES ('hash-api', 'api')`);
  });
  afterAll(async () => {
    await close();
  });

  const write = (records: readonly SpendRecord[]) => writeSpend(database, SpendRows.of(records));
  const spendOfKey = async (hash: string) =>
    (await database.query<{ spend: number }>('SELECT spend FROM switchyard_keys WHERE hash = $1', [hash]))[0]
      ?.spend;

  it('writes every row as given and each key its spend once, also when the batch comes again', async () => {
    const api = { keyHash: 'hash-api', keySource: 'api', budgetDuration: null } as const;
    const file = { keyHash: 'hash-file', keySource: 'file', budgetDuration: '30d' } as const;
    const none = { keyHash: null, keySource: null, budgetDuration: null } as const;
    const batch = [spendOf(api, 0.25), spendOf(file, 0.5), spendOf(api, 0.125), spendOf(none, 1)];

    expect(await write(batch)).toBe(4);
    expect(await spendOfKey('hash-api')).toBe(0.375);
    expect(await spendOfKey('hash-file')).toBe(0.5);
    const [row] = await database.query<Record<string, unknown>>(
      'SELECT * FROM switchyard_spend_logs WHERE id = $1',
      [batch[1]?.id],
    );
    expect(row).toMatchObject({
      request_id: batch[1]?.requestId,
      key_hash: 'hash-file',
      key_alias: 'alias-hash-file',
      model_group: 'gpt-4o',
      deployment: 'd1',
      provider: 'openai',
      prompt_tokens: 12,
      completion_tokens: 9,
      cost: 0.5,
      latency_ms: 5,
      status: 200,
      cache_hit: false,
      created_at: new Date('2026-12-01T10:00:00.123Z'),
    });
    // The file key's first row starts its budget period.
    const [fileKey] = await database.query<{ budget_duration: string; budget_reset_at: Date }>(
      `SELECT budget_duration, budget_reset_at FROM switchyard_keys WHERE hash = 'hash-file'`,
    );
    expect(fileKey?.budget_duration).toBe('30d');
    expect(fileKey?.budget_reset_at.getTime()).toBeGreaterThan(Date.parse('2026-12-01T10:00:00Z'));

    // A retried batch (its commit was lost) with one new row: only the new row and its spend count.
    const again = [...batch, spendOf(api, 2)];
    expect(await write(again)).toBe(1);
    expect(await spendOfKey('hash-api')).toBe(2.375);
    expect(await spendOfKey('hash-file')).toBe(0.5);
    const [count] = await database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM switchyard_spend_logs',
    );
    expect(count?.n).toBe(5);
  });

  it('writes a batch of rows without keys, once, also when it comes again', async () => {
    const none = { keyHash: null, keySource: null, budgetDuration: null } as const;
    const batch = [spendOf(none, 0.5), spendOf(none, 0.25)];
    const logged = async () =>
      (
        await database.query<{ n: number; cost: number }>(
          'SELECT count(*)::int AS n, sum(cost) AS cost FROM switchyard_spend_logs WHERE id = ANY($1::uuid[])',
          [batch.map((record) => record.id)],
        )
      )[0];

    expect(await write(batch)).toBe(2);
    expect(await logged()).toEqual({ n: 2, cost: 0.75 });
    expect(await write(batch)).toBe(0);
    expect(await logged()).toEqual({ n: 2, cost: 0.75 });
  });

  it('with spend logs off (disable_spend_logs) counts each key its spend and writes no ledger row', async () => {
    await database.query(`INSERT INTO switchyard_keys (hash, source) VALUES ('hash-quiet', 'api')`);
    const api = { keyHash: 'hash-quiet', keySource: 'api', budgetDuration: null } as const;
    const file = { keyHash: 'hash-quiet-file', keySource: 'file', budgetDuration: '1d' } as const;
    // A row without a key, as a queued batch from a pod that still logs may hold: ignored.
    const none = { keyHash: null, keySource: null, budgetDuration: null } as const;
    const batch = [spendOf(api, 0.25), spendOf(file, 0.5), spendOf(api, 1), spendOf(none, 4)];
    const ledgerRows = async () =>
      (
        await database.query<{ n: number }>(
          'SELECT count(*)::int AS n FROM switchyard_spend_logs WHERE id = ANY($1::uuid[])',
          [batch.map((record) => record.id)],
        )
      )[0]?.n;

    expect(await writeSpend(database, SpendRows.of(batch), { logs: false })).toBe(3);
    expect(await spendOfKey('hash-quiet')).toBe(1.25);
    expect(await spendOfKey('hash-quiet-file')).toBe(0.5);
    expect(await ledgerRows()).toBe(0);
    // Nothing to count: no statement at all.
    expect(await writeSpend(database, SpendRows.of([spendOf(none, 1)]), { logs: false })).toBe(0);
    expect(await ledgerRows()).toBe(0);
  });
});
