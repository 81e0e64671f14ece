import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../config/load.ts';
import { createProviderRegistry } from '../providers/registry.ts';
import { describeRedis, redisSettingsOf } from './settings.ts';

const model = `model_list:\n  - model_name: m\n    litellm_params: { model: mock/m }\n`;
const settingsOf = (yaml: string, env: Record<string, string> = {}) =>
  redisSettingsOf(loadConfigText(model + yaml, { registry: createProviderRegistry(), env }), env);

describe('Redis settings, LiteLLM’s way', () => {
  it('is off without any Redis setting', () => {
    expect(settingsOf('')).toEqual({ router: undefined, cache: undefined, same: false });
  });

  it('reads router_settings.redis_host/port/password, and the password from os.environ', () => {
    const settings = settingsOf(
      'router_settings: { redis_host: redis.internal, redis_port: "6380", redis_password: os.environ/RP }\n',
      { RP: 's3cret' },
    );
    expect(settings.router).toEqual({
      host: 'redis.internal',
      port: 6380,
      password: 's3cret',
      tls: false,
      db: 0,
    });
    expect(settings.cache).toBeUndefined();
  });

  it('falls back to REDIS_HOST, REDIS_PORT, REDIS_PASSWORD (and REDIS_URL)', () => {
    expect(settingsOf('', { REDIS_HOST: 'r', REDIS_PORT: '7000', REDIS_PASSWORD: 'p' }).router).toEqual({
      host: 'r',
      port: 7000,
      password: 'p',
      tls: false,
      db: 0,
    });
    expect(settingsOf('', { REDIS_URL: 'rediss://user:pa%40ss@r.example:6390/2' }).router).toEqual({
      host: 'r.example',
      port: 6390,
      username: 'user',
      password: 'pa@ss',
      tls: true,
      db: 2,
    });
  });

  it('gives the cache its own cache_params, or the router’s Redis, and shares one when they are the same', () => {
    const own = settingsOf(
      'litellm_settings:\n  cache: true\n  cache_params: { type: redis, host: c, port: 6379, password: x, ssl: true }\nrouter_settings: { redis_host: r }\n',
    );
    expect(own.cache).toEqual({ host: 'c', port: 6379, password: 'x', tls: true, db: 0 });
    expect(own.router?.host).toBe('r');
    expect(own.same).toBe(false);

    const onlyCache = settingsOf(
      'litellm_settings:\n  cache: true\n  cache_params: { type: redis, host: c }\n',
    );
    expect(onlyCache.router).toEqual(onlyCache.cache);
    expect(onlyCache.same).toBe(true);

    const onlyRouter = settingsOf(
      'litellm_settings: { cache: true }\nrouter_settings: { redis_url: redis://r:6379 }\n',
    );
    expect(onlyRouter.cache).toEqual(onlyRouter.router);
    expect(onlyRouter.same).toBe(true);

    const local = settingsOf('litellm_settings:\n  cache: true\n  cache_params: { type: local }\n');
    expect(local.cache).toBeUndefined();
  });

  it('describes an endpoint without its password, and rejects a malformed URL without echoing it', () => {
    const settings = settingsOf('', { REDIS_URL: 'redis://:hunter2@r:6379' });
    expect(settings.router === undefined ? '' : describeRedis(settings.router)).toBe('redis://r:6379/0');
    expect(() => settingsOf('', { REDIS_URL: 'redis://:hunter2@[bad' })).toThrow(/not a valid URL/);
    expect(() => settingsOf('', { REDIS_URL: 'redis://:hunter2@[bad' })).not.toThrow(/hunter2/);
  });
});
