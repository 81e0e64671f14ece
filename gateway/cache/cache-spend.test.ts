import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, testMasterKey } from '../test-support/key-api-client.ts';
import { startKeyedGateway, type KeyedGateway } from '../test-support/keyed-gateway.ts';
import { createTestStore, type TestStore } from '../test-support/test-database.ts';
import { cacheHeader } from './response-cache.ts';

describe('spend of response-cache hits', () => {
  let store: TestStore;
  let gateway: KeyedGateway;

  beforeAll(async () => {
    store = await createTestStore();
    gateway = await startKeyedGateway(
      `model_list:
  - model_name: priced
    litellm_params: { model: mock/priced, input_cost_per_token: 0.001, output_cost_per_token: 0.002 }
general_settings:
  master_key: ${testMasterKey}
litellm_settings: { cache: true }
`,
      store.env,
    );
  });
  afterAll(async () => {
    await gateway.close();
    await store.dispose();
  });

  it('logs a hit as a cache hit that cost nothing, and the miss before it at its price', async () => {
    const made = await callApi(gateway.url, 'POST', '/key/generate', {});
    const send = (requestId: string) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${made.body.key as string}`,
          'content-type': 'application/json',
          'x-request-id': requestId,
        },
        body: JSON.stringify({ model: 'priced', messages: [{ role: 'user', content: 'hi' }] }),
      });
    const miss = await send('cache-miss');
    expect(miss.headers.get(cacheHeader)).toBe('MISS');
    await miss.text();
    const hit = await send('cache-hit');
    expect(hit.headers.get(cacheHeader)).toBe('HIT');
    await hit.text();

    await gateway.spendBuffer?.flush();
    const rows = await gateway.database.query<{ request_id: string; cache_hit: boolean; cost: number }>(
      'SELECT request_id, cache_hit, cost FROM switchyard_spend_logs WHERE key_hash = $1 ORDER BY request_id',
      [made.body.token],
    );
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ request_id: 'cache-hit', cache_hit: true, cost: 0 });
    expect(rows[1]).toMatchObject({ request_id: 'cache-miss', cache_hit: false });
    expect(rows[1]?.cost).toBeGreaterThan(0);
  });
});
