import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  awayFromWindowEdge,
  redisReady,
  startRedisGateway,
  type RedisGateway,
} from '../test-support/redis-gateway.ts';
import { keyRpmCheck } from '../test-support/limit-checks.ts';
import { connectSharedRedis } from '../test-support/shared-redis-client.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../test-support/redis-server.ts';
import { keyCounter, type LimitCheck } from './limit-check.ts';
import { SharedLimiter } from './shared-limiter.ts';

const config = (port: number) => `
model_list:
  - model_name: chat
    litellm_params: { model: mock/a, mock_response: "a", rpm: 20 }
    model_info: { id: deployment-a }
  - model_name: chat
    litellm_params: { model: mock/b, mock_response: "b", rpm: 20 }
    model_info: { id: deployment-b }
router_settings:
  routing_strategy: usage-based-routing-v2
  redis_host: 127.0.0.1
  redis_port: ${port}
`;

describe.skipIf(!redisServerAvailable())('deployment usage and leases shared through Redis', () => {
  let redis: RedisServer;

  beforeAll(async () => {
    redis = await startRedisServer();
  });
  afterAll(async () => {
    await redis.destroy();
  });

  it('lets usage-based-routing-v2 see what every pod sent: deployments’ rpm hold across the pods', async () => {
    const pods: RedisGateway[] = [];
    for (let index = 0; index < 3; index++)
      pods.push(await startRedisGateway(config(redis.port), {}, { commandTimeoutMs: 500 }));
    try {
      await Promise.all(pods.map((pod) => redisReady(pod)));
      await awayFromWindowEdge();
      const clients = pods.map((pod) => new OpenAI({ apiKey: 'x', baseURL: `${pod.url}/v1`, maxRetries: 0 }));
      const answers: string[] = [];
      let refused = 0;
      let next = 0;
      await Promise.all(
        Array.from({ length: 6 }, async () => {
          while (next < 60) {
            const client = clients[next++ % 3];
            try {
              const reply = await client?.chat.completions.create({
                model: 'chat',
                messages: [{ role: 'user', content: 'hi' }],
              });
              answers.push(reply?.choices[0]?.message.content ?? '');
            } catch (error) {
              if (!(error instanceof OpenAI.APIError) || error.status !== 429) throw error;
              expect(error.code).toBe('rate_limited');
              refused++;
            }
          }
        }),
      );
      // 20 a minute each, for the three pods together (not 20 per pod).
      expect(answers.filter((answer) => answer === 'a')).toHaveLength(20);
      expect(answers.filter((answer) => answer === 'b')).toHaveLength(20);
      expect(refused).toBe(20);
    } finally {
      await Promise.all(pods.map((pod) => pod.close()));
    }
  });

  it('frees a crashed pod’s parallel slots when their lease expires, and renews a live pod’s', async () => {
    const connect = () => connectSharedRedis(redis.port);
    const slot = (hash: string): LimitCheck => ({
      kind: 'p',
      key: keyCounter(hash, 'p'),
      limit: 1,
      amount: 1,
      scope: 'key',
    });
    const crashedRedis = await connect();
    const crashed = new SharedLimiter({ redis: crashedRedis, leaseTtlMs: 1500 });
    const liveRedis = await connect();
    const live = new SharedLimiter({ redis: liveRedis, leaseTtlMs: 1500 });
    const otherRedis = await connect();
    const other = new SharedLimiter({ redis: otherRedis, leaseTtlMs: 1500 });
    try {
      expect((await crashed.admit([slot('crashed')])).ok).toBe(true);
      expect((await live.admit([slot('live')])).ok).toBe(true);
      // The crashed pod stops without releasing anything (no close, no renewal).
      await crashed.close();
      await crashedRedis.close();
      expect((await other.admit([slot('crashed')])).ok).toBe(false);
      await new Promise((resolve) => setTimeout(resolve, 2600));
      expect((await other.admit([slot('crashed')])).ok).toBe(true);
      // The live pod renewed its lease every ttl/3: still held.
      expect((await other.admit([slot('live')])).ok).toBe(false);
    } finally {
      await Promise.all([live.close(), other.close()]);
      await Promise.all([liveRedis.close(), otherRedis.close()]);
    }
  });
  it('admits the requests of one event-loop turn in one script call, each all or nothing, in order', async () => {
    const shared = await connectSharedRedis(redis.port);
    const limiter = new SharedLimiter({ redis: shared, housekeepingEveryMs: 60_000 });
    try {
      await awayFromWindowEdge();
      const slot = (hash: string): LimitCheck => ({
        kind: 'p',
        key: keyCounter(hash, 'p'),
        limit: 2,
        amount: 1,
        scope: 'key',
      });
      const callsBefore = shared.state().calls;
      // 150 requests in one turn: more than one call holds (100 a call); a key limited to 60 admits 60.
      const results = await Promise.all(
        // async: admit answers at once (no Promise) only without Redis.
        Array.from({ length: 150 }, async (_, index) =>
          limiter.admit(
            index % 2 === 0 ? [keyRpmCheck('batch-a', 60)] : [keyRpmCheck('batch-b', 1000), slot('batch-b')],
          ),
        ),
      );
      expect(shared.state().calls - callsBefore).toBe(2);
      const even = results.filter((_, index) => index % 2 === 0);
      const odd = results.filter((_, index) => index % 2 === 1);
      expect(even.filter((result) => result.ok)).toHaveLength(60);
      // In order: the first 60 of key a pass, the rest are refused with a wait.
      expect(even.slice(0, 60).every((result) => result.ok)).toBe(true);
      expect(even[60]).toMatchObject({ ok: false, failed: 0 });
      // Key b: two parallel slots, so two pass and the rest are refused without counting their rpm.
      expect(odd.filter((result) => result.ok)).toHaveLength(2);
      expect(odd[1]).toMatchObject({ ok: true, usage: [2, 2] });
      expect(odd[2]).toMatchObject({ ok: false, failed: 1 });
      const after = await limiter.admit([keyRpmCheck('batch-b', 1000)]);
      expect(after).toMatchObject({ ok: true, usage: [3] });

      // Settlements of one counter add up into one operation: 400 token adjustments (more than one call holds
      // unmerged), one call, all counted.
      const tpm: LimitCheck = {
        kind: 't',
        key: keyCounter('batch-c', 't'),
        limit: 0,
        amount: 10,
        scope: 'key',
      };
      const reserved = await limiter.admit([tpm]);
      if (!reserved.ok) throw new Error('not admitted');
      const settlesBefore = shared.state().calls;
      for (let index = 0; index < 400; index++) limiter.adjust('redis', tpm.key, reserved.window, 1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(shared.state().calls - settlesBefore).toBe(1);
      expect(await limiter.admit([{ ...tpm, amount: 0 }])).toMatchObject({ ok: true, usage: [410] });
    } finally {
      await limiter.close();
      await shared.close();
    }
  });
});
