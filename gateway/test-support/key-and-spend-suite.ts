import { writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../auth/key-hash.ts';
import { callApi, openaiClient, refusalOf, testMasterKey } from './key-api-client.ts';
import { startKeyedGateway, type KeyedGateway } from './keyed-gateway.ts';
import type { TestStore } from './test-database.ts';

export const pricedConfig = `
model_list:
  - model_name: cheap
    litellm_params: { model: mock/cheap, input_cost_per_token: 0.001, output_cost_per_token: 0.002 }
  - model_name: team-a-chat
    litellm_params: { model: mock/team-a, input_cost_per_token: 0.001, output_cost_per_token: 0.002 }
  - model_name: grouped
    litellm_params: { model: mock/grouped }
    model_info: { access_groups: [beta-models] }
  - model_name: slow
    litellm_params: { model: mock/slow, mock_latency_ms: 400 }
general_settings:
  master_key: ${testMasterKey}
  proxy_batch_write_at: 0.2
`;

const ask = { messages: [{ role: 'user' as const, content: 'hello there' }] };

/**
 * The key and spend behaviour every store must have: the same tests run against a real PostgreSQL database and
 * against the embedded store.
 */
export function keyAndSpendSuite(name: string, createStore: () => Promise<TestStore>): void {
  describe(`virtual keys and spend (${name})`, () => {
    let store: TestStore;
    let gateway: KeyedGateway;
    let keysFile: string;
    const fileKey = 'sk-file-key-from-the-operator-0001';

    beforeAll(async () => {
      store = await createStore();
      keysFile = join(mkdtempSync(join(tmpdir(), 'switchyard-keys-')), 'keys.json');
      writeKeysFile(keysFile, [
        { hash: hashKey(fileKey), key_alias: 'from-file', models: ['cheap'], source: 'team-a/chat-key' },
      ]);
      gateway = await startKeyedGateway(pricedConfig, {
        ...store.env,
        SWITCHYARD_KEYS_FILE: keysFile,
        SWITCHYARD_PREVIOUS_MASTER_KEY: 'sk-test-previous-master-key-0000',
      });
    });
    afterAll(async () => {
      await gateway.close();
      await store.dispose();
    });

    const generate = async (body: Record<string, unknown> = {}) => {
      const { status, body: answer } = await callApi(gateway.url, 'POST', '/key/generate', body);
      expect(status).toBe(200);
      return answer as { key: string; token: string } & Record<string, unknown>;
    };
    const flushed = async () => {
      await gateway.spendBuffer?.flush();
    };

    it('runs a key through its whole life via the API', async () => {
      const made = await generate({ key_alias: 'life', models: ['cheap'], metadata: { team: 'a' } });
      expect(made.key).toMatch(/^sk-[A-Za-z0-9_-]{32}$/);
      expect(made.token).toBe(hashKey(made.key));
      // Only the hash is stored.
      const stored = await gateway.database.query<{ found: string }>(
        "SELECT count(*) AS found FROM switchyard_keys WHERE hash = $1 OR key_name LIKE '%' || $2 || '%'",
        [made.key, made.key.slice(3, 20)],
      );
      expect(Number(stored[0]?.found)).toBe(0);

      const client = openaiClient(gateway.url, made.key);
      expect(
        (await client.chat.completions.create({ model: 'cheap', ...ask })).choices[0]?.message.content,
      ).toContain('hello');

      const info = await callApi(gateway.url, 'GET', `/key/info?key=${made.key}`);
      expect(info.status).toBe(200);
      expect(info.body.info).toMatchObject({ key_alias: 'life', models: ['cheap'], metadata: { team: 'a' } });

      // An update takes effect on this pod at once (the cached policy is dropped).
      expect(
        (await callApi(gateway.url, 'POST', '/key/update', { key: made.key, models: ['team-a-chat'] }))
          .status,
      ).toBe(200);
      expect((await refusalOf(client.chat.completions.create({ model: 'cheap', ...ask }))).status).toBe(403);

      expect((await callApi(gateway.url, 'POST', '/key/block', { key: made.key })).status).toBe(200);
      expect(await refusalOf(client.chat.completions.create({ model: 'team-a-chat', ...ask }))).toMatchObject(
        {
          status: 403,
          code: 'key_blocked',
        },
      );
      expect((await callApi(gateway.url, 'POST', '/key/unblock', { key: made.key })).status).toBe(200);
      await client.chat.completions.create({ model: 'team-a-chat', ...ask });

      // Regenerate with a grace period: both keys work until it ends.
      const rotated = await callApi(gateway.url, 'POST', `/key/${made.key}/regenerate`, {
        grace_period: '1h',
      });
      expect(rotated.status).toBe(200);
      const newKey = rotated.body.key as string;
      expect(newKey).not.toBe(made.key);
      await openaiClient(gateway.url, newKey).chat.completions.create({ model: 'team-a-chat', ...ask });
      await client.chat.completions.create({ model: 'team-a-chat', ...ask });
      // Without one, the old key stops at once.
      const again = await callApi(gateway.url, 'POST', '/key/regenerate', { key: newKey });
      const newest = again.body.key as string;
      expect((await refusalOf(openaiClient(gateway.url, newKey).models.list())).status).toBe(401);
      await openaiClient(gateway.url, newest).chat.completions.create({ model: 'team-a-chat', ...ask });

      const deleted = await callApi(gateway.url, 'POST', '/key/delete', { key_aliases: ['life'] });
      expect(deleted.status).toBe(200);
      expect(deleted.body.deleted_keys).toEqual([hashKey(newest)]);
      expect(
        await refusalOf(
          openaiClient(gateway.url, newest).chat.completions.create({ model: 'team-a-chat', ...ask }),
        ),
      ).toMatchObject({
        status: 401,
        code: 'invalid_api_key',
      });
      expect((await callApi(gateway.url, 'GET', `/key/info?key=${newest}`)).status).toBe(404);
    });

    it('lists keys page by page, API keys then file keys', async () => {
      for (let index = 0; index < 3; index++) await generate({ key_alias: `listed-${index}` });
      const first = await callApi(gateway.url, 'GET', '/key/list?page=1&size=2');
      expect(first.status).toBe(200);
      expect(first.body.keys).toHaveLength(2);
      const total = first.body.total_count as number;
      expect(total).toBeGreaterThanOrEqual(4);
      const pages = first.body.total_pages as number;
      const last = await callApi(
        gateway.url,
        'GET',
        `/key/list?page=${pages}&size=2&return_full_object=true`,
      );
      const lastKeys = last.body.keys as { source: string }[];
      expect(lastKeys.at(-1)?.source).toBe('file:team-a/chat-key');
    });

    it("shows a used key's remaining budget in the metrics, by alias", async () => {
      const made = await generate({ key_alias: 'metered', max_budget: 10 });
      await openaiClient(gateway.url, made.key).chat.completions.create({ model: 'cheap', ...ask });
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      const left = Number(
        /^switchyard_key_budget_remaining_usd\{key_alias="metered"\} (\S+)$/m.exec(metrics)?.[1],
      );
      expect(left).toBeLessThan(10);
      expect(left).toBeGreaterThan(9);
    });

    it('refuses a limit the store cannot hold with a 400 naming it', async () => {
      const { status, body } = await callApi(gateway.url, 'POST', '/key/generate', {
        tpm_limit: 10_000_000_000,
      });
      expect(status).toBe(400);
      expect(body).toMatchObject({ error: { type: 'invalid_request_error', param: 'tpm_limit' } });
    });

    it('refuses a NUL character the database cannot store with a 400, in a query and in a body', async () => {
      const query = await callApi(gateway.url, 'GET', '/spend/logs?model=%00');
      const alias = await callApi(gateway.url, 'POST', '/key/generate', { key_alias: 'team\u0000a' });
      const metadata = await callApi(gateway.url, 'POST', '/key/generate', { metadata: { note: '\u0000' } });
      for (const { status, body } of [query, alias, metadata]) {
        expect(status).toBe(400);
        expect(body).toMatchObject({ error: { type: 'invalid_request_error', code: 'invalid_request' } });
      }
    });

    it('accepts only the master key (current or previous) on the key API', async () => {
      const made = await generate();
      expect((await callApi(gateway.url, 'POST', '/key/generate', {}, made.key)).status).toBe(403);
      expect((await callApi(gateway.url, 'POST', '/key/generate', {}, 'sk-nope-nope-nope-nope')).status).toBe(
        401,
      );
      expect(
        (await callApi(gateway.url, 'POST', '/key/generate', {}, 'sk-test-previous-master-key-0000')).status,
      ).toBe(200);
      // A key may read its own info, not another's.
      expect((await callApi(gateway.url, 'GET', '/key/info', undefined, made.key)).status).toBe(200);
      const other = await generate();
      expect(
        (await callApi(gateway.url, 'GET', `/key/info?key=${other.key}`, undefined, made.key)).status,
      ).toBe(403);
    });

    it('refuses each reason with its own status and code', async () => {
      expect(
        await refusalOf(openaiClient(gateway.url, 'sk-unknown-key-000000000000').models.list()),
      ).toMatchObject({
        status: 401,
        code: 'invalid_api_key',
      });

      const expiring = await generate({ duration: '1s' });
      await sleep(1100);
      expect(
        await refusalOf(
          openaiClient(gateway.url, expiring.key).chat.completions.create({ model: 'cheap', ...ask }),
        ),
      ).toMatchObject({
        status: 401,
        code: 'key_expired',
      });

      const scoped = await generate({ models: ['team-a-*', 'beta-models'] });
      const scopedClient = openaiClient(gateway.url, scoped.key);
      // It lists only what it may call: by wildcard and by access group.
      const listed = (await scopedClient.models.list()).data.map((model) => model.id).sort();
      expect(listed).toEqual(['grouped', 'team-a-chat']);
      await scopedClient.chat.completions.create({ model: 'team-a-chat', ...ask }); // wildcard
      await scopedClient.chat.completions.create({ model: 'grouped', ...ask }); // access group
      const refused = await refusalOf(scopedClient.chat.completions.create({ model: 'cheap', ...ask }));
      expect(refused).toMatchObject({ status: 403, code: 'model_not_allowed' });
      expect(refused.message).toContain('cheap');

      const broke = await generate({ max_budget: 0.001 });
      const brokeClient = openaiClient(gateway.url, broke.key);
      await brokeClient.chat.completions.create({ model: 'cheap', ...ask });
      const overBudget = await refusalOf(brokeClient.chat.completions.create({ model: 'cheap', ...ask }));
      expect(overBudget).toMatchObject({ status: 400, code: 'budget_exceeded' });
      expect(overBudget.message).toContain('max_budget');

      const rpm = await generate({ rpm_limit: 2 });
      const rpmClient = openaiClient(gateway.url, rpm.key);
      await rpmClient.chat.completions.create({ model: 'cheap', ...ask });
      await rpmClient.chat.completions.create({ model: 'cheap', ...ask });
      const overRpm = await refusalOf(rpmClient.chat.completions.create({ model: 'cheap', ...ask }));
      expect(overRpm).toMatchObject({ status: 429, code: 'rpm_limit_exceeded' });
      expect(overRpm.message).toContain('rpm_limit (2');

      const tpm = await generate({ tpm_limit: 5 });
      const tpmClient = openaiClient(gateway.url, tpm.key);
      await tpmClient.chat.completions.create({ model: 'cheap', ...ask });
      expect(await refusalOf(tpmClient.chat.completions.create({ model: 'cheap', ...ask }))).toMatchObject({
        status: 429,
        code: 'tpm_limit_exceeded',
      });

      const parallel = await generate({ max_parallel_requests: 1 });
      const parallelClient = openaiClient(gateway.url, parallel.key);
      const first = parallelClient.chat.completions.create({ model: 'slow', ...ask });
      await sleep(100);
      expect(
        await refusalOf(parallelClient.chat.completions.create({ model: 'slow', ...ask })),
      ).toMatchObject({
        status: 429,
        code: 'parallel_limit_exceeded',
      });
      await first;
    });

    it('resets a budget when its budget_duration has passed', async () => {
      const made = await generate({ max_budget: 0.001, budget_duration: '2s' });
      const client = openaiClient(gateway.url, made.key);
      await client.chat.completions.create({ model: 'cheap', ...ask });
      expect((await refusalOf(client.chat.completions.create({ model: 'cheap', ...ask }))).code).toBe(
        'budget_exceeded',
      );
      await flushed();
      await sleep(2100);
      await client.chat.completions.create({ model: 'cheap', ...ask });
      await flushed();
      // The database rolled the period too: the spend is this period's only.
      const rows = await gateway.database.query<{ spend: number; budget_reset_at: Date }>(
        'SELECT spend, budget_reset_at FROM switchyard_keys WHERE hash = $1',
        [made.token],
      );
      const logs = await gateway.database.query<{ cost: number }>(
        'SELECT cost FROM switchyard_spend_logs WHERE key_hash = $1 ORDER BY created_at',
        [made.token],
      );
      expect(logs).toHaveLength(2);
      expect(rows[0]?.spend).toBeCloseTo(logs[1]?.cost ?? -1, 9);
      expect(rows[0]?.budget_reset_at.getTime()).toBeGreaterThan(Date.now());
    });

    it('writes one ledger row per request and adds their costs to the key', async () => {
      const made = await generate({ key_alias: 'ledger' });
      const client = openaiClient(gateway.url, made.key);
      const requests = 30;
      await Promise.all(
        Array.from({ length: requests }, async (_, index) => {
          if (index % 3 === 0) {
            const stream = await client.chat.completions.create({ model: 'cheap', stream: true, ...ask });
            const chunks = [];
            for await (const chunk of stream) chunks.push(chunk);
            // The gateway asked upstream for usage; the client, which did not, gets no usage chunk.
            expect(chunks.every((chunk) => chunk.usage === undefined || chunk.usage === null)).toBe(true);
          } else {
            // Every request carries the same client request id: the ledger must still keep each.
            await client.chat.completions.create(
              { model: 'cheap', ...ask },
              { headers: { 'x-request-id': 'same-id' } },
            );
          }
        }),
      );
      await flushed();
      const rows = await gateway.database.query<{
        cost: number;
        prompt_tokens: number;
        completion_tokens: number;
        request_id: string;
      }>(
        'SELECT cost, prompt_tokens, completion_tokens, request_id FROM switchyard_spend_logs WHERE key_hash = $1',
        [made.token],
      );
      expect(rows).toHaveLength(requests);
      expect(rows.filter((row) => row.request_id === 'same-id')).toHaveLength(20);
      for (const row of rows)
        expect(row.cost).toBeCloseTo(row.prompt_tokens * 0.001 + row.completion_tokens * 0.002, 9);
      const total = rows.reduce((sum, row) => sum + row.cost, 0);
      expect(total).toBeGreaterThan(0);
      const key = await callApi(gateway.url, 'GET', `/key/info?key=${made.key}`);
      expect((key.body.info as { spend: number }).spend).toBeCloseTo(total, 9);

      const logs = await callApi(
        gateway.url,
        'GET',
        `/spend/logs?api_key=${made.key}&model=cheap&page_size=10`,
      );
      expect(logs.status).toBe(200);
      expect(logs.body).toHaveLength(10);
      const today = new Date().toISOString().slice(0, 10);
      const byDate = await callApi(
        gateway.url,
        'GET',
        `/spend/logs?api_key=${made.token}&start_date=${today}&end_date=${today}&page_size=1000`,
      );
      expect(byDate.body).toHaveLength(requests);
      const none = await callApi(gateway.url, 'GET', `/spend/logs?api_key=${made.token}&model=slow`);
      expect(none.body).toHaveLength(0);
    });

    it('serves keys-file keys read-only, with their spend in the database, and reloads the file', async () => {
      const client = openaiClient(gateway.url, fileKey);
      await client.chat.completions.create({ model: 'cheap', ...ask });
      expect((await refusalOf(client.chat.completions.create({ model: 'team-a-chat', ...ask }))).code).toBe(
        'model_not_allowed',
      );
      const update = await callApi(gateway.url, 'POST', '/key/update', { key: fileKey, models: [] });
      expect(update.status).toBe(409);
      expect(JSON.stringify(update.body)).toContain('team-a/chat-key');
      expect((await callApi(gateway.url, 'POST', '/key/delete', { keys: [fileKey] })).status).toBe(409);
      await flushed();
      const info = await callApi(gateway.url, 'GET', `/key/info?key=${fileKey}`);
      expect((info.body.info as { spend: number; source: string }).spend).toBeGreaterThan(0);

      const added = 'sk-file-key-added-later-000000002';
      writeKeysFile(keysFile, [
        {
          hash: hashKey(fileKey),
          key_alias: 'from-file',
          models: ['cheap', 'team-a-chat'],
          source: 'team-a/chat-key',
        },
        { hash: hashKey(added), source: 'team-b/new-key' },
      ]);
      await expect
        .poll(
          () =>
            openaiClient(gateway.url, added)
              .models.list()
              .then(
                () => true,
                () => false,
              ),
          { timeout: 5000 },
        )
        .toBe(true);
      await client.chat.completions.create({ model: 'team-a-chat', ...ask });
    });
  });
}

function writeKeysFile(path: string, keys: Record<string, unknown>[]): void {
  writeFileSync(path, JSON.stringify({ version: 1, keys }));
}
