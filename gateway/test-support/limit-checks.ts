import { keyCounter, type LimitCheck } from '../limits/limit-check.ts';

/** A key's requests-a-minute check against the counter of `hash`. */
export function keyRpmCheck(hash: string, limit: number): LimitCheck {
  return { kind: 'r', key: keyCounter(hash, 'r'), limit, amount: 1, scope: 'key' };
}
