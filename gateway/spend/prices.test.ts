import { describe, expect, it } from 'vitest';
import type { Deployment } from '../providers/types.ts';
import { costOf, priceOf } from './prices.ts';

const deployment = (model: string, params: Record<string, unknown> = {}) =>
  ({ model, params: { model, ...params } }) as unknown as Deployment;

describe('prices', () => {
  it('finds a model, its dated snapshots and the longest matching family', () => {
    expect(priceOf(deployment('gpt-4o')).input).toBeCloseTo(2.5e-6, 12);
    expect(priceOf(deployment('gpt-4o-2024-08-06')).input).toBeCloseTo(2.5e-6, 12);
    expect(priceOf(deployment('gpt-4o-mini-2024-07-18')).output).toBeCloseTo(0.6e-6, 12);
    expect(priceOf(deployment('claude-sonnet-4-5-20250929')).output).toBeCloseTo(15e-6, 12);
    expect(priceOf(deployment('meta-llama/Llama-3.1-8B-Instruct'))).toEqual({ input: 0, output: 0 });
  });

  it('lets a deployment override the table', () => {
    const price = priceOf(deployment('gpt-4o', { input_cost_per_token: 1e-3 }));
    expect(price.input).toBe(1e-3);
    expect(price.output).toBeCloseTo(10e-6, 12);
    expect(costOf({ input: 1e-3, output: 2e-3 }, 10, 5)).toBeCloseTo(0.02, 12);
  });
});
