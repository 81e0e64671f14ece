import { createHash } from 'node:crypto';

/** A hash of a JSON value that ignores key order and undefined members: equal values, equal hashes. */
export function stableHash(value: unknown, length = 32): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, length);
}

/** JSON with sorted keys and no undefined members; Dates as their ISO string. */
export function canonicalJson(value: unknown): string {
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${(value as unknown[]).map((item) => canonicalJson(item)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, item]) => item !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  // What JSON.stringify gives no text for (undefined inside an array): JSON's own choice is null.
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
  return JSON.stringify(value);
}
