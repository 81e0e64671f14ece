import { describe, expect, it } from 'vitest';
import { model, postgresGateway } from '../test-support/fixtures.ts';
import { checkConfig } from './config-check.ts';
import { configFile } from './config-file.ts';

describe('checkConfig', () => {
  it('passes a rendered config', () => {
    expect(checkConfig('main', configFile(postgresGateway(), [model('a')]))).toEqual([]);
  });

  it('warns about fallbacks to groups nothing serves', () => {
    const target = postgresGateway({
      gateway: {
        fallbacks: [{ modelName: 'gpt-4o', fallbacks: ['claude-sonnet'] }],
        defaultFallbacks: ['gpt-4o', 'llama'],
      },
    });
    expect(checkConfig('main', configFile(target, [model('a')]))).toEqual([
      expect.objectContaining({
        reason: 'UnknownModelGroup',
        message: expect.stringContaining('"claude-sonnet"') as string,
      }),
      expect.objectContaining({
        reason: 'UnknownModelGroup',
        message: expect.stringContaining('"llama"') as string,
      }),
    ]);
  });

  it('reports what the gateway schema refuses, with its path', () => {
    const problems = checkConfig('main', {
      model_list: [{ model_name: 'x', litellm_params: { model: '' } }],
    });
    expect(problems).toEqual([
      expect.objectContaining({ condition: 'ConfigValid', reason: 'InvalidConfig', severity: 'error' }),
    ]);
    expect(problems[0]?.message).toContain('model_list[0].litellm_params.model');
  });
});
