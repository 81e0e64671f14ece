import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi } from '../../test-support/key-api-client.ts';
import { pricedConfig } from '../../test-support/key-and-spend-suite.ts';
import { startKeyedGateway } from '../../test-support/keyed-gateway.ts';
import { createTestStore, type TestStore } from '../../test-support/test-database.ts';
import { SecretBox } from '../secret-box.ts';
import { StoredModels } from '../stored-models.ts';

const upstreamKey = 'sk-upstream-credential-123456';
const model = {
  model_name: 'stored-gpt',
  litellm_params: { model: 'openai/gpt-4o', api_key: upstreamKey, api_base: 'https://example.test/v1' },
};

describe('models stored with encrypted credentials', { timeout: 60_000 }, () => {
  let store: TestStore;

  beforeAll(async () => {
    store = await createTestStore();
  });
  afterAll(async () => {
    await store.dispose();
  });

  const withGateway = async <T>(
    saltKey: string | undefined,
    work: (url: string, models: StoredModels) => Promise<T>,
  ) => {
    const env = { ...store.env, SWITCHYARD_SALT_KEY: saltKey ?? '', LITELLM_SALT_KEY: '' };
    const gateway = await startKeyedGateway(pricedConfig, env);
    try {
      return await work(
        gateway.url,
        new StoredModels(
          gateway.database,
          saltKey === undefined ? undefined : SecretBox.fromSaltKey(saltKey),
        ),
      );
    } finally {
      await gateway.close();
    }
  };

  it('stores the credential sealed, lists the model without it, and decrypts it with the same salt key', async () => {
    await withGateway('salt-one', async (url, models) => {
      const added = await callApi(url, 'POST', '/model/new', model);
      expect(added.status).toBe(200);
      expect(JSON.stringify(added.body)).not.toContain(upstreamKey);
      expect(added.body.credentials).toEqual(['api_key']);

      const info = await callApi(url, 'GET', '/model/info');
      expect(info.status).toBe(200);
      const listed = (info.body.data as { model_name: string; model_info: { db_model: boolean } }[]).filter(
        (entry) => entry.model_info.db_model,
      );
      expect(listed.map((entry) => entry.model_name)).toEqual(['stored-gpt']);
      expect(JSON.stringify(info.body)).not.toContain(upstreamKey);

      const { entries, unreadable } = await models.entries();
      expect(entries[0]?.entry.litellm_params.api_key).toBe(upstreamKey);
      expect(unreadable).toEqual([]);
    });
  });

  it('says clearly when the salt key is wrong or missing, never garbage or plaintext', async () => {
    await withGateway('salt-two', async (url) => {
      const info = await callApi(url, 'GET', '/model/info');
      expect(info.status).toBe(500);
      expect(info.body).toMatchObject({ error: { code: 'secrets_unavailable' } });
      expect(JSON.stringify(info.body)).toContain('SWITCHYARD_SALT_KEY is not the key');
    });
    await withGateway(undefined, async (url) => {
      const added = await callApi(url, 'POST', '/model/new', { ...model, model_name: 'another' });
      expect(added.status).toBe(500);
      expect(JSON.stringify(added.body)).toContain('set SWITCHYARD_SALT_KEY');
      expect(JSON.stringify(added.body)).not.toContain(upstreamKey);
    });
  });

  it('deletes a stored model', async () => {
    await withGateway('salt-one', async (url, models) => {
      const [stored] = await models.list();
      expect((await callApi(url, 'POST', '/model/delete', { id: stored?.id })).status).toBe(200);
      expect(await models.list()).toEqual([]);
      expect((await callApi(url, 'POST', '/model/delete', { id: stored?.id })).status).toBe(400);
    });
  });
});
