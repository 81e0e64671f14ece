import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, openaiClient, refusalOf, testMasterKey } from '../test-support/key-api-client.ts';
import { redisReady, startRedisGateway, type RedisGateway } from '../test-support/redis-gateway.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../test-support/redis-server.ts';
import { createPostgresDatabase, realPostgres, type TestStore } from '../test-support/test-database.ts';

const config = (port: number) => `
model_list:
  - model_name: cheap
    litellm_params: { model: mock/cheap, mock_response: "ok" }
router_settings:
  redis_url: redis://127.0.0.1:${port}
general_settings:
  master_key: ${testMasterKey}
`;

const ask = { model: 'cheap', messages: [{ role: 'user' as const, content: 'hi' }] };

describe.skipIf(!(redisServerAvailable() && realPostgres()))('key-cache invalidation over pub/sub', () => {
  let redis: RedisServer;
  let store: TestStore;
  let pods: RedisGateway[];

  beforeAll(async () => {
    redis = await startRedisServer();
    store = await createPostgresDatabase();
    pods = [];
    // The key cache trusts a key for 10 s: only the invalidation can make the other pods see a change in 1 s.
    for (let index = 0; index < 3; index++) pods.push(await startRedisGateway(config(redis.port), store.env));
    await Promise.all(pods.map((pod) => redisReady(pod)));
  });
  afterAll(async () => {
    await Promise.all(pods.map((pod) => pod.close()));
    await store.dispose();
    await redis.destroy();
  });

  const within = async (ms: number, check: () => Promise<boolean>) => {
    const deadline = Date.now() + ms;
    for (;;) {
      if (await check()) return true;
      if (Date.now() > deadline) return false;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  };

  it('blocks, updates and deletes a key on every pod within a second of the change on one', async () => {
    const [first, ...others] = pods;
    if (first === undefined) throw new Error('no pods');
    const made = await callApi(first.url, 'POST', '/key/generate', { models: ['cheap'] });
    const key = made.body.key as string;
    // Cached on every pod.
    for (const pod of pods) await openaiClient(pod.url, key).chat.completions.create(ask);

    await callApi(first.url, 'POST', '/key/block', { key });
    const started = Date.now();
    for (const pod of others) {
      const blocked = await within(1000, async () => {
        const refusal = await refusalOf(openaiClient(pod.url, key).chat.completions.create(ask)).catch(
          () => undefined,
        );
        return refusal?.code === 'key_blocked';
      });
      expect(blocked).toBe(true);
    }
    expect(Date.now() - started).toBeLessThan(1000);

    await callApi(first.url, 'POST', '/key/unblock', { key });
    for (const pod of others) {
      const served = await within(1000, () =>
        openaiClient(pod.url, key)
          .chat.completions.create(ask)
          .then(
            () => true,
            () => false,
          ),
      );
      expect(served).toBe(true);
    }

    await callApi(first.url, 'POST', '/key/delete', { keys: [key] });
    for (const pod of others) {
      const gone = await within(1000, async () => {
        const refusal = await refusalOf(openaiClient(pod.url, key).chat.completions.create(ask)).catch(
          () => undefined,
        );
        return refusal?.status === 401;
      });
      expect(gone).toBe(true);
    }
  });
});
