import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The master key and, during a rotation, the previous one: both are accepted until the previous is removed, so
 * clients can move over without downtime. Compared as SHA-256 digests in constant time.
 */
export class MasterKeys {
  readonly #digests: readonly Buffer[];

  constructor(current: string, previous: string | undefined) {
    this.#digests = [current, previous]
      .filter((key): key is string => key !== undefined && key !== '')
      .map((key) => createHash('sha256').update(key).digest());
  }

  /** Compares against every master key, without stopping at the first match. */
  matches(digest: Buffer): boolean {
    let found = false;
    for (const expected of this.#digests) found = timingSafeEqual(digest, expected) || found;
    return found;
  }
}
