import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openaiClient } from '../test-support/key-api-client.ts';
import { redisReady, startRedisGateway, type RedisGateway } from '../test-support/redis-gateway.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../test-support/redis-server.ts';

const config = (port: number) => `
model_list:
  - model_name: chat
    litellm_params: { model: mock/broken, mock_failure_rate: 1 }
    model_info: { id: broken }
  - model_name: chat
    litellm_params: { model: mock/healthy, mock_response: "ok" }
    model_info: { id: healthy }
router_settings:
  redis_host: 127.0.0.1
  redis_port: ${port}
  allowed_fails: 0
  cooldown_time: 30
  num_retries: 2
`;

describe.skipIf(!redisServerAvailable())('cooldowns shared through Redis', () => {
  let redis: RedisServer;
  let pods: RedisGateway[];

  beforeAll(async () => {
    redis = await startRedisServer();
    pods = await Promise.all([0, 1, 2].map(() => startRedisGateway(config(redis.port), {})));
    await Promise.all(pods.map((pod) => redisReady(pod)));
  });
  afterAll(async () => {
    await Promise.all(pods.map((pod) => pod.close()));
    await redis.destroy();
  });

  it('skips on every pod a deployment one pod cooled down', async () => {
    const [first, ...others] = pods;
    if (first === undefined) throw new Error('no pods');
    const client = openaiClient(first.url, 'anything');
    // Until the router has tried the broken deployment once (it retries on the healthy one).
    for (let attempt = 0; attempt < 20 && !first.router().cooldowns.isCoolingDown('broken'); attempt++)
      await client.chat.completions.create({ model: 'chat', messages: [{ role: 'user', content: 'hi' }] });
    expect(first.router().cooldowns.isCoolingDown('broken')).toBe(true);

    const deadline = Date.now() + 1000;
    while (others.some((pod) => !pod.router().cooldowns.isCoolingDown('broken')) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 10));
    expect(others.map((pod) => pod.router().cooldowns.isCoolingDown('broken'))).toEqual([true, true]);
    expect(others.map((pod) => pod.router().cooldowns.isCoolingDown('healthy'))).toEqual([false, false]);
    // The other pods route around it: no request of theirs reaches the broken deployment.
    for (const pod of others) {
      const client = openaiClient(pod.url, 'anything');
      for (let request = 0; request < 5; request++) {
        const answer = await client.chat.completions.create({
          model: 'chat',
          messages: [{ role: 'user', content: 'hi' }],
        });
        expect(answer.choices[0]?.message.content).toBe('ok');
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
      const served = pod.logs.filter((line) => line.msg === 'request' && line.model_group === 'chat');
      expect(served.map((line) => [line.deployment, line.attempts])).toEqual(Array(5).fill(['healthy', 1]));
    }
  });

  it('shows a running cooldown to a pod that starts later', async () => {
    const late = await startRedisGateway(config(redis.port), {});
    try {
      await redisReady(late);
      const deadline = Date.now() + 3000;
      while (!late.router().cooldowns.isCoolingDown('broken') && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      expect(late.router().cooldowns.isCoolingDown('broken')).toBe(true);
    } finally {
      await late.close();
    }
  });
});
