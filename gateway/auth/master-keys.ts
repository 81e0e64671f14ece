/**
 * The master key and, during a rotation, the previous one: both are accepted until the previous is removed, so
 * clients can move over without downtime. A key is compared in time that depends on the master key's length
 * only, never stopping at the first difference; no digest is needed (a SHA-256 was the largest cost of a
 * master-key request's authentication).
 */
export class MasterKeys {
  readonly #keys: readonly string[];

  constructor(current: string, previous: string | undefined) {
    this.#keys = [current, previous].filter((key): key is string => key !== undefined && key !== '');
  }

  /** Compares a presented key against every master key, without stopping at the first match. */
  matches(presented: string): boolean {
    let found = false;
    for (const expected of this.#keys) found = sameKey(presented, expected) || found;
    return found;
  }
}

/** Every position of `expected` is compared, whatever `presented` holds (past its end, `charCodeAt` is NaN: 0). */
function sameKey(presented: string, expected: string): boolean {
  let difference = presented.length ^ expected.length;
  for (let i = 0; i < expected.length; i++) difference |= presented.charCodeAt(i) ^ expected.charCodeAt(i);
  return difference === 0;
}
