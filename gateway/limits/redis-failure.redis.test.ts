import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, openaiClient, testMasterKey } from '../test-support/key-api-client.ts';
import {
  awayFromWindowEdge,
  redisReady,
  startRedisGateway,
  type RedisGateway,
} from '../test-support/redis-gateway.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../test-support/redis-server.ts';
import { createPostgresDatabase, realPostgres, type TestStore } from '../test-support/test-database.ts';

const config = (port: number) => `
model_list:
  - model_name: cheap
    litellm_params: { model: mock/cheap, mock_response: "ok" }
router_settings:
  redis_host: 127.0.0.1
  redis_port: ${port}
general_settings:
  master_key: ${testMasterKey}
  proxy_batch_write_at: 0.2
`;

/** The default command timeout (the breaker's bound) plus a generous margin for a shared 2-core machine. */
const breakerBoundMs = 50;
const marginMs = 400;

interface Sample {
  readonly status: number;
  readonly ms: number;
}

const enabled = redisServerAvailable() && realPostgres();

describe.skipIf(!enabled)('Redis failing under traffic', () => {
  let redis: RedisServer;
  let store: TestStore;
  let pods: RedisGateway[];

  beforeAll(async () => {
    redis = await startRedisServer();
    store = await createPostgresDatabase();
    pods = [];
    for (let index = 0; index < 3; index++)
      pods.push(await startRedisGateway(config(redis.port), store.env, { probeEveryMs: 100 }));
    await Promise.all(pods.map((pod) => redisReady(pod)));
    // Every pod has counted the live pods.
    while (pods.some((pod) => pod.shared.limiter?.pods !== 3))
      await new Promise((resolve) => setTimeout(resolve, 50));
  });
  afterAll(async () => {
    await Promise.all(pods.map((pod) => pod.close()));
    await store.dispose();
    await redis.destroy();
  });

  const keyWith = async (limits: Record<string, number>) => {
    const { status, body } = await callApi(pods[0]?.url ?? '', 'POST', '/key/generate', limits);
    expect(status).toBe(200);
    return body.key as string;
  };

  const one = async (client: OpenAI): Promise<Sample> => {
    const started = performance.now();
    try {
      const { response } = await client.chat.completions
        .create({ model: 'cheap', messages: [{ role: 'user', content: 'hi' }] })
        .withResponse();
      return { status: response.status, ms: performance.now() - started };
    } catch (error) {
      if (!(error instanceof OpenAI.APIError)) throw error;
      return { status: Number(error.status ?? 0), ms: performance.now() - started };
    }
  };

  /** Steady traffic over every pod for `ms`, running `during` part way through. */
  const trafficFor = async (key: string, ms: number, during: () => void | Promise<void>) => {
    const clients = pods.map((pod) => openaiClient(pod.url, key));
    const samples: Sample[] = [];
    const deadline = Date.now() + ms;
    const workers = clients
      .flatMap((client) => [client, client])
      .map(async (client) => {
        while (Date.now() < deadline) samples.push(await one(client));
      });
    await new Promise((resolve) => setTimeout(resolve, ms / 3));
    await during();
    await Promise.all(workers);
    return samples;
  };

  /** `count` requests spread over the pods, a few at a time; how many were admitted. */
  const admittedOf = async (key: string, count: number) => {
    const clients = pods.map((pod) => openaiClient(pod.url, key));
    let next = 0;
    let admitted = 0;
    await Promise.all(
      Array.from({ length: 6 }, async () => {
        while (next < count) {
          const client = clients[next++ % clients.length];
          if (client !== undefined && (await one(client)).status === 200) admitted++;
        }
      }),
    );
    return admitted;
  };

  it('serves through a Redis that dies, falls back to per-pod shares, and shares again when it is back', async () => {
    const key = await keyWith({ rpm_limit: 100_000 });
    const samples = await trafficFor(key, 1500, () => redis.stop());
    expect(samples.length).toBeGreaterThan(20);
    expect(samples.filter((sample) => sample.status !== 200)).toEqual([]);
    expect(Math.max(...samples.map((sample) => sample.ms))).toBeLessThan(breakerBoundMs + marginMs);
    expect(pods.map((pod) => pod.shared.redis?.available)).toEqual([false, false, false]);
    expect(pods.map((pod) => pod.dependencies.report('redis').status)).toEqual(['down', 'down', 'down']);
    // One warning per pod for the outage, not one per request.
    for (const pod of pods)
      expect(pod.logs.filter((line) => String(line.msg).startsWith('redis unavailable'))).toHaveLength(1);

    // Down: each of the three pods enforces a third of the limit.
    await awayFromWindowEdge();
    const whileDown = await admittedOf(await keyWith({ rpm_limit: 30 }), 60);
    expect(whileDown).toBe(30);

    await redis.start();
    await Promise.all(pods.map((pod) => redisReady(pod, 5000)));
    await awayFromWindowEdge();
    const local = pods.map((pod) => pod.shared.limiter?.localAdmissions);
    const shared = await admittedOf(await keyWith({ rpm_limit: 60 }), 120);
    expect(shared).toBeGreaterThanOrEqual(59);
    expect(shared).toBeLessThanOrEqual(61);
    // Counted in Redis again (a rare false timeout on this busy machine may count one locally).
    const localAgain = pods.reduce(
      (sum, pod, index) => sum + (pod.shared.limiter?.localAdmissions ?? 0) - (local[index] ?? 0),
      0,
    );
    expect(localAgain).toBeLessThanOrEqual(3);
  });

  it('keeps a hung Redis (a stopped process, connections open) to the breaker’s bound, and recovers', async () => {
    await Promise.all(pods.map((pod) => redisReady(pod, 5000)));
    const key = await keyWith({ rpm_limit: 100_000 });
    const samples = await trafficFor(key, 1500, () => {
      redis.pause();
    });
    try {
      expect(samples.filter((sample) => sample.status !== 200)).toEqual([]);
      expect(Math.max(...samples.map((sample) => sample.ms))).toBeLessThan(breakerBoundMs + marginMs);
      expect(pods.map((pod) => pod.shared.redis?.state().breaker)).toEqual(['open', 'open', 'open']);
    } finally {
      redis.resume();
    }
    await Promise.all(pods.map((pod) => redisReady(pod, 5000)));
    expect(pods.map((pod) => pod.shared.redis?.state().breaker)).toEqual(['closed', 'closed', 'closed']);
  });
});
