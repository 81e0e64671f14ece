import { describe, expect, it } from 'vitest';
import { spendRecord } from '../test-support/spend-records.ts';
import type { SpendRecord } from './spend-record.ts';
import { batchOfJson, SpendRows } from './spend-rows.ts';

const record = (overrides: Partial<SpendRecord> = {}) =>
  spendRecord({ createdAt: new Date('2026-12-02T01:00:00.123Z'), ...overrides });

describe('SpendRows', () => {
  it('serializes each record as the row the writer reads, past its first buffer and in UTF-8', () => {
    const records = Array.from({ length: 300 }, (_, i) =>
      record({ keyAlias: i % 2 === 0 ? `équipe-${i}-数据-🚀` : null, status: 200 + (i % 3) }),
    );
    const rows = SpendRows.of(records);

    expect(rows.rows).toBe(300);
    // What the insert gets: jsonb in binary form, its version byte then the same text.
    expect(rows.parameter[0]).toBe(1);
    expect(rows.parameter.subarray(1).toString('utf8')).toBe(rows.json);
    const parsed = JSON.parse(rows.json) as unknown[][];
    expect(parsed).toHaveLength(300);
    records.forEach(({ id, requestId, keyAlias, status }, i) => {
      expect(parsed[i]).toEqual([
        id,
        requestId,
        null,
        keyAlias,
        'gpt-4o',
        'gpt-4o/0',
        'openai',
        12,
        9,
        0.25,
        5,
        status,
        false,
        Date.parse('2026-12-02T01:00:00.123Z'),
        null,
        null,
      ]);
    });
  });

  it('is an empty array with no rows', () => {
    expect(JSON.parse(new SpendRows().json)).toEqual([]);
  });

  it('sums the spend of each key, and reads the same keys back from its JSON', () => {
    const api = { keyHash: 'hash-api', keySource: 'api', budgetDuration: null } as const;
    const file = { keyHash: 'hash-file', keySource: 'file', budgetDuration: '30d' } as const;
    const rows = SpendRows.of([
      record({ ...api, cost: 0.5 }),
      record({ ...file }),
      record({ ...api }),
      record(),
    ]);

    const expected = new Map([
      ['hash-api', { source: 'api', budgetDuration: null, cost: 0.75 }],
      ['hash-file', { source: 'file', budgetDuration: '30d', cost: 0.25 }],
    ]);
    expect(rows.keys).toEqual(expected);
    const read = batchOfJson(rows.json);
    expect(read.rows).toBe(4);
    expect(read.keys).toEqual(expected);
  });
});
