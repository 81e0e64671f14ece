import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProviderRegistry } from '../providers/registry.ts';
import { loadConfigText } from './load.ts';
import { ConfigError } from './problems.ts';

const registry = createProviderRegistry();
const load = (yaml: string, env: Record<string, string> = {}) => loadConfigText(yaml, { registry, env });

function problemsOf(yaml: string, env: Record<string, string> = {}): string[] {
  try {
    return load(yaml, env).problems.map((problem) => `${problem.path}: ${problem.message}`);
  } catch (error) {
    if (error instanceof ConfigError)
      return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
    throw error;
  }
}

const mock = `  - model_name: m\n    litellm_params: { model: mock/m }\n`;

describe('loading a LiteLLM config', () => {
  it('reads YAML 1.1 the way PyYAML does', () => {
    const config = load(`model_list:
  - model_name: gpt
    litellm_params: { model: openai/gpt-4o, tpm: 20_000, rpm: 1_000 }
litellm_settings:
  drop_params: yes
  num_retries: 3
router_settings:
  disable_cooldowns: off
`);
    expect(config.deployments[0]?.params.tpm).toBe(20_000);
    expect(config.deployments[0]?.params.rpm).toBe(1_000);
    expect(config.litellmSettings.drop_params).toBe(true);
    expect(config.routerSettings.disable_cooldowns).toBe(false);
  });

  it("accepts LiteLLM's shapes for fallbacks and retry policy", () => {
    const config = load(`model_list:
${mock}  - model_name: n
    litellm_params: { model: mock/n }
litellm_settings:
  fallbacks: [{"m": ["n"]}]
  default_fallbacks: ["n"]
router_settings:
  retry_policy: { RateLimitErrorRetries: 5, AuthenticationErrorRetries: 0 }
`);
    expect(config.litellmSettings.fallbacks).toEqual([{ m: ['n'] }]);
    expect(config.routerSettings.retry_policy?.RateLimitErrorRetries).toBe(5);
    expect(config.problems).toEqual([]);
  });

  it('resolves os.environ/ references and names the path of a missing one', () => {
    const config = load(
      `model_list:
  - model_name: a
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/OPENAI_KEY }
  - model_name: b
    litellm_params: { model: openai/gpt-4o, api_key: os.environ/MISSING_KEY }
`,
      { OPENAI_KEY: 'sk-from-env' },
    );
    expect(config.deployments.map((deployment) => deployment.modelName)).toEqual(['a']);
    expect(config.deployments[0]?.credentials.get('api_key')?.value()).toBe('sk-from-env');
    expect(config.problems.map((problem) => `${problem.path}: ${problem.message}`)).toContain(
      'model_list[1].litellm_params.api_key: environment variable MISSING_KEY is not set',
    );
  });

  it('refuses to start when a setting outside model_list references a missing variable', () => {
    expect(problemsOf(`model_list:\n${mock}general_settings: { master_key: os.environ/NOPE }\n`)).toContain(
      'general_settings.master_key: environment variable NOPE is not set',
    );
  });

  it('keeps file references to credentials as references that follow the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'switchyard-secret-'));
    const file = join(dir, 'api-key');
    writeFileSync(file, 'sk-first\n');
    const config = load(
      `model_list:\n  - model_name: a\n    litellm_params: { model: openai/gpt-4o, api_key: "file:${file}" }\n`,
    );
    expect(config.deployments[0]?.credentials.get('api_key')?.value()).toBe('sk-first');
    expect(
      problemsOf(
        `model_list:\n  - model_name: a\n    litellm_params: { model: openai/gpt-4o, api_key: "file:${dir}/none" }\n`,
      ),
    ).toContain(`model_list[0].litellm_params.api_key: cannot read file ${dir}/none`);
  });

  it('reports unknown and not-yet-supported settings as warnings, once each', () => {
    const problems = problemsOf(
      `model_list:\n${mock}litellm_settings: { success_callback: [langfuse], made_up: 1 }\nextra_section: {}\n`,
    );
    expect(problems).toEqual([
      'extra_section: unknown section; ignored',
      'litellm_settings.success_callback: not yet supported; ignored',
      'litellm_settings.made_up: unknown setting; ignored',
    ]);
  });

  it('skips a deployment whose provider is not supported, naming it, and serves the rest', () => {
    const config = load(
      `model_list:\n${mock}  - model_name: x\n    litellm_params: { model: madeup/thing }\n  - model_name: az\n    litellm_params: { model: azure/gpt }\n`,
    );
    expect(config.deployments).toHaveLength(1);
    const messages = config.problems.map((problem) => `${problem.path}: ${problem.message}`);
    expect(messages).toContain(
      'model_list[1].litellm_params.model: provider "madeup" is not supported; deployment skipped',
    );
    expect(
      messages.some((message) =>
        message.startsWith('model_list[2].litellm_params.model: azure needs litellm_params.api_base'),
      ),
    ).toBe(true);
  });

  it('names the path of an invalid value', () => {
    const problems = problemsOf(
      `model_list:\n${mock}  - model_name: y\n    litellm_params: { model: mock/y, rpm: lots }\n`,
    );
    expect(problems.some((problem) => problem.startsWith('model_list[1].litellm_params.rpm:'))).toBe(true);
    expect(
      problemsOf(`model_list:\n${mock}router_settings: { routing_strategy: fastest }\n`).some((problem) =>
        problem.startsWith('router_settings.routing_strategy:'),
      ),
    ).toBe(true);
  });

  it('warns about fallbacks to groups that do not exist', () => {
    expect(problemsOf(`model_list:\n${mock}litellm_settings: { fallbacks: [{ m: [ghost] }] }\n`)).toEqual([
      'litellm_settings.fallbacks[0]: model group "ghost" is not in model_list',
    ]);
  });

  it('fails when nothing can be served or the YAML is broken', () => {
    expect(() => load('model_list: []\n')).toThrow(ConfigError);
    expect(problemsOf('model_list: [\n')[0]).toMatch(/^\(file\): not valid YAML/);
  });

  it('takes the master key from the file, else SWITCHYARD_MASTER_KEY, else LITELLM_MASTER_KEY', () => {
    expect(
      load(`model_list:\n${mock}general_settings: { master_key: sk-file }\n`, {
        SWITCHYARD_MASTER_KEY: 'sk-env',
      }).masterKey,
    ).toBe('sk-file');
    expect(load(`model_list:\n${mock}`, { LITELLM_MASTER_KEY: 'sk-litellm' }).masterKey).toBe('sk-litellm');
    expect(
      load(`model_list:\n${mock}`, { SWITCHYARD_MASTER_KEY: 'sk-sy', LITELLM_MASTER_KEY: 'sk-litellm' })
        .masterKey,
    ).toBe('sk-sy');
  });

  it('infers the provider of a bare model name as LiteLLM does', () => {
    const config = load(
      `model_list:\n  - model_name: a\n    litellm_params: { model: gpt-4o-mini }\n  - model_name: b\n    litellm_params: { model: claude-3-5-sonnet-latest }\n`,
    );
    expect(config.deployments.map((deployment) => deployment.provider)).toEqual(['openai', 'anthropic']);
  });

  it('reads configs as people write them: nested model ids, limits beside litellm_params, empty sections', () => {
    const config = load(`environment_variables:
  OR_KEY: sk-or-from-section
model_list:
  - model_name: claude
    litellm_params: { model: openrouter/anthropic/claude-3.5-sonnet, api_key: os.environ/OR_KEY, tpm: 5000 }
    rpm: 100
    tpm: 20000
    model_info: { id: or-1, mode: chat, base_model: claude-3.5-sonnet, input_cost_per_token: 0.000003 }
litellm_settings:
router_settings: ~
general_settings: {}
`);
    const [deployment] = config.deployments;
    expect(deployment).toMatchObject({
      id: 'or-1',
      provider: 'openrouter',
      model: 'anthropic/claude-3.5-sonnet',
    });
    expect(deployment?.params).toMatchObject({ rpm: 100, tpm: 5000, input_cost_per_token: 0.000003 });
    expect(deployment?.credentials.get('api_key')?.value()).toBe('sk-or-from-section');
    expect(config.problems).toEqual([]);
  });
});
