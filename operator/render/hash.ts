import { createHash } from 'node:crypto';

/** Hex SHA-256 of a string. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** A hash of a JSON value that does not depend on key order: equal values give equal hashes. */
export function stableHash(value: unknown, length = 16): string {
  return sha256(canonicalJson(value)).slice(0, length);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  // JSON.stringify gives undefined (not a string) for undefined and functions.
  return value === undefined || typeof value === 'function' ? 'null' : JSON.stringify(value);
}
