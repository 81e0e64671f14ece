import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { StoredEntry, UnreadableModel } from '../db/stored-models.ts';
import { createLogger } from '../observability/logger.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { loadConfigText, type GatewayConfig } from './load.ts';
import type { ConfigProblem } from './problems.ts';
import { ServedModels, storedDeployments, type StoredModelSource } from './served-models.ts';

const registry = createProviderRegistry();
const file = loadConfigText(
  `model_list:
  - model_name: from-file
    litellm_params: { model: mock/from-file }
    model_info: { id: file-id }
`,
  { registry, env: {} },
);

const stored = (id: string, name: string, params: Record<string, unknown> = {}): StoredEntry => ({
  id,
  entry: {
    model_name: name,
    litellm_params: { model: `mock/${name}`, ...params },
    model_info: { id },
  },
});

/** A table in memory: its signature is its content, and it counts how often the entries are read. */
function memorySource(entries: StoredEntry[], unreadable: UnreadableModel[] = []) {
  const state = { entries, unreadable, reads: 0 };
  const source: StoredModelSource = {
    signature: () => Promise.resolve(JSON.stringify([state.entries, state.unreadable])),
    entries: () => {
      state.reads++;
      return Promise.resolve({ entries: state.entries, unreadable: state.unreadable });
    },
  };
  return { state, source };
}

function served(source: StoredModelSource | undefined, pollMs = 10_000) {
  const lines: { level: number; msg: string }[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line !== '') lines.push(JSON.parse(line) as { level: number; msg: string });
      callback();
    },
  });
  let serving: GatewayConfig = file;
  const models = new ServedModels({
    file,
    registry,
    logger: createLogger({ level: 'info', destination }),
    serve(config) {
      serving = config;
    },
    ...(source === undefined ? {} : { source }),
    pollMs,
  });
  const names = () => serving.deployments.map((deployment) => deployment.modelName);
  return { models, names, lines };
}

describe('the served model set', () => {
  it('serves the file and the stored models; a file reload keeps the stored, the file wins a shared id', async () => {
    const { source } = memorySource([stored('a', 'db-a'), stored('file-id', 'db-shadowed')]);
    const { models, names, lines } = served(source);
    await models.refresh();
    expect(names()).toEqual(['from-file', 'db-a']);
    expect(models.isStored('a')).toBe(true);
    expect(models.isStored('file-id')).toBe(false);
    expect(lines.some((line) => line.level === 40 && line.msg.includes('the config wins'))).toBe(true);

    const next = loadConfigText(
      `model_list:
  - model_name: reloaded
    litellm_params: { model: mock/reloaded }
`,
      { registry, env: {} },
    );
    models.setFile(next);
    expect(names()).toEqual(['reloaded', 'db-a', 'db-shadowed']);
    expect(models.file).toBe(next);
  });

  it('reads the entries only when the signature changed, and stops polling on close', async () => {
    const { state, source } = memorySource([stored('a', 'db-a')]);
    const { models, names } = served(source, 20);
    models.start();
    await sleep(100);
    expect(names()).toEqual(['from-file', 'db-a']);
    expect(state.reads).toBe(1);

    state.entries = [];
    await sleep(100);
    expect(names()).toEqual(['from-file']);
    expect(state.reads).toBe(2);

    await models.close();
    state.entries = [stored('b', 'db-b')];
    await sleep(100);
    expect(names()).toEqual(['from-file']);
  });

  it('skips an unreadable model with an error line and serves the others', async () => {
    const { source } = memorySource(
      [stored('a', 'db-a')],
      [{ id: 'b', modelName: 'db-b', reason: 'SWITCHYARD_SALT_KEY is not the key they were stored with' }],
    );
    const { models, names, lines } = served(source);
    await models.refresh();
    expect(names()).toEqual(['from-file', 'db-a']);
    const line = lines.find((entry) => entry.msg.includes('"db-b" (b) is not served'));
    expect(line?.level).toBe(50);
  });

  it('builds stored deployments as the file does, named by id, and refuses references', () => {
    const problems: ConfigProblem[] = [];
    const deployments = storedDeployments(
      [
        stored('ok', 'db-ok', { api_key: 'sk-literal-value' }),
        stored('env', 'db-env', { api_key: 'os.environ/HOME' }),
        {
          id: 'bad',
          entry: { model_name: 'db-bad', litellm_params: { model: 'nowhere/x' }, model_info: { id: 'bad' } },
        },
      ],
      registry,
      problems,
    );
    expect(
      deployments.map((deployment) => [deployment.id, deployment.credentials.get('api_key')?.value()]),
    ).toEqual([['ok', 'sk-literal-value']]);
    expect(problems.map((problem) => problem.path)).toEqual([
      'stored model "env".litellm_params.api_key',
      'stored model "bad".litellm_params.model',
    ]);
  });

  it('says why a new model could not be served', () => {
    const { models } = served(undefined);
    expect(models.check(stored('new', 'db-new').entry)).toBeUndefined();
    expect(models.check(stored('file-id', 'db-new').entry)?.param).toBe('model_info.id');
    expect(models.check(stored('x', 'db-x', { api_base: 'file:/etc/hostname' }).entry)?.param).toBe(
      'litellm_params.api_base',
    );
    expect(models.check({ model_name: 'y', litellm_params: { model: 'nowhere/y' } })?.message).toMatch(
      /^litellm_params\.model: provider "nowhere" is not supported$/,
    );
  });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
