import { describe, expect, it } from 'vitest';
import { constantSecret } from '../../config/secret.ts';
import { ProviderError } from '../../upstream/errors.ts';
import type { Deployment } from '../types.ts';
import { families } from './families.ts';
import type { Family } from './family.ts';
import { familyBase, familyHeaders, familyUrl } from './family-provider.ts';
import { familyBody } from './params.ts';

function family(name: string): Family {
  const found = families.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no family ${name}`);
  return found;
}

function deployment(model: string, params: Record<string, unknown> = {}, apiKey?: string): Deployment {
  const slash = model.indexOf('/');
  return {
    id: 'test',
    modelName: 'test',
    provider: model.slice(0, slash),
    model: model.slice(slash + 1),
    apiBase: typeof params.api_base === 'string' ? params.api_base : undefined,
    credentials: new Map(apiKey === undefined ? [] : [['api_key', constantSecret(apiKey)]]),
    params: { model, ...params },
    modelInfo: {},
  };
}

describe('the families table', () => {
  it.each([
    ['groq', 'https://api.groq.com/openai/v1/chat/completions'],
    ['openrouter', 'https://openrouter.ai/api/v1/chat/completions'],
    ['mistral', 'https://api.mistral.ai/v1/chat/completions'],
    ['together_ai', 'https://api.together.xyz/v1/chat/completions'],
    ['deepseek', 'https://api.deepseek.com/beta/chat/completions'],
    ['xai', 'https://api.x.ai/v1/chat/completions'],
    ['cerebras', 'https://api.cerebras.ai/v1/chat/completions'],
    ['fireworks_ai', 'https://api.fireworks.ai/inference/v1/chat/completions'],
    ['perplexity', 'https://api.perplexity.ai/chat/completions'],
    ['nvidia_nim', 'https://integrate.api.nvidia.com/v1/chat/completions'],
    ['deepinfra', 'https://api.deepinfra.com/v1/openai/chat/completions'],
    ['text-completion-openai', 'https://api.openai.com/v1/chat/completions'],
  ])('%s defaults to %s', (name, url) => {
    const base = familyBase(family(name), deployment(`${name}/m`), {});
    expect(familyUrl(family(name), base ?? '', '/chat/completions', deployment(`${name}/m`))).toBe(url);
  });

  it('has one row per prefix', () => {
    const names = families.map((row) => row.name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('reads the base from the family variable before the default, api_base before both', () => {
    expect(
      familyBase(family('groq'), deployment('groq/m'), { GROQ_API_BASE: 'https://proxy.example/v1/' }),
    ).toBe('https://proxy.example/v1');
    expect(
      familyBase(family('groq'), deployment('groq/m', { api_base: 'https://mine.example/v1' }), {
        GROQ_API_BASE: 'https://proxy.example/v1',
      }),
    ).toBe('https://mine.example/v1');
    expect(familyBase(family('azure_ai'), deployment('azure_ai/m'), {})).toBeUndefined();
  });

  it('reads the key variables in LiteLLM order, litellm_params api_key first', () => {
    const together = family('together_ai');
    const base = 'https://api.together.xyz/v1';
    expect(
      familyHeaders(together, deployment('together_ai/m'), base, {
        TOGETHERAI_API_KEY: 'b',
        TOGETHER_API_KEY: 'a',
      }),
    ).toEqual({
      authorization: 'Bearer a',
    });
    expect(
      familyHeaders(together, deployment('together_ai/m', {}, 'own'), base, { TOGETHER_API_KEY: 'a' }),
    ).toEqual({
      authorization: 'Bearer own',
    });
    expect(familyHeaders(together, deployment('together_ai/m'), base, {})).toEqual({});
  });

  it('azure_ai sends api-key to Azure hosts and a bearer token elsewhere', () => {
    const azureAi = family('azure_ai');
    const target = deployment('azure_ai/m', {}, 'azure-secret');
    expect(familyHeaders(azureAi, target, 'https://res.services.ai.azure.com/models', {})).toEqual({
      'api-key': 'azure-secret',
    });
    expect(familyHeaders(azureAi, target, 'https://llama.eastus2.models.ai.azure.com', {})).toEqual({
      authorization: 'Bearer azure-secret',
    });
  });
});

describe('familyBody', () => {
  it('drops refused parameters under drop_params and refuses them otherwise', () => {
    const body = { messages: [], logit_bias: { 1: 2 }, top_logprobs: 2, temperature: 0.2 };
    expect(familyBody(family('groq'), body, 'llama', true)).toEqual({
      messages: [],
      temperature: 0.2,
      model: 'llama',
    });
    expect(() => familyBody(family('groq'), body, 'llama', false)).toThrow(ProviderError);
    expect(() => familyBody(family('groq'), body, 'llama', false)).toThrow(
      "groq does not support the parameters 'top_logprobs', 'logit_bias'",
    );
  });

  it('refuses only what the rule names: values, numbers above a bound, model patterns', () => {
    expect(familyBody(family('groq'), { logprobs: false }, 'm', false)).toEqual({
      logprobs: false,
      model: 'm',
    });
    expect(familyBody(family('perplexity'), { n: 1 }, 'sonar', false)).toEqual({ n: 1, model: 'sonar' });
    expect(() => familyBody(family('perplexity'), { n: 2 }, 'sonar', false)).toThrow(/'n'/);
    expect(familyBody(family('xai'), { stop: ['x'] }, 'grok-2', false)).toEqual({
      stop: ['x'],
      model: 'grok-2',
    });
    expect(() => familyBody(family('xai'), { stop: ['x'] }, 'grok-4-0709', false)).toThrow(/'stop'/);
  });

  it('prefixes bare Fireworks model ids and keeps full ones', () => {
    expect(familyBody(family('fireworks_ai'), {}, 'llama-v3p1-8b-instruct', false).model).toBe(
      'accounts/fireworks/models/llama-v3p1-8b-instruct',
    );
    expect(familyBody(family('fireworks_ai'), {}, 'accounts/me/models/tuned', false).model).toBe(
      'accounts/me/models/tuned',
    );
  });

  it('keeps a field the client already set under the renamed name', () => {
    expect(familyBody(family('mistral'), { max_tokens: 5, max_completion_tokens: 9 }, 'm', false)).toEqual({
      max_tokens: 5,
      model: 'm',
    });
  });
});
