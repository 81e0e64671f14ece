import { describe, expect, it } from 'vitest';
import { keyCounter, type LimitCheck } from './limit-check.ts';
import { LocalCounters } from './local-counters.ts';

const rpm = (limit: number): LimitCheck => ({
  kind: 'r',
  key: keyCounter('h', 'r'),
  limit,
  amount: 1,
  scope: 'key',
});

describe('per-pod fallback counters', () => {
  it('admits a share of the limit per live pod, and says when to retry', () => {
    let now = 60_000 * 1000; // the start of a window
    const counters = new LocalCounters(60_000, () => now);
    const results = Array.from({ length: 25 }, () => counters.admit([rpm(60)], 3));
    expect(results.filter((result) => result.ok)).toHaveLength(20);
    const refused = results.at(-1);
    expect(refused?.ok).toBe(false);
    if (refused?.ok === false) expect(refused.retryMs).toBeGreaterThan(59_000);
    // The sliding window: a quarter into the next window a quarter of the previous count has drained.
    now += 60_000 + 15_000;
    const later = Array.from({ length: 10 }, () => counters.admit([rpm(60)], 3));
    expect(later.filter((result) => result.ok)).toHaveLength(5);
  });

  it('admits all or nothing, corrects token reservations and frees parallel slots', () => {
    const counters = new LocalCounters(60_000, () => 0);
    const parallel: LimitCheck = { kind: 'p', key: 'p', limit: 1, amount: 1, scope: 'key' };
    const tokens: LimitCheck = { kind: 't', key: 't', limit: 100, amount: 80, scope: 'key' };
    expect(counters.admit([parallel, tokens], 1).ok).toBe(true);
    expect(counters.admit([parallel], 1).ok).toBe(false);
    counters.release('p');
    // 80 reserved, 20 used: 80 left.
    counters.adjust('t', 0, -60);
    expect(counters.admit([parallel, tokens], 1).ok).toBe(true);
    expect(counters.admit([{ ...tokens, amount: 1 }], 1).ok).toBe(false);
  });
});
