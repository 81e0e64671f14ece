import { randomUUID } from 'node:crypto';
import type { SpendRecord } from '../spend/spend-record.ts';

/** A ledger record of a keyless request with fresh ids; tests change what they look at. */
export function spendRecord(overrides: Partial<SpendRecord> = {}): SpendRecord {
  return {
    id: randomUUID(),
    requestId: randomUUID(),
    keyHash: null,
    keySource: null,
    budgetDuration: null,
    keyAlias: null,
    modelGroup: 'gpt-4o',
    deployment: 'gpt-4o/0',
    provider: 'openai',
    promptTokens: 12,
    completionTokens: 9,
    cost: 0.25,
    latencyMs: 4.6,
    status: 200,
    cacheHit: false,
    createdAt: new Date(),
    ...overrides,
  };
}
