import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAIProtocol } from '../../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../../e2e/fake-upstream/server.ts';
import { callApi, openaiClient, testMasterKey } from '../test-support/key-api-client.ts';
import { startKeyedGateway, type KeyedGateway } from '../test-support/keyed-gateway.ts';
import { createTestStore, type TestStore } from '../test-support/test-database.ts';
import { priceTable } from './prices.ts';

describe('spend of a real provider wire format', () => {
  let upstream: FakeUpstream;
  let store: TestStore;
  let gateway: KeyedGateway;

  beforeAll(async () => {
    upstream = await startFakeUpstream([openAIProtocol()]);
    store = await createTestStore();
    gateway = await startKeyedGateway(
      `model_list:
  - model_name: gpt-4o-mini
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}/v1, api_key: sk-fake-upstream-key }
general_settings:
  master_key: ${testMasterKey}
`,
      store.env,
    );
  });
  afterAll(async () => {
    await gateway.close();
    await store.dispose();
    await upstream.close();
  });

  it('asks the upstream for stream usage, hides it from a client that did not ask, and prices it from the table', async () => {
    const made = await callApi(gateway.url, 'POST', '/key/generate', {});
    const client = openaiClient(gateway.url, made.body.key as string);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'count my tokens please' }],
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    const sent = upstream.requests.at(-1)?.body as { stream_options?: { include_usage?: boolean } };
    expect(sent.stream_options?.include_usage).toBe(true);

    const asked = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'and mine' }],
    });
    let usage: { prompt_tokens: number; completion_tokens: number } | undefined;
    for await (const chunk of asked) usage = chunk.usage ?? usage;
    expect(usage?.completion_tokens).toBeGreaterThan(0);

    await gateway.spendBuffer?.flush();
    const rows = await gateway.database.query<{
      prompt_tokens: number;
      completion_tokens: number;
      cost: number;
    }>(
      'SELECT prompt_tokens, completion_tokens, cost FROM switchyard_spend_logs WHERE key_hash = $1 ORDER BY created_at',
      [made.body.token],
    );
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({
      prompt_tokens: usage?.prompt_tokens,
      completion_tokens: usage?.completion_tokens,
    });
    const price = priceTable.get('gpt-4o-mini');
    for (const row of rows) {
      expect(row.completion_tokens).toBeGreaterThan(0);
      expect(row.cost).toBeCloseTo(
        row.prompt_tokens * (price?.input ?? NaN) + row.completion_tokens * (price?.output ?? NaN),
        12,
      );
    }
  });
});
