import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisReady, startRedisGateway, type RedisGateway } from '../test-support/redis-gateway.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../test-support/redis-server.ts';
import { cacheHeader } from './response-cache.ts';

const config = (port: number) => `
model_list:
  - model_name: chat
    litellm_params: { model: mock/chat, mock_latency_ms: 150 }
litellm_settings:
  cache: true
  cache_params: { type: redis, host: 127.0.0.1, port: ${port}, ttl: 30, namespace: test-cache }
`;

type Body = OpenAI.Chat.ChatCompletionCreateParamsNonStreaming;

describe.skipIf(!redisServerAvailable())('response cache in Redis, shared by the pods', () => {
  let redis: RedisServer;
  let pods: RedisGateway[];
  let inspect: Redis;

  beforeAll(async () => {
    redis = await startRedisServer();
    pods = await Promise.all([0, 1].map(() => startRedisGateway(config(redis.port), {})));
    await Promise.all(pods.map((pod) => redisReady(pod)));
    inspect = new Redis(redis.port, '127.0.0.1');
    inspect.on('error', () => undefined);
  });
  afterAll(async () => {
    inspect.disconnect();
    await Promise.all(pods.map((pod) => pod.close()));
    await redis.destroy();
  });

  let prompt = 0;
  const fresh = () => `question number ${++prompt}`;
  const ask = async (
    pod: RedisGateway | undefined,
    body: Record<string, unknown>,
    headers: Record<string, string> = {},
  ) => {
    if (pod === undefined) throw new Error('no pod');
    const client = new OpenAI({ apiKey: 'none', baseURL: `${pod.url}/v1`, maxRetries: 0 });
    const started = performance.now();
    const { data, response } = await client.chat.completions
      .create({ model: 'chat', ...body } as Body, { headers })
      .withResponse();
    return { data, cache: response.headers.get(cacheHeader), ms: performance.now() - started };
  };
  const message = (content: string) => ({ messages: [{ role: 'user', content }] });

  it('misses, then hits on any pod, keyed on what decides the answer', async () => {
    const text = fresh();
    const first = await ask(pods[0], { ...message(text), temperature: 0.2 });
    expect(first.cache).toBe('MISS');
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Another pod, same request with its fields in another order and a different user: a hit, without the upstream.
    const second = await ask(pods[1], { temperature: 0.2, user: 'someone-else', ...message(text) });
    expect(second.cache).toBe('HIT');
    expect(second.data).toEqual(first.data);
    // A sampling parameter changes the answer: another entry.
    expect((await ask(pods[1], { ...message(text), temperature: 0.9 })).cache).toBe('MISS');
    await new Promise((resolve) => setTimeout(resolve, 20));
    const keys = await inspect.keys('*');
    expect(keys.filter((key) => key.startsWith('test-cache:'))).toHaveLength(2);
    // The raw prompt is not in the key.
    expect(keys.some((key) => key.includes('question'))).toBe(false);
    const hitLine = pods[1]?.logs.find((line) => line.msg === 'request' && line.attempts === 0);
    expect(hitLine?.status).toBe(200);
    // The lookups and the Redis calls behind them show in the pod's metrics.
    const metrics = await (await fetch(`${pods[1]?.url ?? ''}/metrics`)).text();
    expect(Number(/^switchyard_cache_hits_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(Number(/^switchyard_cache_misses_total (\d+)/m.exec(metrics)?.[1])).toBeGreaterThanOrEqual(1);
    expect(metrics).toMatch(/^switchyard_redis_latency_seconds_count\{operation="[a-z_]+"\} [1-9]/m);
  });

  it('expires an entry after its TTL, given per request', async () => {
    const text = fresh();
    expect((await ask(pods[0], { ...message(text), cache: { ttl: 1 } })).cache).toBe('MISS');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await ask(pods[0], message(text))).cache).toBe('HIT');
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await ask(pods[0], message(text))).cache).toBe('MISS');
  });

  it('honours no-cache and no-store, in the body and in Cache-Control', async () => {
    const text = fresh();
    expect((await ask(pods[0], { ...message(text), cache: { 'no-store': true } })).cache).toBe('MISS');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await ask(pods[0], message(text))).cache).toBe('MISS'); // not stored before; stored now
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await ask(pods[0], message(text))).cache).toBe('HIT');
    const forced = await ask(pods[0], { ...message(text), cache: { 'no-cache': true } });
    expect(forced.cache).toBe('BYPASS');
    expect(forced.ms).toBeGreaterThanOrEqual(140); // went to the upstream
    expect((await ask(pods[0], message(text), { 'cache-control': 'no-cache' })).cache).toBe('BYPASS');
    const other = fresh();
    expect((await ask(pods[0], message(other), { 'cache-control': 'no-store' })).cache).toBe('MISS');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect((await ask(pods[0], message(other))).cache).toBe('MISS');
  });

  it('replays a cached stream as server-sent events', async () => {
    const text = fresh();
    const stream = async (pod: RedisGateway | undefined) => {
      if (pod === undefined) throw new Error('no pod');
      const client = new OpenAI({ apiKey: 'none', baseURL: `${pod.url}/v1`, maxRetries: 0 });
      const { data, response } = await client.chat.completions
        .create({ model: 'chat', stream: true, messages: [{ role: 'user', content: text }] })
        .withResponse();
      let content = '';
      let chunks = 0;
      for await (const chunk of data) {
        chunks++;
        content += chunk.choices[0]?.delta.content ?? '';
      }
      return {
        content,
        chunks,
        cache: response.headers.get(cacheHeader),
        type: response.headers.get('content-type'),
      };
    };
    const first = await stream(pods[0]);
    expect(first.cache).toBe('MISS');
    expect(first.content).toContain(text);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const again = await stream(pods[1]);
    expect(again).toEqual({ ...first, cache: 'HIT' });
    expect(again.type).toContain('text/event-stream');
    // A non-streaming request is a different entry (each is replayed as it was sent).
    expect((await ask(pods[1], message(text))).cache).toBe('MISS');
  });

  it('is bypassed while Redis is away, and used again when it is back', async () => {
    const text = fresh();
    await ask(pods[0], message(text));
    await redis.stop();
    try {
      const during = await ask(pods[0], message(text));
      expect(during.cache).toBe('BYPASS');
    } finally {
      await redis.start();
    }
    const [pod] = pods;
    if (pod === undefined) throw new Error('no pod');
    await redisReady(pod, 5000);
    expect((await ask(pods[0], message(text))).cache).toBe('MISS'); // the restarted Redis is empty
  });
});
