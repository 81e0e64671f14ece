import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { KeysAndSpendOptions } from '../auth/install-keys-and-spend.ts';
import { cacheSettingsOf } from '../cache/cache-settings.ts';
import { MemoryStore } from '../cache/memory-store.ts';
import { RedisStore } from '../cache/redis-store.ts';
import { ResponseCache } from '../cache/response-cache.ts';
import type { GatewayConfig } from '../config/load.ts';
import { deploymentCountersOf, countedElsewhere, SharedLimits } from '../limits/shared-limits.ts';
import { SharedLimiter } from '../limits/shared-limiter.ts';
import type { Dependencies } from '../observability/dependencies.ts';
import type { Router, RouterOptions } from '../router/router.ts';
import { SharedCooldowns } from '../router/shared-cooldowns.ts';
import { SharedKeyInvalidation } from './key-invalidation.ts';
import { redisSettingsOf } from './settings.ts';
import { SharedRedis, type RedisState } from './shared-redis.ts';
import { spendWriteOptionsOf } from '../spend/spend-writer.ts';
import { RedisSpendQueue } from './spend-queue.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Tuning for tests (fault tests want a quick breaker); production uses the defaults. */
export interface SharedStateOptions {
  readonly commandTimeoutMs?: number;
  readonly leaseTtlMs?: number;
  readonly probeEveryMs?: number;
}

/** What the pod shares with the others through Redis; all undefined without Redis (everything per pod). */
export interface SharedState {
  readonly redis: SharedRedis | undefined;
  /** The response cache's Redis (the router's one when they are the same). */
  readonly cacheRedis: SharedRedis | undefined;
  readonly limiter: SharedLimiter | undefined;
  /** Undefined unless `litellm_settings.cache: true`; in memory without a Redis for it. */
  readonly responseCache: ResponseCache | undefined;
  /** For metrics: the breaker's and connection's state. */
  readonly redisState: () => RedisState | undefined;
  /** For metrics: the time of each Redis call, by operation. */
  onRedisRoundTrip(listener: (operation: string, seconds: number) => void): void;
  /** The key code's options with the shared limiter's stand-in and pub/sub invalidation added. */
  keysOptions(given: KeysAndSpendOptions | undefined): KeysAndSpendOptions | undefined;
  readonly routerOptions: Pick<RouterOptions, 'cooldownSharing' | 'usage'>;
  /** Decorates the app and closes the connections when it closes. */
  install(app: FastifyInstance, config: () => GatewayConfig, router: () => Router): void;
}

/** Connects in the background (startup never waits for Redis) and registers `redis` and `cache` as dependencies. */
export function createSharedState(
  config: GatewayConfig,
  options: { env: Env; logger: Logger; dependencies: Dependencies; tuning?: SharedStateOptions },
): SharedState {
  const settings = redisSettingsOf(config, options.env);
  const open = (endpoint: NonNullable<typeof settings.router>, role: string) => {
    const tuning = options.tuning ?? {};
    const redis = new SharedRedis({
      endpoint,
      logger: options.logger,
      role,
      ...(tuning.commandTimeoutMs === undefined ? {} : { commandTimeoutMs: tuning.commandTimeoutMs }),
      ...(tuning.probeEveryMs === undefined ? {} : { probeEveryMs: tuning.probeEveryMs }),
    });
    redis.start();
    return redis;
  };
  const redis = settings.router === undefined ? undefined : open(settings.router, 'redis');
  const cacheRedis =
    settings.cache === undefined ? undefined : settings.same ? redis : open(settings.cache, 'cache');
  if (redis !== undefined) options.dependencies.register('redis', () => redis.report());
  if (cacheRedis !== undefined) options.dependencies.register('cache', () => cacheRedis.report());

  let counters: () => readonly string[] = () => [];
  const limiter =
    redis === undefined
      ? undefined
      : new SharedLimiter({
          redis,
          deploymentCounters: () => counters(),
          ...(options.tuning?.leaseTtlMs === undefined ? {} : { leaseTtlMs: options.tuning.leaseTtlMs }),
        });
  const cooldowns = redis === undefined ? undefined : new SharedCooldowns(redis);
  const invalidation = redis === undefined ? undefined : new SharedKeyInvalidation(redis);
  const spendQueue =
    redis !== undefined && config.generalSettings.use_redis_transaction_buffer === true
      ? new RedisSpendQueue({
          redis,
          podId: randomUUID(),
          write: spendWriteOptionsOf(config.generalSettings),
        })
      : undefined;
  if (spendQueue === undefined && config.generalSettings.use_redis_transaction_buffer === true)
    options.logger.warn('use_redis_transaction_buffer needs a Redis: spend is written by each pod directly');
  const cacheSettings = cacheSettingsOf(config);
  if (cacheSettings !== undefined && cacheRedis === undefined)
    options.logger.info('response cache in memory (no Redis configured for it): each pod caches on its own');
  const responseCache =
    cacheSettings === undefined
      ? undefined
      : new ResponseCache(
          cacheRedis === undefined ? new MemoryStore(cacheSettings.maxEntries) : new RedisStore(cacheRedis),
          cacheSettings,
        );

  return {
    redis,
    cacheRedis,
    limiter,
    responseCache,
    redisState: () => redis?.state(),
    onRedisRoundTrip(listener) {
      redis?.onRoundTrip(listener);
      if (cacheRedis !== redis) cacheRedis?.onRoundTrip(listener);
    },
    keysOptions(given) {
      if (limiter === undefined || invalidation === undefined) return given;
      return {
        limiter: countedElsewhere,
        invalidation,
        ...(spendQueue === undefined ? {} : { spendQueue }),
        ...given,
      };
    },
    routerOptions: {
      ...(cooldowns === undefined ? {} : { cooldownSharing: cooldowns }),
      ...(limiter === undefined ? {} : { usage: (local) => limiter.usage.over(local) }),
    },
    install(app, currentConfig, currentRouter) {
      app.decorate(
        'sharedLimits',
        limiter === undefined ? undefined : new SharedLimits(limiter, currentConfig),
      );
      app.decorate('responseCache', responseCache);
      app.decorateRequest('cacheHit', false);
      let cachedFor: Router | undefined;
      let cached: readonly string[] = [];
      counters = () => {
        const router = currentRouter();
        if (router !== cachedFor) {
          cachedFor = router;
          cached = deploymentCountersOf(currentConfig(), router);
        }
        return cached;
      };
      app.addHook('onClose', async () => {
        cooldowns?.close();
        await limiter?.close();
        await redis?.close();
        if (cacheRedis !== redis) await cacheRedis?.close();
      });
    },
  };
}
