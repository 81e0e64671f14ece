import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAIProtocol } from '../../../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../../../e2e/fake-upstream/server.ts';
import { reloadOnChange } from '../../config/reload.ts';
import { createLogger } from '../../observability/logger.ts';
import { createProviderRegistry } from '../../providers/registry.ts';
import { callApi, openaiClient, testMasterKey } from '../../test-support/key-api-client.ts';
import { startKeyedGateway, type KeyedGateway } from '../../test-support/keyed-gateway.ts';
import { eventually } from '../../test-support/operations.ts';
import {
  createEmbeddedStore,
  createPostgresDatabase,
  realPostgres,
  type TestStore,
} from '../../test-support/test-database.ts';

const upstreamKey = 'sk-upstream-stored-credential-7f3a9c21';
const saltKey = 'salt-key-of-the-serving-tests';

const configYaml = (extra = '') => `
model_list:
  - model_name: from-file
    litellm_params: { model: mock/from-file }
    model_info: { id: file-model }
${extra}
general_settings:
  master_key: ${testMasterKey}
  proxy_batch_write_at: 60
`;

const storedModel = (upstream: FakeUpstream, name = 'db-gpt', info: Record<string, unknown> = {}) => ({
  model_name: name,
  litellm_params: { model: 'openai/gpt-4o-mini', api_base: `${upstream.url}/v1`, api_key: upstreamKey },
  model_info: info,
});

async function chat(gateway: KeyedGateway, model: string, text: string): Promise<string | null | undefined> {
  const answer = await openaiClient(gateway.url, testMasterKey).chat.completions.create({
    model,
    messages: [{ role: 'user', content: text }],
  });
  return answer.choices[0]?.message.content;
}

/** Whether the gateway refuses the model as unknown (400 model_not_found); false when it answers. */
const unknownModel = async (gateway: KeyedGateway, model: string): Promise<boolean> => {
  try {
    await chat(gateway, model, 'anyone there?');
    return false;
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return error.status === 400 && error.code === 'model_not_found';
  }
};

interface InfoEntry {
  model_name: string;
  model_info: { id: string; db_model: boolean };
}

async function modelInfo(gateway: KeyedGateway): Promise<{ text: string; entries: InfoEntry[] }> {
  const info = await callApi(gateway.url, 'GET', '/model/info');
  expect(info.status).toBe(200);
  return { text: JSON.stringify(info.body), entries: info.body.data as InfoEntry[] };
}

describe.skipIf(!realPostgres())(
  'models added through the API, on two pods of one database',
  { timeout: 60_000 },
  () => {
    let upstream: FakeUpstream;
    let store: TestStore;
    let configFile: string;
    /** Polls rarely: what it serves of its own changes it saw at once. */
    let first: KeyedGateway;
    /** Polls every 200 ms: it learns of the first pod's changes only from the table. */
    let second: KeyedGateway;
    const start = (pollSeconds: string, salt = saltKey) =>
      startKeyedGateway(configYaml(), {
        ...store.env,
        SWITCHYARD_SALT_KEY: salt,
        LITELLM_SALT_KEY: '',
        SWITCHYARD_CONFIG_POLL_SECONDS: pollSeconds,
      });

    beforeAll(async () => {
      upstream = await startFakeUpstream([openAIProtocol()]);
      store = await createPostgresDatabase();
      configFile = join(mkdtempSync(join(tmpdir(), 'switchyard-served-')), 'config.yaml');
      writeFileSync(configFile, configYaml());
      first = await start('60');
      second = await start('0.2');
    });
    afterAll(async () => {
      await first.close();
      await second.close();
      await upstream.close();
      await store.dispose();
    });

    it('serves a model added on one pod there at once, and on the other once it polls', async () => {
      expect(await unknownModel(second, 'db-gpt')).toBe(true);
      const added = await callApi(first.url, 'POST', '/model/new', storedModel(upstream));
      expect(added.status).toBe(200);
      expect(JSON.stringify(added.body)).not.toContain(upstreamKey);

      expect(await chat(first, 'db-gpt', 'hello from the first pod')).toBe('echo: hello from the first pod');
      const call = upstream.requests.at(-1);
      expect(call?.path).toBe('/v1/chat/completions');
      expect(call?.headers.authorization).toBe(`Bearer ${upstreamKey}`);
      expect((call?.body as { model?: string }).model).toBe('gpt-4o-mini');

      await eventually(
        async () => !(await unknownModel(second, 'db-gpt')),
        10_000,
        'second pod serves db-gpt',
      );
      expect(await chat(second, 'db-gpt', 'hello from the second pod')).toBe(
        'echo: hello from the second pod',
      );
      expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${upstreamKey}`);

      for (const gateway of [first, second]) {
        const { text, entries } = await modelInfo(gateway);
        expect(text).not.toContain(upstreamKey);
        const kinds = entries.map((entry) => [entry.model_name, entry.model_info.db_model]);
        expect(kinds).toEqual([
          ['from-file', false],
          ['db-gpt', true],
        ]);
        expect(entries[1]?.model_info.id).toBe(added.body.model_id);
      }
    });

    it('serves stored models with no database round trip on the request path', async () => {
      let checkouts = 0;
      const count = () => {
        checkouts++;
      };
      first.database.pool.on('acquire', count);
      try {
        for (let index = 0; index < 20; index++) await chat(first, 'db-gpt', `call ${index}`);
      } finally {
        first.database.pool.off('acquire', count);
      }
      expect(checkouts).toBe(0);
    });

    it('keeps the stored models across a config file reload, and lets the file win an id both use', async () => {
      const watcher = reloadOnChange(first, {
        path: configFile,
        intervalMs: 50,
        registry: createProviderRegistry(),
        logger: createLogger({ level: 'silent' }),
      });
      try {
        writeFileSync(
          configFile,
          configYaml(`  - model_name: added-in-file
    litellm_params: { model: mock/added }`),
        );
        await eventually(() => first.router().modelGroups().includes('added-in-file'), 10_000, 'file reload');
        expect(await chat(first, 'added-in-file', 'new file')).toContain('mock reply');
        expect(await chat(first, 'db-gpt', 'still there')).toBe('echo: still there');

        const contested = await callApi(
          first.url,
          'POST',
          '/model/new',
          storedModel(upstream, 'db-contested', { id: 'contested' }),
        );
        expect(contested.status).toBe(200);
        expect(await chat(first, 'db-contested', 'mine for now')).toBe('echo: mine for now');
        writeFileSync(
          configFile,
          configYaml(`  - model_name: file-contested
    litellm_params: { model: mock/contested }
    model_info: { id: contested }`),
        );
        await eventually(
          () => first.router().modelGroups().includes('file-contested'),
          10_000,
          'file reload',
        );
        expect(await unknownModel(first, 'db-contested')).toBe(true);
        expect(await chat(first, 'db-gpt', 'and still')).toBe('echo: and still');
        expect(first.logs.some((line) => String(line.msg).includes('the config wins'))).toBe(true);
        // Both are listed: the file's as served, the stored one as stored.
        const { entries } = await modelInfo(first);
        expect(
          entries
            .filter((entry) => entry.model_info.id === 'contested')
            .map((entry) => entry.model_info.db_model),
        ).toEqual([false, true]);
        expect((await callApi(first.url, 'POST', '/model/delete', { id: 'contested' })).status).toBe(200);
      } finally {
        watcher.close();
      }
    });

    it('refuses at /model/new what could not be served, before storing it', async () => {
      const refused = async (body: unknown) => {
        const answer = await callApi(first.url, 'POST', '/model/new', body);
        expect(answer.status).toBe(400);
        return JSON.stringify(answer.body);
      };
      const base = storedModel(upstream, 'refused');
      expect(
        await refused({ ...base, litellm_params: { ...base.litellm_params, api_key: 'os.environ/HOME' } }),
      ).toContain('not references');
      expect(
        await refused({ ...base, litellm_params: { ...base.litellm_params, api_key: 'file:/etc/hostname' } }),
      ).toContain('not references');
      expect(await refused({ ...base, litellm_params: { model: 'nowhere/model-x' } })).toContain(
        'provider \\"nowhere\\" is not supported',
      );
      expect(await refused({ ...base, model_info: { id: 'file-model' } })).toContain('config file');
      const taken = (await modelInfo(first)).entries.find((entry) => entry.model_name === 'db-gpt');
      expect(await refused({ ...base, model_info: { id: taken?.model_info.id } })).toContain('already');
      expect((await modelInfo(first)).entries.map((entry) => entry.model_name)).not.toContain('refused');
    });

    it('skips a stored model that another salt key sealed, with a clear log line, and serves the rest', async () => {
      const other = await start('0.2', 'not-the-salt-key');
      try {
        await eventually(
          () => other.logs.some((line) => String(line.msg).includes('is not served')),
          10_000,
          'the skip is logged',
        );
        const line = other.logs.find((entry) => String(entry.msg).includes('is not served'));
        expect(line?.level).toBe(50);
        expect(String(line?.msg)).toContain('SWITCHYARD_SALT_KEY is not the key');
        expect(await chat(other, 'from-file', 'hi')).toContain('mock reply');
        expect(await unknownModel(other, 'db-gpt')).toBe(true);
      } finally {
        await other.close();
      }
    });

    it('stops serving a deleted model on both pods', async () => {
      const { entries } = await modelInfo(first);
      const id = entries.find((entry) => entry.model_name === 'db-gpt')?.model_info.id;
      expect((await callApi(first.url, 'POST', '/model/delete', { id })).status).toBe(200);
      expect(await unknownModel(first, 'db-gpt')).toBe(true);
      await eventually(() => unknownModel(second, 'db-gpt'), 10_000, 'second pod drops db-gpt');
      expect(await chat(second, 'from-file', 'file model left')).toContain('mock reply');

      for (const gateway of [first, second]) {
        expect(gateway.logs.some((line) => line.msg === 'stored models read')).toBe(true);
        expect(JSON.stringify(gateway.logs)).not.toContain(upstreamKey);
      }
    });
  },
);

describe('models added through the API, on the embedded store', { timeout: 60_000 }, () => {
  let upstream: FakeUpstream;
  let store: TestStore;

  beforeAll(async () => {
    upstream = await startFakeUpstream([openAIProtocol()]);
    store = await createEmbeddedStore();
  });
  afterAll(async () => {
    await upstream.close();
    await store.dispose();
  });

  const start = (salt: string) =>
    startKeyedGateway(configYaml(), { ...store.env, SWITCHYARD_SALT_KEY: salt, LITELLM_SALT_KEY: '' });

  it('serves, keeps across a reload and a restart, skips under another salt key, and deletes', async () => {
    let gateway = await start(saltKey);
    try {
      const added = await callApi(gateway.url, 'POST', '/model/new', storedModel(upstream));
      expect(added.status).toBe(200);
      expect(await chat(gateway, 'db-gpt', 'embedded')).toBe('echo: embedded');
      expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${upstreamKey}`);
      gateway.reload(gateway.config);
      expect(await chat(gateway, 'db-gpt', 'after reload')).toBe('echo: after reload');
    } finally {
      await gateway.close();
    }

    gateway = await start('not-the-salt-key');
    try {
      await eventually(
        () => gateway.logs.some((line) => String(line.msg).includes('is not served')),
        10_000,
        'the skip is logged',
      );
      expect(await unknownModel(gateway, 'db-gpt')).toBe(true);
      expect(await chat(gateway, 'from-file', 'hi')).toContain('mock reply');
    } finally {
      await gateway.close();
    }

    gateway = await start(saltKey);
    try {
      await eventually(async () => !(await unknownModel(gateway, 'db-gpt')), 10_000, 'served after restart');
      const { entries } = await modelInfo(gateway);
      const id = entries.find((entry) => entry.model_info.db_model)?.model_info.id;
      expect((await callApi(gateway.url, 'POST', '/model/delete', { id })).status).toBe(200);
      expect(await unknownModel(gateway, 'db-gpt')).toBe(true);
      expect(JSON.stringify(gateway.logs)).not.toContain(upstreamKey);
    } finally {
      await gateway.close();
    }
  });
});
