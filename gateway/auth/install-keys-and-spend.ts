import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/load.ts';
import type { Database } from '../db/database.ts';
import { SecretBox } from '../db/secret-box.ts';
import { databaseSettingsOf, type Env } from '../db/settings.ts';
import type { Dependencies } from '../observability/dependencies.ts';
import type { Router } from '../router/router.ts';
import { StoredModels } from '../db/stored-models.ts';
import { keyRoutes } from '../routes/keys.ts';
import { modelManagementRoutes } from '../routes/model-management.ts';
import { spendRoutes } from '../routes/spend.ts';
import { noAccounting } from '../spend/accounting.ts';
import { createMetering } from '../spend/metering.ts';
import { SpendBuffer, type SpendQueue } from '../spend/spend-buffer.ts';
import { spendWriteOptionsOf } from '../spend/spend-writer.ts';
import { masterKeyAuthenticator, type Authenticator } from './authenticator.ts';
import { DatabaseKeys } from './database-keys.ts';
import { KeyAdmin } from './key-admin.ts';
import { KeyCache, type KeyCacheInvalidation } from './key-cache.ts';
import { LocalKeyRateLimiter, type KeyRateLimiter } from './key-limits.ts';
import { KeyStore } from './key-store.ts';
import { KeysFile } from './keys-file.ts';
import { MasterKeys } from './master-keys.ts';
import { virtualKeyAuthenticator } from './virtual-key-authenticator.ts';

/** Knobs for tests and for the Redis issue (shared limiter, cross-pod invalidation). */
export interface KeysAndSpendOptions {
  readonly keyCacheTtlMs?: number;
  readonly now?: () => number;
  readonly limiter?: KeyRateLimiter;
  readonly invalidation?: KeyCacheInvalidation;
  /** `use_redis_transaction_buffer`: spend rows go through Redis to whichever pod flushes. */
  readonly spendQueue?: SpendQueue;
}

export interface KeysAndSpend {
  readonly authenticator: Authenticator;
  /** The spend buffer, for metrics (`size()`, `dropped()`); undefined without a database. */
  readonly spendBuffer: SpendBuffer | undefined;
  /** Budget left per key alias among the keys this pod has cached, for metrics; undefined without a database. */
  readonly budgets: (() => Iterable<{ keyAlias: string; remainingUsd: number }>) | undefined;
}

/**
 * Virtual keys, budgets and spend on the gateway's database: the authenticator, the key and spend APIs, the
 * metering around routed requests, and the database's state for readiness. The gateway owns the database it is
 * given: on close it writes the spend buffer, then closes the pool. Without a database, the master key only.
 */
export function installKeysAndSpend(
  app: FastifyInstance,
  options: {
    readonly config: GatewayConfig;
    readonly database: Database | undefined;
    readonly env: Env;
    readonly logger: Logger;
    readonly router: () => Router;
    readonly dependencies: Dependencies;
    readonly keys?: KeysAndSpendOptions;
  },
): KeysAndSpend {
  const { config, database, env, logger } = options;
  if (database === undefined || config.masterKey === undefined) {
    if (database !== undefined)
      logger.warn('no master key: virtual keys are off and every request is allowed');
    app.decorate('accounting', noAccounting);
    if (database !== undefined) {
      options.dependencies.register('db', () => database.health.report());
      app.addHook('onClose', () => database.close());
    }
    return {
      authenticator: masterKeyAuthenticator(config.masterKey),
      spendBuffer: undefined,
      budgets: undefined,
    };
  }
  const now = options.keys?.now ?? Date.now;
  const settings = databaseSettingsOf(config.generalSettings, env);
  const queue = options.keys?.spendQueue;
  const write = spendWriteOptionsOf(config.generalSettings);
  const buffer = new SpendBuffer(database, logger, {
    flushEveryMs: settings.batchWriteMs,
    write,
    ...(queue === undefined ? {} : { queue }),
  });
  const keysFilePath = env.SWITCHYARD_KEYS_FILE ?? config.generalSettings.keys_file;
  const keysFile =
    keysFilePath === undefined || keysFilePath === '' ? undefined : new KeysFile(keysFilePath, logger);
  const store = new KeyStore(new DatabaseKeys(database), keysFile);
  const cache = new KeyCache(store, {
    ...(options.keys?.keyCacheTtlMs === undefined ? {} : { ttlMs: options.keys.keyCacheTtlMs }),
    unflushedSpend: (hash) => buffer.unflushedCost(hash),
    ...(options.keys?.invalidation === undefined ? {} : { invalidation: options.keys.invalidation }),
  });
  keysFile?.onChange((hashes) => {
    cache.invalidate(hashes);
  });
  const authenticator = virtualKeyAuthenticator({
    masterKeys: new MasterKeys(config.masterKey, env.SWITCHYARD_PREVIOUS_MASTER_KEY),
    cache,
    allowOnUnavailable: settings.allowRequestsOnUnavailable,
    databaseUp: () => database.health.up || !database.health.reachedOnce,
    now,
  });
  app.decorate(
    'accounting',
    createMetering({
      buffer,
      limiter: options.keys?.limiter ?? new LocalKeyRateLimiter(),
      router: options.router,
      now,
      recordsUnkeyed: write.logs,
    }),
  );
  const admin = new KeyAdmin(store, cache, now, (hash) => buffer.unflushedCost(hash));
  keyRoutes(app, { admin, authenticator: () => authenticator });
  spendRoutes(app, { database, authenticator: () => authenticator });
  modelManagementRoutes(app, {
    models: new StoredModels(database, SecretBox.fromEnv(env)),
    router: options.router,
    authenticator: () => authenticator,
  });
  options.dependencies.register('db', () => database.health.report());
  buffer.start();
  app.addHook('onClose', async () => {
    keysFile?.close();
    await buffer.close();
    await database.close();
  });
  return { authenticator, spendBuffer: buffer, budgets: () => cache.budgets(now()) };
}
