import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfigText } from '../config/load.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { startGateway, type RunningGateway } from '../test-support/gateway.ts';

const masterKey = 'sk-master-alias-0123456789';
const config = `
model_list:
  - model_name: gpt-4o
    litellm_params: { model: mock/gpt-4o, mock_response: "from gpt-4o" }
  - model_name: claude
    litellm_params: { model: mock/claude, mock_response: "from claude" }
router_settings:
  model_group_alias:
    gpt-4: gpt-4o
    internal-claude: { model: claude, hidden: true }
    claude: gpt-4o
    gone: no-such-group
general_settings:
  master_key: ${masterKey}
`;

let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  gateway = await startGateway(config);
  client = new OpenAI({ apiKey: masterKey, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
});
afterAll(async () => {
  await gateway.close();
});

const ask = (model: string) =>
  client.chat.completions.create({ model, messages: [{ role: 'user', content: 'hi' }] });

describe('router_settings.model_group_alias', () => {
  it('serves an alias, hidden or not, with the group it names, and counts it as that group', async () => {
    expect((await ask('gpt-4')).choices[0]?.message.content).toBe('from gpt-4o');
    expect((await ask('internal-claude')).choices[0]?.message.content).toBe('from claude');
    const line = gateway.logs.findLast((entry) => entry.msg === 'request');
    expect(line?.model_group).toBe('claude');
  });

  it('lists the aliases that are not hidden beside the groups', async () => {
    const ids = (await client.models.list()).data.map((model) => model.id);
    expect(ids.sort()).toEqual(['claude', 'gpt-4', 'gpt-4o']);
  });

  it('keeps a group named like an alias, and refuses an alias of a group that is not served', async () => {
    expect((await ask('claude')).choices[0]?.message.content).toBe('from claude');
    const refused = await ask('gone').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.BadRequestError);
    expect((refused as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(
      /model "gone" is not served here; available models: gpt-4o, claude, gpt-4$/,
    );
  });

  it('warns at load of both, naming the alias', () => {
    const { problems } = loadConfigText(config, { registry: createProviderRegistry(), env: {} });
    expect(
      problems.filter((problem) => problem.path.startsWith('router_settings.model_group_alias')),
    ).toEqual([
      {
        path: 'router_settings.model_group_alias.claude',
        message: 'a model group is named "claude" too; the group is served, the alias ignored',
        severity: 'warning',
      },
      {
        path: 'router_settings.model_group_alias.gone',
        message: 'model group "no-such-group" is not in model_list; the alias serves nothing until it is',
        severity: 'warning',
      },
    ]);
  });
});
