import type { GatewayConfig } from '../config/load.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Where one Redis is and how to reach it. Holds a password: never log it (use `describeRedis`). */
export interface RedisEndpoint {
  readonly host: string;
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
  readonly db: number;
}

/**
 * The Redis of the router (limits, cooldowns, key-cache invalidation) and of the response cache. When only one
 * is configured both use it, as LiteLLM does; `same` tells they can share one client.
 */
export interface RedisSettings {
  readonly router: RedisEndpoint | undefined;
  readonly cache: RedisEndpoint | undefined;
  readonly same: boolean;
}

const defaultPort = 6379;

/** LiteLLM's sources, first found wins: the section's own keys, then `REDIS_URL`/`REDIS_HOST`. */
export function redisSettingsOf(config: GatewayConfig, env: Env): RedisSettings {
  const router = config.routerSettings;
  const fromEnv = endpointOf({
    url: env.REDIS_URL,
    host: env.REDIS_HOST,
    port: env.REDIS_PORT,
    username: env.REDIS_USERNAME,
    password: env.REDIS_PASSWORD,
    ssl: env.REDIS_SSL,
  });
  const ownRouter = endpointOf({
    url: router.redis_url,
    host: router.redis_host,
    port: router.redis_port,
    password: router.redis_password ?? env.REDIS_PASSWORD,
    username: env.REDIS_USERNAME,
    ssl: env.REDIS_SSL,
  });
  const params = config.litellmSettings.cache_params;
  const cacheOn = config.litellmSettings.cache === true && (params?.type ?? 'redis') === 'redis';
  const ownCache =
    params === undefined
      ? undefined
      : endpointOf({
          url: params.url,
          host: params.host,
          port: params.port,
          password: params.password ?? env.REDIS_PASSWORD,
          username: params.username ?? env.REDIS_USERNAME,
          ssl: params.ssl ?? env.REDIS_SSL,
        });
  const routerEndpoint = ownRouter ?? fromEnv ?? (cacheOn ? ownCache : undefined);
  const cacheEndpoint = cacheOn ? (ownCache ?? ownRouter ?? fromEnv) : undefined;
  return {
    router: routerEndpoint,
    cache: cacheEndpoint,
    same:
      routerEndpoint !== undefined &&
      cacheEndpoint !== undefined &&
      sameEndpoint(routerEndpoint, cacheEndpoint),
  };
}

interface EndpointSource {
  readonly url: string | undefined;
  readonly host: string | undefined;
  readonly port: string | number | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  readonly ssl: string | boolean | undefined;
}

function endpointOf(source: EndpointSource): RedisEndpoint | undefined {
  const url = blank(source.url);
  if (url !== undefined) return endpointOfUrl(url, source);
  const host = blank(source.host);
  if (host === undefined) return undefined;
  const port = Number(source.port ?? defaultPort);
  return withCredentials(
    { host, port: Number.isInteger(port) && port > 0 ? port : defaultPort, tls: truthy(source.ssl), db: 0 },
    blank(source.username),
    source.password,
  );
}

/** `redis://[user:password@]host:port/db`, `rediss://` for TLS. */
function endpointOfUrl(text: string, source: EndpointSource): RedisEndpoint {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The URL may hold a password: say only that it is malformed.
    throw new Error('redis_url is not a valid URL (expected redis://host:port or rediss://host:port)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:')
    throw new Error(`redis_url must start with redis:// or rediss://, not ${url.protocol}//`);
  const db = Number(url.pathname.replace(/^\//, '') || '0');
  return withCredentials(
    {
      host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
      port: url.port === '' ? defaultPort : Number(url.port),
      tls: url.protocol === 'rediss:' || truthy(source.ssl),
      db: Number.isInteger(db) ? db : 0,
    },
    blank(decodeURIComponent(url.username)) ?? blank(source.username),
    blank(decodeURIComponent(url.password)) ?? source.password,
  );
}

function withCredentials(
  endpoint: Omit<RedisEndpoint, 'username' | 'password'>,
  username: string | undefined,
  password: string | undefined,
): RedisEndpoint {
  const given = blank(password);
  return {
    ...endpoint,
    ...(username === undefined ? {} : { username }),
    ...(given === undefined ? {} : { password: given }),
  };
}

function sameEndpoint(a: RedisEndpoint, b: RedisEndpoint): boolean {
  return (
    a.host === b.host &&
    a.port === b.port &&
    a.db === b.db &&
    a.tls === b.tls &&
    a.username === b.username &&
    a.password === b.password
  );
}

/** For logs and errors: where, never with what password. */
export function describeRedis(endpoint: RedisEndpoint): string {
  return `${endpoint.tls ? 'rediss' : 'redis'}://${endpoint.host}:${endpoint.port}/${endpoint.db}`;
}

function blank(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function truthy(value: string | boolean | undefined): boolean {
  return value === true || (typeof value === 'string' && ['1', 'true', 'yes'].includes(value.toLowerCase()));
}
