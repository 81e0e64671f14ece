import type { VirtualKeyPolicy } from '../auth/virtual-key-policy.ts';
import { GatewayError } from '../errors.ts';
import { keyPrefix, type LimitCheck } from './limit-check.ts';

interface FirstSight {
  readonly period: string;
  /** The shared counter and this pod's view of the key's spend when this policy was first admitted. */
  shared: number;
  local: number;
}

const dayMs = 86_400_000;

/**
 * Budgets across pods. A key's policy holds its database spend as read plus this pod's spend since; what the
 * other pods spent since is missing until their buffers flush and the policy is read again. Every pod adds each
 * request's cost to a counter in Redis for the key's budget period, read with the admission (no extra round
 * trip): other pods' spend = how much the counter grew since this policy was first admitted, minus this pod's
 * own growth over the same time.
 */
export class SharedBudgets {
  readonly #seen = new WeakMap<VirtualKeyPolicy, FirstSight>();

  /** The counter to read with the admission; undefined for a key without a budget. */
  checkOf(policy: VirtualKeyPolicy, now: Date): LimitCheck | undefined {
    if (policy.key.maxBudget === null) return undefined;
    return { kind: 's', key: counterOf(policy, now), limit: 0, amount: 0, scope: 'key' };
  }

  /** Throws `budget_exceeded` when this pod's spend plus the others' reaches the budget. */
  verify(policy: VirtualKeyPolicy, check: LimitCheck, shared: number, now: Date): void {
    const maxBudget = policy.key.maxBudget;
    if (maxBudget === null || shared < 0) return;
    const local = policy.spend(now);
    let seen = this.#seen.get(policy);
    if (seen?.period !== check.key || shared < seen.shared) {
      seen = { period: check.key, shared, local };
      this.#seen.set(policy, seen);
    }
    const others = Math.max(0, shared - seen.shared - (local - seen.local));
    const spend = local + others;
    if (spend < maxBudget) return;
    const resetAt = policy.budgetResetAt(now);
    const reset = resetAt === null ? '' : `; the budget resets at ${resetAt.toISOString()}`;
    throw new GatewayError(
      'budget_exceeded',
      `key is over its max_budget: spend ${String(Math.round(spend * 1e6) / 1e6)} of ${String(maxBudget)} across all gateway pods${reset}`,
    );
  }

  /** How long the period's counter should live. */
  ttlMsOf(policy: VirtualKeyPolicy, now: Date): number {
    const resetAt = policy.budgetResetAt(now);
    return resetAt === null ? dayMs : Math.max(60_000, resetAt.getTime() - now.getTime() + 3_600_000);
  }
}

function counterOf(policy: VirtualKeyPolicy, now: Date): string {
  const resetAt = policy.budgetResetAt(now);
  return `${keyPrefix}k:${policy.key.hash}:s:${resetAt === null ? 'none' : String(resetAt.getTime())}`;
}
