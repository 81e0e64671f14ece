import { ProviderError } from '../upstream/errors.ts';
import { asRecord } from './upstream-call.ts';

export { asRecord };

export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

export function asArray(value: unknown): readonly unknown[] | undefined {
  return Array.isArray(value) ? (value as unknown[]) : undefined;
}

export function asString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function asNumber(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** A request the client must fix: a 400 that is neither retried nor worth a cooldown. */
export function badRequest(message: string): ProviderError {
  return new ProviderError('bad_request', message, { status: 400 });
}

/** `JSON.parse`, or undefined when the text is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** OpenAI message `content` as a list of parts: a string is one text part; null or absent is none. */
export function contentParts(content: unknown, path: string): Record<string, unknown>[] {
  if (content === undefined || content === null) return [];
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  const list = asArray(content);
  if (list === undefined) throw badRequest(`${path} must be a string or a list of content parts`);
  return list.map((part, index) => {
    const record = asRecord(part);
    if (record === undefined) throw badRequest(`${path}[${index}] must be an object`);
    return record;
  });
}
