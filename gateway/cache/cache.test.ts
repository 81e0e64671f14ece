import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../test-support/gateway.ts';
import { cacheControlOf } from './cache-control.ts';
import { cacheKeyOf, canonicalJson } from './cache-key.ts';
import { MemoryStore } from './memory-store.ts';
import { cacheHeader } from './response-cache.ts';

describe('cache key', () => {
  it('is canonical: field order, user and metadata do not matter; messages, params and tools do', () => {
    const messages = [{ role: 'user', content: 'hi' }];
    const key = (body: Record<string, unknown>, group = 'g') => cacheKeyOf('ns', 'chat', group, body);
    const base = key({ messages, temperature: 0, tools: [{ type: 'function', function: { name: 'f' } }] });
    expect(
      key({ tools: [{ function: { name: 'f' }, type: 'function' }], temperature: 0, messages, user: 'u' }),
    ).toBe(base);
    expect(
      key({
        messages,
        temperature: 0,
        tools: [{ type: 'function', function: { name: 'f' } }],
        stream: false,
      }),
    ).toBe(base);
    expect(
      key({ messages, temperature: 0.1, tools: [{ type: 'function', function: { name: 'f' } }] }),
    ).not.toBe(base);
    expect(key({ messages, temperature: 0, tools: [] })).not.toBe(base);
    expect(
      key({ messages, temperature: 0, tools: [{ type: 'function', function: { name: 'f' } }] }, 'other'),
    ).not.toBe(base);
    expect(base).toMatch(/^ns:[0-9a-f]{64}$/);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });

  it('reads per-request control from the body and Cache-Control', () => {
    expect(cacheControlOf({ cache: { 'no-cache': true, ttl: 5 } }, {})).toEqual({
      noCache: true,
      noStore: false,
      ttlSeconds: 5,
      maxAgeSeconds: undefined,
    });
    expect(cacheControlOf({}, { 'cache-control': 'no-store, max-age=30' })).toEqual({
      noCache: false,
      noStore: true,
      ttlSeconds: undefined,
      maxAgeSeconds: 30,
    });
  });
});

describe('in-memory store', () => {
  it('is bounded, drops the least recently used first and expires entries', () => {
    let now = 0;
    const store = new MemoryStore(2, () => now);
    const answer = (raw: string) => ({ kind: 'json' as const, raw, deployment: 'd', storedAt: now });
    store.set('a', answer('a'), 1000);
    store.set('b', answer('b'), 1000);
    expect(store.get('a')?.kind).toBe('json'); // a is now the most recently used
    store.set('c', answer('c'), 1000);
    expect(store.get('b')).toBeUndefined();
    expect(store.get('a')).toBeDefined();
    expect(store.size).toBe(2);
    now = 1000;
    expect(store.get('a')).toBeUndefined();
  });
});

describe('response cache without Redis', () => {
  let gateway: RunningGateway;
  beforeAll(async () => {
    gateway = await startGateway(`
model_list:
  - model_name: chat
    litellm_params: { model: mock/chat }
litellm_settings: { cache: true }
`);
  });
  afterAll(() => gateway.close());

  it('serves a repeated request from memory, and says so', async () => {
    const send = () =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          model: 'chat',
          messages: [{ role: 'user', content: 'hi' }],
          cache: { ttl: 60 },
        }),
      });
    const first = await send();
    expect(first.headers.get(cacheHeader)).toBe('MISS');
    const second = await send();
    expect(second.headers.get(cacheHeader)).toBe('HIT');
    expect(await second.json()).toEqual(await first.json());
    expect(gateway.dependencies.report('cache').status).toBe('not_configured');
  });
});
