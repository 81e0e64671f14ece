import { createHash } from 'node:crypto';
import type { Operation, RequestBody } from '../providers/types.ts';

/** Fields that steer the gateway or label the caller, not the answer: two requests differing only here share one. */
const ignored: ReadonlySet<string> = new Set([
  'model',
  'cache',
  'user',
  'metadata',
  'fallbacks',
  'context_window_fallbacks',
  'num_retries',
  'timeout',
  'mock_testing_fallbacks',
]);

/**
 * The exact-match key: the operation, the model group and every other field of the body (messages, sampling
 * parameters, tools, response format, stream options...), as canonical JSON (keys sorted) so field order does not
 * matter, hashed. Streaming and non-streaming answers are kept apart: each is replayed as it was sent.
 */
export function cacheKeyOf(
  namespace: string,
  operation: Operation,
  modelGroup: string,
  body: RequestBody,
): string {
  const hash = createHash('sha256');
  hash.update(operation).update('\0').update(modelGroup).update('\0');
  const fields = Object.keys(body)
    .filter((name) => !ignored.has(name))
    .sort();
  for (const name of fields) {
    if (name === 'stream' && body.stream !== true) continue; // stream: false is the default
    hash.update(name).update('\0').update(canonicalJson(body[name])).update('\0');
  }
  return `${namespace}:${hash.digest('hex')}`;
}

/** JSON with object keys sorted at every depth. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([name, item]) => `${JSON.stringify(name)}:${canonicalJson(item)}`).join(',')}}`;
}
