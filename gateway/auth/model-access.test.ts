import { describe, expect, it } from 'vitest';
import type { Deployment } from '../providers/types.ts';
import { modelAllowed } from './model-access.ts';

const deployment = (modelInfo: Record<string, unknown>) => ({ modelInfo }) as unknown as Deployment;

describe('which models a key may call', () => {
  it('allows every model with an empty list, * or all-proxy-models', () => {
    expect(modelAllowed([], 'gpt-4o', [])).toBe(true);
    expect(modelAllowed(['*'], 'gpt-4o', [])).toBe(true);
    expect(modelAllowed(['all-proxy-models'], 'gpt-4o', [])).toBe(true);
  });

  it('matches names, wildcards and access groups, nothing else', () => {
    expect(modelAllowed(['gpt-4o'], 'gpt-4o', [])).toBe(true);
    expect(modelAllowed(['gpt-4o'], 'gpt-4o-mini', [])).toBe(false);
    expect(modelAllowed(['gpt-*'], 'gpt-4o-mini', [])).toBe(true);
    expect(modelAllowed(['openai/*'], 'openai/gpt-4o', [])).toBe(true);
    expect(modelAllowed(['gpt-4.?'], 'gpt-4.1', [])).toBe(false); // only * is special
    expect(modelAllowed(['beta'], 'claude', [deployment({ access_groups: ['beta'] })])).toBe(true);
    expect(modelAllowed(['beta'], 'claude', [deployment({ access_groups: 'beta' })])).toBe(false);
  });

  it('allows an alias by its own name or by the group it stands for', () => {
    expect(modelAllowed(['gpt-4'], 'gpt-4o', [], 'gpt-4')).toBe(true);
    expect(modelAllowed(['gpt-4o'], 'gpt-4o', [], 'gpt-4')).toBe(true);
    expect(modelAllowed(['claude'], 'gpt-4o', [], 'gpt-4')).toBe(false);
    // Naming the alias does not open its group under the group's own name.
    expect(modelAllowed(['gpt-4'], 'gpt-4o', [])).toBe(false);
  });
});
