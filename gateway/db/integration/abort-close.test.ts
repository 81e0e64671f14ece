import { once } from 'node:events';
import { connect, type AddressInfo, type Socket } from 'node:net';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildGateway } from '../../app.ts';
import { Database } from '../../db/database.ts';
import { databaseSettingsOf } from '../../db/settings.ts';
import { Lifecycle } from '../../observability/lifecycle.ts';
import { createLogger } from '../../observability/logger.ts';
import { serve } from '../../server.ts';
import { callApi, testMasterKey } from '../../test-support/key-api-client.ts';
import { eventually, loadTestConfig, testOperations } from '../../test-support/operations.ts';
import { startRedisGateway } from '../../test-support/redis-gateway.ts';
import { redisServerAvailable, startRedisServer, type RedisServer } from '../../test-support/redis-server.ts';
import { createPostgresDatabase, realPostgres, type TestStore } from '../../test-support/test-database.ts';

// Eight words 150 ms apart: a client has time to read the first and leave mid-stream.
const models = `
model_list:
  - model_name: dribble
    litellm_params:
      model: mock/dribble
      mock_response: "one two three four five six seven eight"
      mock_stream_chunk_delay_ms: 150
      input_cost_per_token: 0.001
      output_cost_per_token: 0.002
general_settings: { master_key: ${testMasterKey} }
`;

/** Far longer than a close takes (a few ms), far shorter than the hang it guards against (forever). */
const closeBoundMs = 5_000;

function within<T>(work: Promise<T>, ms: number): Promise<T | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => {
      resolve('timed out');
    }, ms);
  });
  return Promise.race([work, timeout]).finally(() => {
    clearTimeout(timer);
  });
}

/** Starts a stream; `leave` runs once the first word has arrived, then the client goes, as a user pressing stop. */
async function abortMidStream(
  url: string,
  key: string,
  requestId: string,
  leave: () => void = () => undefined,
): Promise<void> {
  const abort = new AbortController();
  const start = () =>
    fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        'x-request-id': requestId,
      },
      body: JSON.stringify({ model: 'dribble', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      signal: abort.signal,
    });
  let response = await start();
  // With Redis, the previous request's max_parallel_requests slot comes back with the next settle batch.
  for (const deadline = Date.now() + closeBoundMs; response.status === 429 && Date.now() < deadline;) {
    await response.text();
    await new Promise((resolve) => setTimeout(resolve, 50));
    response = await start();
  }
  expect(response.status).toBe(200);
  const reader: ReadableStreamDefaultReader<Uint8Array> | undefined = response.body?.getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (!text.includes('"content":"one"')) {
    const chunk = await reader?.read();
    if (chunk === undefined || chunk.done) throw new Error(`stream ended before its first word: ${text}`);
    text += decoder.decode(chunk.value, { stream: true });
  }
  leave();
  abort.abort();
  await reader?.cancel().catch(() => undefined);
}

/** A client connection that sends nothing, as a pool's fresh socket or a load balancer's preconnect. */
async function silentConnection(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => undefined);
  await once(socket, 'connect');
  return socket;
}

interface SpendRow {
  status: number;
  prompt_tokens: number;
  completion_tokens: number;
  cost: number;
  key_hash: string;
}

/** The spend rows of these requests, but for attempts refused at the key's parallel limit (logged too). */
async function spendRowsOf(store: TestStore, requestIds: readonly string[]): Promise<SpendRow[]> {
  const client = new pg.Client({ connectionString: store.url });
  await client.connect();
  try {
    const result = await client.query<SpendRow>(
      `SELECT status, prompt_tokens, completion_tokens, cost, key_hash FROM switchyard_spend_logs
       WHERE request_id = ANY($1) AND status <> 429 ORDER BY request_id`,
      [requestIds],
    );
    return result.rows;
  } finally {
    await client.end();
  }
}

/** The key's spend, and the sum of its logged requests' costs (they must agree). */
async function keySpendOf(store: TestStore, hash: string): Promise<{ spend: number; logged: number }> {
  const client = new pg.Client({ connectionString: store.url });
  await client.connect();
  try {
    const result = await client.query<{ spend: number; logged: number }>(
      `SELECT k.spend, (SELECT sum(cost) FROM switchyard_spend_logs WHERE key_hash = k.hash) AS logged
       FROM switchyard_keys k WHERE k.hash = $1`,
      [hash],
    );
    const row = result.rows[0];
    return { spend: row?.spend ?? NaN, logged: row?.logged ?? NaN };
  } finally {
    await client.end();
  }
}

function expectAborted(row: SpendRow | undefined, hash: string): void {
  expect(row).toMatchObject({ status: 499, key_hash: hash });
  // The words the client was sent are counted (estimated: it left before the usage chunk), and priced.
  expect(row?.completion_tokens).toBeGreaterThan(0);
  expect(row?.cost).toBeGreaterThan(0);
}

const variants = [
  { name: 'without Redis', redis: false },
  { name: 'with Redis', redis: true },
] as const;
const enabled = realPostgres();
const redisEnabled = enabled && redisServerAvailable();

describe.skipIf(!enabled)('a client that aborts a stream on a gateway with virtual keys', () => {
  let redis: RedisServer | undefined;
  const stores: TestStore[] = [];

  beforeAll(async () => {
    if (redisEnabled) redis = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(stores.map((store) => store.dispose()));
    await redis?.destroy();
  });

  for (const variant of variants) {
    it.skipIf(variant.redis && !redisEnabled)(
      `${variant.name}: frees the key's slot, records the spend as 499, and close() completes`,
      async () => {
        const store = await createPostgresDatabase();
        stores.push(store);
        const redisSettings =
          variant.redis && redis !== undefined
            ? `router_settings: { redis_host: 127.0.0.1, redis_port: ${redis.port} }\n`
            : '';
        const pod = await startRedisGateway(models + redisSettings, store.env);
        let silent: Socket | undefined;
        let closed = false;
        try {
          const made = await callApi(pod.url, 'POST', '/key/generate', { max_parallel_requests: 1 });
          const key = made.body.key as string;
          const hash = made.body.token as string;
          const ids = ['first', 'second'].map(
            (which) => `abort-${which}-${variant.redis ? 'redis' : 'local'}`,
          );
          for (const requestId of ids) {
            await abortMidStream(pod.url, key, requestId);
            await eventually(
              () => pod.logs.some((line) => line.reqId === requestId && line.status === 499),
              closeBoundMs,
              'the aborted request logged',
            );
            // The aborted stream gave back its max_parallel_requests slot (Redis settles in batches, soon after).
            await eventually(
              async () => {
                const next = await fetch(`${pod.url}/v1/chat/completions`, {
                  method: 'POST',
                  headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
                  body: JSON.stringify({ model: 'dribble', messages: [{ role: 'user', content: 'again' }] }),
                });
                await next.text();
                return next.status === 200;
              },
              closeBoundMs,
              'a request on the same key admitted',
            );
          }
          // The connection a client's pool opens again after the abort (undici does), sending nothing yet.
          silent = await silentConnection(pod.url);

          expect(await within(pod.close(), closeBoundMs)).toBeUndefined();
          closed = true;
          const rows = await spendRowsOf(store, ids);
          expect(rows).toHaveLength(2);
          for (const row of rows) expectAborted(row, hash);
          const { spend, logged } = await keySpendOf(store, hash);
          expect(spend).toBeGreaterThan(rows.reduce((sum, row) => sum + row.cost, 0)); // and the answered ones
          expect(spend).toBeCloseTo(logged, 12);
        } finally {
          silent?.destroy();
          if (!closed) await within(pod.close(), closeBoundMs);
        }
      },
    );
  }

  it('drains on SIGTERM with a stream aborted before and one aborted during the drain', async () => {
    const store = await createPostgresDatabase();
    stores.push(store);
    const env = { ...process.env, ...store.env };
    const config = loadTestConfig(models, store.env);
    const logger = createLogger({ level: 'silent' });
    const database = await Database.open(databaseSettingsOf(config.generalSettings, env), logger);
    await database.start();
    const lifecycle = new Lifecycle();
    const operations = testOperations({ shutdownDelayMs: 0, drainTimeoutMs: 5_000 });
    const gateway = buildGateway({ config, logger, database, env, lifecycle, operations });
    const exits: number[] = [];
    const running = await serve(gateway, {
      host: '127.0.0.1',
      port: 0,
      operations,
      drainTimeoutMs: () => operations.drainTimeoutMs,
      exit: (code) => exits.push(code),
    });
    const { port } = gateway.app.server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}`;
    const made = await callApi(url, 'POST', '/key/generate', {});
    const key = made.body.key as string;
    await abortMidStream(url, key, 'drain-before');
    const silent = await silentConnection(url);
    await abortMidStream(url, key, 'drain-during', () => {
      lifecycle.drain('SIGTERM');
    });

    // Exit 0 well before the drain bound (shutdown delay + drain timeout + 10 s) would force exit 1.
    const drained = await within(running.drained, closeBoundMs);
    silent.destroy();
    expect(drained).toBe(0);
    expect(exits).toEqual([0]);
    const rows = await spendRowsOf(store, ['drain-before', 'drain-during']);
    expect(rows).toHaveLength(2);
    for (const row of rows) expectAborted(row, made.body.token as string);
  });
});
