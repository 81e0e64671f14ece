import { mkdirSync, mkdtempSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAIProtocol } from '../../e2e/fake-upstream/openai.ts';
import { startFakeUpstream, type FakeUpstream } from '../../e2e/fake-upstream/server.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { eventually, startOpsGateway } from '../test-support/operations.ts';
import { loadConfigText, type GatewayConfig } from './load.ts';
import type { ConfigError } from './problems.ts';
import { reloadOnChange } from './reload.ts';
import { versionOf, watchConfig } from './watch.ts';

const valid = (name: string) =>
  `model_list:\n  - model_name: ${name}\n    litellm_params: { model: mock/${name} }\n`;
const invalid = 'model_list:\n  - model_name: x\n    litellm_params: { model: nowhere/x }\n';
const load = (text: string) => loadConfigText(text, { registry: createProviderRegistry() });

/** A directory laid out as the kubelet mounts a ConfigMap: config.yaml -> ..data/config.yaml, ..data -> ..<version>. */
function configMapDir(text: string): { file: string; update(next: string): void } {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-configmap-'));
  let generation = 0;
  const publish = (next: string) => {
    const versionDir = `..v${++generation}`;
    mkdirSync(join(dir, versionDir));
    writeFileSync(join(dir, versionDir, 'config.yaml'), next);
    symlinkSync(versionDir, join(dir, '..data_tmp'));
    renameSync(join(dir, '..data_tmp'), join(dir, '..data')); // the atomic swap
  };
  publish(text);
  symlinkSync('..data/config.yaml', join(dir, 'config.yaml'));
  return { file: join(dir, 'config.yaml'), update: publish };
}

describe('watchConfig', () => {
  it('sees a ConfigMap symlink swap, reports each distinct invalid content once, ignores unchanged files', async () => {
    const mount = configMapDir(valid('a'));
    const applied: GatewayConfig[] = [];
    const rejected: ConfigError[] = [];
    const watcher = watchConfig({
      path: mount.file,
      intervalMs: 100,
      load,
      currentVersion: versionOf(valid('a')),
      onValid: (config) => applied.push(config),
      onInvalid: (error) => rejected.push(error),
    });
    try {
      await watcher.check();
      expect(applied).toHaveLength(0);
      mount.update(valid('b'));
      await eventually(() => applied.length === 1, 10_000, 'the new config applied');
      expect(applied[0]?.deployments[0]?.modelName).toBe('b');
      mount.update(invalid);
      await eventually(() => rejected.length === 1, 10_000, 'the invalid config rejected');
      await new Promise((resolve) => setTimeout(resolve, 500)); // several polls
      expect(rejected).toHaveLength(1);
      expect(rejected[0]?.problems.map((problem) => problem.message).join()).toContain('nowhere');
      mount.update(valid('b'));
      await eventually(() => applied.length === 2, 10_000, 'the fixed config applied');
    } finally {
      watcher.close();
    }
  });
});

describe('watchConfig and credential files', () => {
  it('loads a config again when a credential file it names arrives after it (volumes update in no order)', async () => {
    const credentials = mkdtempSync(join(tmpdir(), 'switchyard-credentials-'));
    const keyFile = join(credentials, 'api-key');
    const withCredential = `model_list:\n  - model_name: c\n    litellm_params: { model: openai/gpt-4o, api_base: http://127.0.0.1:9/v1, api_key: "file:${keyFile}" }\n`;
    const mount = configMapDir(valid('a'));
    const applied: GatewayConfig[] = [];
    const watcher = watchConfig({
      path: mount.file,
      intervalMs: 100,
      load,
      currentVersion: versionOf(valid('a')),
      onValid: (config) => applied.push(config),
      onInvalid: () => undefined,
    });
    try {
      mount.update(withCredential + valid('m').replace('model_list:\n', ''));
      // Served at once without the model whose credential is missing, and not again while nothing changes.
      await eventually(() => applied.length === 1, 10_000, 'the config applied without the unreadable model');
      expect(applied[0]?.deployments.map((deployment) => deployment.modelName)).toEqual(['m']);
      await new Promise((resolve) => setTimeout(resolve, 400)); // several polls
      expect(applied).toHaveLength(1);
      writeFileSync(keyFile, 'sk-arrived-later');
      await eventually(() => applied.length === 2, 10_000, 'the config applied once its credential exists');
      expect(applied[1]?.deployments.map((deployment) => deployment.modelName)).toEqual(['c', 'm']);
      expect(applied[1]?.deployments[0]?.credentials.get('api_key')?.value()).toBe('sk-arrived-later');
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(applied).toHaveLength(2);
    } finally {
      watcher.close();
    }
  });
});

describe('hot reload under steady load', () => {
  let before: FakeUpstream;
  let after: FakeUpstream;
  beforeAll(async () => {
    before = await startFakeUpstream([openAIProtocol()]);
    after = await startFakeUpstream([openAIProtocol()]);
  });
  afterAll(async () => {
    await before.close();
    await after.close();
  });

  const configFor = (upstream: FakeUpstream, extraGroup: string) => `
model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o, api_base: ${upstream.url}/v1, api_key: sk-reload }
  - model_name: ${extraGroup}
    litellm_params: { model: openai/gpt-4o-mini, api_base: ${upstream.url}/v1, api_key: sk-reload }
`;

  it('swaps with zero failed requests, lets in-flight ones finish on the old config, and keeps it on an invalid file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-reload-'));
    const file = join(dir, 'config.yaml');
    const write = (text: string) => {
      writeFileSync(`${file}.tmp`, text);
      renameSync(`${file}.tmp`, file);
    };
    write(configFor(before, 'old-only'));
    const gateway = await startOpsGateway(configFor(before, 'old-only'), { logLevel: 'info' });
    const watcher = reloadOnChange(gateway, {
      path: file,
      intervalMs: 100,
      registry: createProviderRegistry(),
      logger: pino({ level: 'silent' }),
    });
    const failures: string[] = [];
    let completed = 0;
    let running = true;
    const post = async (model: string, stream: boolean) => {
      const response = await fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: 'steady' }] }),
      });
      const text = await response.text();
      const complete = stream ? text.includes('data: [DONE]') : text.includes('echo: steady');
      if (response.status !== 200 || !complete) failures.push(`${model} ${response.status} ${text}`);
      else completed++;
    };
    const worker = async (index: number) => {
      while (running) await post('gpt', index % 2 === 0);
    };
    try {
      const workers = Array.from({ length: 8 }, (_, index) => worker(index));
      await eventually(() => completed > 50, 20_000, 'steady load');

      // A slow request on a group the new config drops: it finishes on the old router.
      before.fail(
        { kind: 'delay', ms: 1500 },
        1,
        (request) => (request.body as { model?: string }).model === 'gpt-4o-mini',
      );
      const inFlight = post('old-only', false);
      await eventually(
        () =>
          gateway.lifecycle.inFlight > 0 &&
          before.requests.some((request) => (request.body as { model?: string }).model === 'gpt-4o-mini'),
        10_000,
        'the slow request upstream',
      );

      const oldVersion = gateway.currentConfig().version;
      write(configFor(after, 'new-only'));
      await eventually(() => gateway.currentConfig().version !== oldVersion, 10_000, 'reload');
      await eventually(() => after.requests.length > 20, 20_000, 'traffic on the new upstream');
      await inFlight;

      const goodVersion = gateway.currentConfig().version;
      write(invalid);
      await eventually(
        async () => (await gateway.metrics.text()).includes('switchyard_config_last_reload_successful 0'),
        10_000,
        'the invalid file rejected',
      );
      const servedAfterInvalid = completed;
      await eventually(
        () => completed > servedAfterInvalid + 50,
        20_000,
        'steady load after the invalid file',
      );
      expect(gateway.currentConfig().version).toBe(goodVersion);
      expect(await gateway.metrics.text()).toContain('switchyard_config_reloads_total{result="rejected"} 1');

      running = false;
      await Promise.all(workers);
      expect(failures).toEqual([]);
      expect(completed).toBeGreaterThan(150);
      const models = (await (await fetch(`${gateway.url}/v1/models`)).json()) as { data: { id: string }[] };
      expect(models.data.map((model) => model.id).sort()).toEqual(['gpt', 'new-only']);
    } finally {
      running = false;
      watcher.close();
      await gateway.close();
    }
  }, 90_000);
});
