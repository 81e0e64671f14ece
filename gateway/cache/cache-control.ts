import type { IncomingHttpHeaders } from 'node:http';

/** What one request asks of the cache: LiteLLM's `cache` body field and the `Cache-Control` header. */
export interface CacheControl {
  /** Do not answer from the cache (a fresh answer may still be stored). */
  readonly noCache: boolean;
  /** Do not store this answer. */
  readonly noStore: boolean;
  /** How long to keep this answer, seconds (instead of the configured TTL). */
  readonly ttlSeconds: number | undefined;
  /** Accept a cached answer only this young, seconds (`s-maxage`, `max-age`). */
  readonly maxAgeSeconds: number | undefined;
}

export const defaultControl: CacheControl = {
  noCache: false,
  noStore: false,
  ttlSeconds: undefined,
  maxAgeSeconds: undefined,
};

/** `cache: {"no-cache": true, "no-store": true, "ttl": 60, "s-maxage": 30}` and `Cache-Control`. */
export function cacheControlOf(
  body: Readonly<Record<string, unknown>>,
  headers: IncomingHttpHeaders,
): CacheControl {
  const field = body.cache;
  const header = headers['cache-control'];
  if ((field === undefined || field === null || typeof field !== 'object') && header === undefined)
    return defaultControl;
  const given = (field ?? {}) as Record<string, unknown>;
  const directives = parseHeader(header);
  return {
    noCache: given['no-cache'] === true || directives.has('no-cache'),
    noStore: given['no-store'] === true || directives.has('no-store'),
    ttlSeconds: seconds(given.ttl),
    maxAgeSeconds:
      seconds(given['s-maxage']) ?? seconds(directives.get('s-maxage')) ?? seconds(directives.get('max-age')),
  };
}

function parseHeader(header: string | string[] | undefined): Map<string, string> {
  const directives = new Map<string, string>();
  for (const part of (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',')) {
    const [name, value] = part.trim().toLowerCase().split('=');
    if (name !== undefined && name !== '') directives.set(name, value ?? '');
  }
  return directives;
}

function seconds(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : undefined;
}
