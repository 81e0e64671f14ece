import { describe, expect, it } from 'vitest';
import type { LitellmParams } from '../config/schema.ts';
import type { Deployment } from '../providers/types.ts';
import { DeploymentStats } from './deployment-stats.ts';
import { seededRandom } from './random.ts';
import { leastBusy, lowestLatency, lowestUsage, simpleShuffle, type RoutingStrategy } from './strategies.ts';

function deployment(id: string, params: Partial<LitellmParams> = {}): Deployment {
  return {
    id,
    modelName: 'group',
    provider: 'mock',
    model: id,
    apiBase: undefined,
    credentials: new Map(),
    params: { model: `mock/${id}`, ...params },
    modelInfo: {},
  };
}

function shares(strategy: RoutingStrategy, candidates: Deployment[], picks = 20_000): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let index = 0; index < picks; index++) {
    const id = strategy.pick(candidates, 10)?.id ?? 'none';
    counts[id] = (counts[id] ?? 0) + 1;
  }
  return Object.fromEntries(Object.entries(counts).map(([id, count]) => [id, count / picks]));
}

describe('simple-shuffle', () => {
  it('splits by weight', () => {
    const result = shares(simpleShuffle(seededRandom(1)), [
      deployment('a', { weight: 1 }),
      deployment('b', { weight: 3 }),
    ]);
    expect(result.a).toBeCloseTo(0.25, 1);
    expect(result.b).toBeCloseTo(0.75, 1);
    expect(Math.abs((result.a ?? 0) - 0.25)).toBeLessThan(0.015);
  });

  it('falls back to rpm, then tpm, then uniform', () => {
    const byRpm = shares(simpleShuffle(seededRandom(2)), [
      deployment('a', { rpm: 100 }),
      deployment('b', { rpm: 900 }),
    ]);
    expect(Math.abs((byRpm.a ?? 0) - 0.1)).toBeLessThan(0.015);
    const byTpm = shares(simpleShuffle(seededRandom(3)), [
      deployment('a', { tpm: 1000 }),
      deployment('b', { tpm: 1000 }),
    ]);
    expect(Math.abs((byTpm.a ?? 0) - 0.5)).toBeLessThan(0.015);
    const uniform = shares(simpleShuffle(seededRandom(4)), [
      deployment('a'),
      deployment('b'),
      deployment('c'),
    ]);
    for (const id of ['a', 'b', 'c']) expect(Math.abs((uniform[id] ?? 0) - 1 / 3)).toBeLessThan(0.015);
  });

  it('never picks a zero-weight deployment while another has weight', () => {
    const result = shares(
      simpleShuffle(seededRandom(5)),
      [deployment('a', { weight: 0 }), deployment('b', { weight: 1 })],
      2_000,
    );
    expect(result.a).toBeUndefined();
  });
});

describe('least-busy', () => {
  it('picks the deployment with the fewest requests in flight, sharing ties', () => {
    const stats = new DeploymentStats();
    const [a, b, c] = [deployment('a'), deployment('b'), deployment('c')];
    stats.started(a, 0);
    stats.started(a, 0);
    stats.started(b, 0);
    expect(shares(leastBusy(stats, seededRandom(6)), [a, b, c], 1_000)).toEqual({ c: 1 });
    stats.started(c, 0);
    const tie = shares(leastBusy(stats, seededRandom(7)), [a, b, c], 4_000);
    expect(Object.keys(tie).sort()).toEqual(['b', 'c']);
    expect(Math.abs((tie.b ?? 0) - 0.5)).toBeLessThan(0.03);
    stats.finished(a);
    stats.finished(a);
    expect(shares(leastBusy(stats, seededRandom(8)), [a, b, c], 1_000)).toEqual({ a: 1 });
  });
});

describe('latency-based-routing', () => {
  it('tries unmeasured deployments first, then prefers the fastest, sharing near-equals within the buffer', () => {
    const stats = new DeploymentStats();
    const [a, b, c] = [deployment('a'), deployment('b'), deployment('c')];
    stats.recordLatency(a, 100);
    stats.recordLatency(b, 105);
    expect(shares(lowestLatency(stats, seededRandom(9), 0.1), [a, b, c], 500)).toEqual({ c: 1 });
    stats.recordLatency(c, 400);
    const near = shares(lowestLatency(stats, seededRandom(10), 0.1), [a, b, c], 4_000);
    expect(near.c).toBeUndefined();
    expect(Math.abs((near.a ?? 0) - 0.5)).toBeLessThan(0.03);
    const strict = shares(lowestLatency(stats, seededRandom(11), 0), [a, b, c], 500);
    expect(strict).toEqual({ a: 1 });
  });
});

describe('usage-based-routing-v2', () => {
  it('picks the deployment furthest from its limits and skips any the request would push over', () => {
    const stats = new DeploymentStats();
    const a = deployment('a', { rpm: 10, tpm: 1_000 });
    const b = deployment('b', { rpm: 100, tpm: 100_000 });
    const strategy = lowestUsage(stats, seededRandom(12));
    for (let index = 0; index < 5; index++) stats.started(b, 0);
    // a: 0/10 used, b: 5/100 used -> a has more headroom (1.0 vs 0.95)
    expect(strategy.pick([a, b], 10)?.id).toBe('a');
    stats.started(a, 0);
    stats.started(a, 0);
    // a: 2/10 = 0.8 left, b: 0.95 left
    expect(strategy.pick([a, b], 10)?.id).toBe('b');
    // A request bigger than a's token limit can only go to b.
    expect(strategy.pick([a, b], 5_000)?.id).toBe('b');
    expect(strategy.pick([a], 5_000)).toBeUndefined();
  });

  it('resets usage every minute', () => {
    let now = 0;
    const stats = new DeploymentStats(() => now);
    const a = deployment('a', { rpm: 1 });
    const strategy = lowestUsage(stats, seededRandom(13));
    stats.started(a, 0);
    expect(strategy.pick([a], 1)).toBeUndefined();
    now += 60_000;
    expect(strategy.pick([a], 1)?.id).toBe('a');
  });
});
