import { hash, randomBytes } from 'node:crypto';

/** Lowercase hex SHA-256 of the whole key string: all that is ever stored of a key. */
export function hashKey(key: string): string {
  return hash('sha256', key, 'hex');
}

/** `sk-` and 192 random bits, URL-safe. */
export function generateKey(): string {
  return `sk-${randomBytes(24).toString('base64url')}`;
}

/** What listings show of a key: enough to tell keys apart, far too little to use. */
export function keyNameOf(key: string): string {
  return `sk-...${key.slice(-4)}`;
}

const hashPattern = /^[0-9a-f]{64}$/;

/** The API takes either a key or its hash (LiteLLM's `token`) wherever it names a key. */
export function hashOfKeyOrHash(value: string): string {
  return hashPattern.test(value) ? value : hashKey(value);
}
