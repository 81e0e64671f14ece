import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SharedRedis } from '../redis/shared-redis.ts';
import { awayFromWindowEdge } from '../test-support/redis-gateway.ts';
import { keyRpmCheck } from '../test-support/limit-checks.ts';
import { connectSharedRedis } from '../test-support/shared-redis-client.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../test-support/redis-server.ts';
import { keyCounter, windowMs, type AdmitResult, type LimitCheck } from './limit-check.ts';
import { SharedLimiter } from './shared-limiter.ts';

describe.skipIf(!redisServerAvailable())('admission from claims, three pods on one Redis', () => {
  let redis: RedisServer;
  let connections: SharedRedis[];
  let pods: SharedLimiter[];

  beforeAll(async () => {
    redis = await startRedisServer();
    connections = [];
    pods = [];
    for (let index = 0; index < 3; index++) {
      const shared = await connectSharedRedis(redis.port, 2000);
      connections.push(shared);
      pods.push(new SharedLimiter({ redis: shared, housekeepingEveryMs: 50 }));
    }
    while (pods.some((pod) => pod.pods < 3)) await new Promise((resolve) => setTimeout(resolve, 20));
  });
  afterAll(async () => {
    await Promise.all(pods.map((pod) => pod.close()));
    await Promise.all(connections.map((connection) => connection.close()));
    await redis.destroy();
  });

  /** What Redis counts for the counter in this window. */
  const counted = async (check: LimitCheck) =>
    Number((await connections[0]?.client.get(`${check.key}:${Math.floor(Date.now() / windowMs)}`)) ?? 0);
  const claimAdmissions = () => pods.reduce((sum, pod) => sum + pod.claims.admissions, 0);

  /** `waves` waves of `perWave` admissions spread over the pods, a few ms apart (claims arrive between). */
  const traffic = async (check: LimitCheck, waves: number, perWave: number) => {
    const results: AdmitResult[] = [];
    for (let wave = 0; wave < waves; wave++) {
      results.push(
        ...(
          await Promise.all(
            Array.from({ length: perWave }, async (_, index) => pods[index % pods.length]?.admit([check])),
          )
        ).filter((result) => result !== undefined),
      );
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    return results;
  };

  it('admits in process while far below the limit, and never past it across the pods', async () => {
    await awayFromWindowEdge();
    const check = keyRpmCheck('claims-a', 600);
    const before = claimAdmissions();
    const results = await traffic(check, 50, 30);
    const admitted = results.filter((result) => result.ok).length;
    expect(admitted).toBeLessThanOrEqual(600);
    expect(admitted).toBeGreaterThanOrEqual(595);
    // Most of the first half went without a round trip; near the limit the script admitted exactly.
    expect(claimAdmissions() - before).toBeGreaterThan(200);
    const refused = results.find((result) => !result.ok);
    expect(refused).toMatchObject({ ok: false, failed: 0 });
    // Every admission is counted in Redis, and what the pods still hold is theirs to use: at most the limit.
    expect(await counted(check)).toBeLessThanOrEqual(600);
    expect(await counted(check)).toBeGreaterThanOrEqual(admitted);
  });

  it('gives an idle claim back within about a second, so Redis counts only what was admitted and used', async () => {
    await awayFromWindowEdge();
    const requests = keyRpmCheck('claims-b', 100_000);
    const tokens: LimitCheck = {
      ...keyRpmCheck('claims-b', 10_000_000),
      kind: 't',
      key: keyCounter('claims-b', 't'),
      amount: 100,
    };
    const before = claimAdmissions();
    const results: AdmitResult[] = [];
    for (let wave = 0; wave < 20; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 30 }, async (_, index) => pods[index % pods.length]?.admit([requests, tokens])),
      );
      for (const [index, result] of answers.entries()) {
        if (result?.ok !== true) throw new Error('refused far below the limits');
        // The upstream reported 60 tokens where 100 were reserved: settled into the window they were counted in.
        pods[index % pods.length]?.adjust(result.where, tokens.key, result.window, -40);
        results.push(result);
      }
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
    expect(claimAdmissions() - before).toBeGreaterThan(400);
    expect(await counted(requests)).toBeGreaterThan(results.length);
    await new Promise((resolve) => setTimeout(resolve, 1300));
    expect(await counted(requests)).toBe(results.length);
    expect(await counted(tokens)).toBe(results.length * 60);
  });

  it('takes no claim when the headroom is small: every admission goes through the script', async () => {
    await awayFromWindowEdge();
    const check = keyRpmCheck('claims-c', 5);
    const before = claimAdmissions();
    const results = await traffic(check, 4, 3);
    expect(results.filter((result) => result.ok)).toHaveLength(5);
    expect(claimAdmissions() - before).toBe(0);
    expect(await counted(check)).toBe(5);
  });
});
