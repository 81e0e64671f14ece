import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, openaiClient, testMasterKey } from '../test-support/key-api-client.ts';
import { startKeyedGateway, type KeyedGateway } from '../test-support/keyed-gateway.ts';
import { createTestStore, type TestStore } from '../test-support/test-database.ts';

describe('disable_spend_logs', () => {
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
  disable_spend_logs: true
`,
      store.env,
    );
  });
  afterAll(async () => {
    await gateway.close();
    await store.dispose();
  });

  const ask = (key: string) =>
    openaiClient(gateway.url, key).chat.completions.create({
      model: 'priced',
      messages: [{ role: 'user', content: 'what does this cost?' }],
    });

  it('writes no ledger row, still counts a virtual key its spend, and keeps nothing for the master key', async () => {
    await ask(testMasterKey);
    expect(gateway.spendBuffer?.size()).toBe(0);

    const made = await callApi(gateway.url, 'POST', '/key/generate', {});
    await ask(made.body.key as string);
    await ask(made.body.key as string);
    expect(gateway.spendBuffer?.size()).toBe(2);
    await gateway.spendBuffer?.flush();

    const [logged] = await gateway.database.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM switchyard_spend_logs',
    );
    expect(logged?.n).toBe(0);
    const [key] = await gateway.database.query<{ spend: number }>(
      'SELECT spend FROM switchyard_keys WHERE hash = $1',
      [made.body.token],
    );
    expect(key?.spend).toBeGreaterThan(0);
    const info = await callApi(gateway.url, 'GET', `/key/info?key=${String(made.body.key)}`);
    expect((info.body.info as { spend: number }).spend).toBe(key?.spend);
  });
});
