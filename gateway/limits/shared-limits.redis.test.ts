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
  - model_name: priced
    litellm_params: { model: mock/priced, mock_response: "ok", input_cost_per_token: 0.001, output_cost_per_token: 0.001 }
  - model_name: dribble
    litellm_params: { model: mock/dribble, mock_response: "one two three four five", mock_stream_chunk_delay_ms: 150 }
  - model_name: slow
    litellm_params: { model: mock/slow, mock_response: "ok", mock_latency_ms: 400 }
router_settings:
  redis_host: 127.0.0.1
  redis_port: ${port}
general_settings:
  master_key: ${testMasterKey}
  proxy_batch_write_at: 0.2
`;

const ask = (text = 'hello there') => ({
  model: 'cheap',
  messages: [{ role: 'user' as const, content: text }],
});

interface Outcome {
  readonly status: number;
  readonly code: string | null | undefined;
  readonly headers: Headers | undefined;
  readonly tokens: number;
  readonly ms: number;
}

async function call(client: OpenAI, body: ReturnType<typeof ask>): Promise<Outcome> {
  const started = performance.now();
  try {
    const { data, response } = await client.chat.completions.create(body).withResponse();
    return {
      status: response.status,
      code: null,
      headers: response.headers,
      tokens: data.usage?.total_tokens ?? 0,
      ms: performance.now() - started,
    };
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return {
      status: Number(error.status ?? 0),
      code: error.code,
      headers: error.headers as Headers | undefined,
      tokens: 0,
      ms: performance.now() - started,
    };
  }
}

const enabled = redisServerAvailable() && realPostgres();

describe.skipIf(!enabled)('rate limits shared by three pods through Redis', () => {
  let redis: RedisServer;
  let store: TestStore;
  let pods: RedisGateway[];

  beforeAll(async () => {
    redis = await startRedisServer();
    store = await createPostgresDatabase();
    pods = [];
    // A generous breaker bound: three pods share one busy event loop here, and a false timeout would count
    // requests on the per-pod fallback (the fault tests use the default).
    for (let index = 0; index < 3; index++)
      pods.push(await startRedisGateway(config(redis.port), store.env, { commandTimeoutMs: 500 }));
    await Promise.all(pods.map((pod) => redisReady(pod)));
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

  /** Sends `count` requests spread over the pods, `concurrency` at a time. */
  const traffic = async (key: string, count: number, concurrency: number, body = ask()) => {
    const clients = pods.map((pod) => openaiClient(pod.url, key));
    const outcomes: Outcome[] = [];
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < count) {
          const index = next++;
          const client = clients[index % clients.length];
          if (client !== undefined) outcomes.push(await call(client, body));
        }
      }),
    );
    return outcomes;
  };

  it('admits a key’s rpm_limit once in total across the pods, not once per pod', async () => {
    await awayFromWindowEdge();
    const key = await keyWith({ rpm_limit: 60 });
    const outcomes = await traffic(key, 120, 12);
    const admitted = outcomes.filter((outcome) => outcome.status === 200);
    const refused = outcomes.filter((outcome) => outcome.status === 429);
    expect(pods.map((pod) => pod.shared.limiter?.localAdmissions)).toEqual([0, 0, 0]);
    expect(admitted.length).toBeGreaterThanOrEqual(59);
    expect(admitted.length).toBeLessThanOrEqual(61);
    expect(refused.length).toBe(outcomes.length - admitted.length);
    const refusal = refused[0];
    expect(refusal?.code).toBe('rpm_limit_exceeded');
    expect(Number(refusal?.headers?.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(refusal?.headers?.get('x-ratelimit-limit-requests')).toBe('60');
    expect(refusal?.headers?.get('x-ratelimit-remaining-requests')).toBe('0');
    expect(admitted[0]?.headers?.get('x-ratelimit-limit-requests')).toBe('60');
  });

  it('keeps a key’s tokens within 2% of its tpm_limit across the pods', async () => {
    await awayFromWindowEdge();
    const limit = 10_000;
    const key = await keyWith({ tpm_limit: limit });
    const body = ask('tell me something '.repeat(20));
    const outcomes: Outcome[] = [];
    // Until refused for a while (settlements arrive a few ms after each answer).
    for (let round = 0; round < 40; round++) {
      const batch = await traffic(key, 6, 3, body);
      outcomes.push(...batch);
      if (batch.every((outcome) => outcome.status === 429) && round > 5) break;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const used = outcomes.reduce((sum, outcome) => sum + outcome.tokens, 0);
    expect(used).toBeLessThanOrEqual(limit * 1.02);
    expect(used).toBeGreaterThanOrEqual(limit * 0.98);
    expect(outcomes.find((outcome) => outcome.status === 429)?.code).toBe('tpm_limit_exceeded');
  });

  it('holds max_parallel_requests across the pods and frees the slots when requests end', async () => {
    const key = await keyWith({ max_parallel_requests: 3 });
    const clients = pods.map((pod) => openaiClient(pod.url, key));
    const slow = { ...ask(), model: 'slow' };
    const outcomes = await Promise.all(
      Array.from({ length: 9 }, (_, index) => {
        const client = clients[index % 3];
        if (client === undefined) throw new Error('no client');
        return call(client, slow);
      }),
    );
    expect(outcomes.filter((outcome) => outcome.status === 200)).toHaveLength(3);
    const refused = outcomes.filter((outcome) => outcome.status === 429);
    expect(refused).toHaveLength(6);
    expect(refused[0]?.code).toBe('parallel_limit_exceeded');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const after = await Promise.all(clients.map((client) => call(client, slow)));
    expect(after.map((outcome) => outcome.status)).toEqual([200, 200, 200]);
  });

  it('keeps a key within its max_budget across the pods, between database reads and flushes', async () => {
    const key = await keyWith({ max_budget: 0.1 });
    const clients = pods.map((pod) => openaiClient(pod.url, key));
    const body = { ...ask(), model: 'priced' };
    let admitted = 0;
    let cost = 0;
    let refusal: Outcome | undefined;
    for (let index = 0; index < 45 && refusal === undefined; index++) {
      const client = clients[index % 3];
      if (client === undefined) break;
      const outcome = await call(client, body);
      if (outcome.status === 200) {
        admitted++;
        cost = outcome.tokens * 0.001;
      } else refusal = outcome;
      await new Promise((resolve) => setTimeout(resolve, 15));
    }
    // Each pod alone would let about 0.1 / cost requests through: three times too many together.
    const allowed = Math.ceil(0.1 / cost);
    expect(refusal?.code).toBe('budget_exceeded');
    expect(admitted).toBeGreaterThanOrEqual(allowed);
    expect(admitted).toBeLessThanOrEqual(allowed + 1);
  });

  it('spends at most one Redis round trip per request, and none while a key is far below its limits', async () => {
    const key = await keyWith({ rpm_limit: 10_000 });
    const calls = () => pods.reduce((sum, pod) => sum + (pod.shared.redis?.state().calls ?? 0), 0);
    const decided = (path: 'script' | 'claim') =>
      pods.reduce((sum, pod) => sum + (pod.shared.limiter?.admissions()[path] ?? 0), 0);
    const [callsBefore, scriptBefore, claimsBefore] = [calls(), decided('script'), decided('claim')];
    const started = Date.now();
    const outcomes = await traffic(key, 60, 1);
    const seconds = Math.ceil((Date.now() - started) / 1000);
    expect(outcomes.every((outcome) => outcome.status === 200)).toBe(true);
    // Each pod's first request goes through the admission script, and the claims it then takes admit the rest.
    expect(decided('script') - scriptBefore).toBeLessThanOrEqual(10);
    expect(decided('claim') - claimsBefore).toBe(60 - (decided('script') - scriptBefore));
    // The rest is each pod's housekeeping (once a second) and cooldown refresh (every 2 s).
    expect(calls() - callsBefore).toBeLessThanOrEqual(60 + 3 * 2 * (seconds + 1));
  });

  it('holds a parallel slot while a stream is open and frees it when the stream ends', async () => {
    const key = await keyWith({ max_parallel_requests: 1 });
    const [first, second] = pods.map((pod) => openaiClient(pod.url, key));
    if (first === undefined || second === undefined) throw new Error('no pods');
    const stream = (client: OpenAI) =>
      client.chat.completions.create({
        model: 'dribble',
        stream: true,
        messages: [{ role: 'user', content: 'hi' }],
      });
    let chunks = 0;
    for await (const chunk of await stream(first)) chunks += chunk.choices.length;
    expect(chunks).toBeGreaterThan(3);
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Held while a stream is open, on every pod; free again once it ended.
    const open = await stream(first);
    const iterator = open[Symbol.asyncIterator]();
    await iterator.next();
    expect((await call(second, ask())).code).toBe('parallel_limit_exceeded');
    while ((await iterator.next()).done !== true) chunks++;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect((await call(second, ask())).status).toBe(200);
  });
});
