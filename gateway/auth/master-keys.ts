import { hashKey, sameHash } from './key-hash.ts';

/**
 * The master key and, during a rotation, the previous one: both are accepted until the previous is removed, so
 * clients can move over without downtime. Compared as SHA-256 digests in constant time.
 */
export class MasterKeys {
  readonly #hashes: readonly string[];

  constructor(current: string, previous: string | undefined) {
    this.#hashes = [current, previous]
      .filter((key): key is string => key !== undefined && key !== '')
      .map(hashKey);
  }

  /** Compares a key's hash (`hashKey`) against every master key, without stopping at the first match. */
  matches(hash: string): boolean {
    let found = false;
    for (const expected of this.#hashes) found = sameHash(hash, expected) || found;
    return found;
  }
}
