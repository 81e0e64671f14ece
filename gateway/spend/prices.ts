import type { Deployment } from '../providers/types.ts';

/** USD per token, input and output. */
export interface Price {
  readonly input: number;
  readonly output: number;
}

const perMillion = (input: number, output: number): Price => ({ input: input / 1e6, output: output / 1e6 });

/**
 * List prices of common models (USD per million tokens, as the providers publish them), matched on the
 * provider's model id by the longest prefix, so dated snapshots (`gpt-4o-2024-08-06`) find their family.
 * A deployment's `input_cost_per_token` / `output_cost_per_token` override it.
 */
export const priceTable: ReadonlyMap<string, Price> = new Map([
  ['gpt-4o', perMillion(2.5, 10)],
  ['gpt-4o-mini', perMillion(0.15, 0.6)],
  ['gpt-4.1', perMillion(2, 8)],
  ['gpt-4.1-mini', perMillion(0.4, 1.6)],
  ['gpt-4.1-nano', perMillion(0.1, 0.4)],
  ['gpt-4-turbo', perMillion(10, 30)],
  ['gpt-4', perMillion(30, 60)],
  ['gpt-3.5-turbo', perMillion(0.5, 1.5)],
  ['gpt-5', perMillion(1.25, 10)],
  ['gpt-5-mini', perMillion(0.25, 2)],
  ['gpt-5-nano', perMillion(0.05, 0.4)],
  ['o1', perMillion(15, 60)],
  ['o1-mini', perMillion(1.1, 4.4)],
  ['o3', perMillion(2, 8)],
  ['o3-mini', perMillion(1.1, 4.4)],
  ['o4-mini', perMillion(1.1, 4.4)],
  ['text-embedding-3-small', perMillion(0.02, 0)],
  ['text-embedding-3-large', perMillion(0.13, 0)],
  ['text-embedding-ada-002', perMillion(0.1, 0)],
  ['claude-opus-4', perMillion(15, 75)],
  ['claude-opus-4-5', perMillion(5, 25)],
  ['claude-sonnet-4', perMillion(3, 15)],
  ['claude-3-7-sonnet', perMillion(3, 15)],
  ['claude-3-5-sonnet', perMillion(3, 15)],
  ['claude-haiku-4-5', perMillion(1, 5)],
  ['claude-3-5-haiku', perMillion(0.8, 4)],
  ['claude-3-haiku', perMillion(0.25, 1.25)],
  ['gemini-2.5-pro', perMillion(1.25, 10)],
  ['gemini-2.5-flash', perMillion(0.3, 2.5)],
  ['gemini-2.0-flash', perMillion(0.1, 0.4)],
]);

const byLength = [...priceTable.keys()].sort((a, b) => b.length - a.length);
const free: Price = { input: 0, output: 0 };

/** The deployment's own prices, else the table's, else zero (self-hosted and mock models). */
export function priceOf(deployment: Deployment): Price {
  const table = tablePrice(deployment.model);
  return {
    input: deployment.params.input_cost_per_token ?? table.input,
    output: deployment.params.output_cost_per_token ?? table.output,
  };
}

function tablePrice(model: string): Price {
  const name = model.includes('/') ? model.slice(model.lastIndexOf('/') + 1) : model;
  const exact = priceTable.get(name);
  if (exact !== undefined) return exact;
  const prefix = byLength.find((candidate) => name.startsWith(`${candidate}-`));
  return prefix === undefined ? free : (priceTable.get(prefix) ?? free);
}

export function costOf(price: Price, promptTokens: number, completionTokens: number): number {
  return promptTokens * price.input + completionTokens * price.output;
}
