import { randomBytes } from 'node:crypto';

/** Bytes of randomness in a generated key: 192 bits, well past the 128 a guess must beat. */
const keyBytes = 24;

/**
 * A new virtual key: `sk-` and 192 random bits in base64url. Made only here, in the controller, so the
 * builders stay pure and the key exists nowhere but the consumer's Secret.
 */
export function generateKey(): string {
  return `sk-${randomBytes(keyBytes).toString('base64url')}`;
}
