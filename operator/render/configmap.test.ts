import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../gateway/config/load.ts';
import { parseYaml } from '../../gateway/config/yaml.ts';
import { createProviderRegistry } from '../../gateway/providers/registry.ts';
import { gateway, model, postgresGateway, secretValues } from '../test-support/fixtures.ts';
import { configFile, perToken } from './config-file.ts';
import { configMap } from './configmap.ts';
import { credentialFiles } from './credentials.ts';

const models = [
  model('gpt-4o-openai', { weight: 3, rpm: 100, pricing: { inputCostPerMillionTokens: '2.50' } }),
  model('gpt-4o-azure', {
    provider: 'azure',
    model: 'gpt-4o-prod',
    apiBase: 'https://contoso.openai.azure.com',
    apiVersion: '2024-10-21',
    credentialsSecretRef: { name: 'azure', key: 'key' },
  }),
  model('claude', {
    modelName: 'claude-sonnet',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    credentialsSecretRef: { name: 'anthropic', key: 'api-key' },
    params: {
      max_tokens: { value: 4096 },
      anthropic_beta: { secretKeyRef: { name: 'anthropic', key: 'beta' } },
    },
  }),
  model('vllm', {
    modelName: 'llama',
    provider: 'hosted_vllm',
    model: 'meta-llama/Llama-3.1-8B-Instruct',
    apiBase: 'http://vllm.inference.svc:8000/v1',
  }),
];
const target = postgresGateway({
  gateway: {
    routingStrategy: 'least-busy',
    numRetries: 2,
    fallbacks: [{ modelName: 'gpt-4o', fallbacks: ['claude-sonnet'] }],
    modelGroupAliases: [
      { alias: 'sonnet', modelName: 'claude-sonnet', hidden: true },
      { alias: 'gpt-4', modelName: 'gpt-4o' },
    ],
  },
});

const scratch = mkdtempSync(join(tmpdir(), 'switchyard-credentials-'));
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('configMap', () => {
  it('renders a config.yaml the gateway loads without errors', () => {
    // Stand in for the mounted credentials Secret: the same files, in a scratch directory.
    for (const file of models.flatMap(credentialFiles))
      writeFileSync(join(scratch, file.fileKey), 'sk-test\n');
    const text = configMap(target, models).text.replaceAll('/etc/switchyard/credentials/', `${scratch}/`);
    const loaded = loadConfigText(text, { registry: createProviderRegistry(), env: {} });
    expect(loaded.problems.filter((problem) => problem.severity === 'error')).toEqual([]);
    expect(loaded.deployments.map((deployment) => deployment.id)).toEqual([
      'claude',
      'gpt-4o-azure',
      'gpt-4o-openai',
      'vllm',
    ]);
    expect(loaded.routerSettings).toMatchObject({ routing_strategy: 'least-busy', num_retries: 2 });
    expect(loaded.litellmSettings.fallbacks).toEqual([{ 'gpt-4o': ['claude-sonnet'] }]);
    expect(loaded.routerSettings.model_group_alias).toEqual({
      'gpt-4': 'gpt-4o',
      sonnet: { model: 'claude-sonnet', hidden: true },
    });
    // Both aliases name groups that exist: the loader has nothing to say about them.
    expect(loaded.problems.filter((problem) => problem.path.includes('model_group_alias'))).toEqual([]);
  });

  it('references credentials as files, never as values', () => {
    const config = configFile(target, models);
    const entries = config.model_list as { litellm_params: Record<string, unknown> }[];
    expect(entries[0]?.litellm_params).toMatchObject({
      model: 'anthropic/claude-sonnet-4-5',
      api_key: 'file:/etc/switchyard/credentials/claude.api_key',
      anthropic_beta: 'file:/etc/switchyard/credentials/claude.anthropic_beta',
      max_tokens: 4096,
    });
    const text = configMap(target, models).text;
    for (const value of Object.values(secretValues)) expect(text).not.toContain(value);
    expect(text).not.toContain('master_key');
  });

  it('does not depend on the order the ModelDeployments arrive in', () => {
    expect(configMap(target, [...models].reverse()).text).toBe(configMap(target, models).text);
    expect(configMap(target, models).hash).toBe(configMap(target, [...models].reverse()).hash);
  });

  it('changes its hash with the models', () => {
    expect(configMap(target, models.slice(1)).hash).not.toBe(configMap(target, models).hash);
  });

  it('reads back the same under the YAML 1.1 rules the gateway uses', () => {
    const tricky = model('tricky', { modelName: 'on', model: 'yes', params: { region: { value: '1_000' } } });
    const rendered = configMap(gateway(), [tricky]);
    const body = rendered.text
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n');
    expect(parseYaml(body)).toEqual(configFile(gateway(), [tricky]));
  });

  it('leaves out settings that were not set', () => {
    expect(configFile(gateway(), [])).toEqual({ model_list: [], litellm_settings: { request_timeout: 600 } });
  });

  it('renders the cache and general settings when set', () => {
    const config = configFile(
      postgresGateway({
        gateway: {
          cache: { enabled: true, ttlSeconds: 60 },
          batchWriteIntervalSeconds: 10,
          allowRequestsOnDbUnavailable: true,
          spendLogs: false,
        },
      }),
      [],
    );
    expect(config.litellm_settings).toMatchObject({ cache: true, cache_params: { type: 'redis', ttl: 60 } });
    expect(config.general_settings).toEqual({
      proxy_batch_write_at: 10,
      allow_requests_on_db_unavailable: true,
      disable_spend_logs: true,
    });
  });
});

describe('perToken', () => {
  it.each([
    ['2.50', 0.0000025],
    ['0.15', 0.00000015],
    ['10', 0.00001],
    ['0', 0],
    ['1234567.5', 1.2345675],
  ])('%s per million is %d per token', (perMillion, expected) => {
    expect(perToken(perMillion)).toBe(expected);
  });
});
