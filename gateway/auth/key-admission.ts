import { GatewayError } from '../errors.ts';
import type { Deployment } from '../providers/types.ts';
import type { KeyLease, KeyRateLimiter } from './key-limits.ts';
import { modelAllowed } from './model-access.ts';
import type { VirtualKeyPolicy } from './virtual-key-policy.ts';

/** Checks made once the model is known: model allowed, budget left, rate limits. Throws the refusal. */
export function admitKey(
  policy: VirtualKeyPolicy,
  group: string,
  deployments: readonly Deployment[],
  limiter: KeyRateLimiter,
  now: Date,
  /** The name the client asked for, when it is an alias of `group`. */
  alias?: string,
): KeyLease {
  const { key } = policy;
  if (!modelAllowed(key.models, group, deployments, alias)) {
    throw new GatewayError(
      'model_not_allowed',
      `this key may not call model "${alias ?? group}"; its models: ${key.models.join(', ')}`,
      {
        param: 'model',
      },
    );
  }
  if (key.maxBudget !== null) {
    const spend = policy.spend(now);
    if (spend >= key.maxBudget) {
      const resetAt = policy.budgetResetAt(now);
      const reset = resetAt === null ? '' : `; the budget resets at ${resetAt.toISOString()}`;
      throw new GatewayError(
        'budget_exceeded',
        `key is over its max_budget: spend ${round(spend)} of ${key.maxBudget}${reset}`,
      );
    }
  }
  return limiter.acquire(key.hash, key, now.getTime());
}

function round(value: number): string {
  return String(Math.round(value * 1e6) / 1e6);
}
