import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Authenticator, Principal } from './auth/authenticator.ts';
import { installKeysAndSpend, type KeysAndSpendOptions } from './auth/install-keys-and-spend.ts';
import type { GatewayConfig } from './config/load.ts';
import { operationsFromEnv, type OperationsSettings } from './config/operations.ts';
import { ServedModels } from './config/served-models.ts';
import type { Database } from './db/database.ts';
import { SecretBox } from './db/secret-box.ts';
import { StoredModels } from './db/stored-models.ts';
import { flatUuid } from './flat-uuid.ts';
import type { SpendBuffer } from './spend/spend-buffer.ts';
import { Dependencies } from './observability/dependencies.ts';
import { Lifecycle } from './observability/lifecycle.ts';
import { lazyRequestLogger } from './observability/lazy-request-logger.ts';
import { createLogger } from './observability/logger.ts';
import type { GatewayMetrics } from './observability/metrics.ts';
import { installObservability } from './observability/plugin.ts';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.ts';
import type { Random } from './router/random.ts';
import type { BackoffSettings } from './router/retry-policy.ts';
import { createSharedState, type SharedState, type SharedStateOptions } from './redis/shared-state.ts';
import { Router } from './router/router.ts';
import { clientErrorHandler, frameworkErrors, installJsonParser } from './routes/http-errors.ts';
import { installErrorHandlers } from './routes/error-handler.ts';
import type { HealthSources } from './routes/health.ts';
import { messagesRoutes } from './routes/messages.ts';
import { modelRoutes } from './routes/models.ts';
import { openAIRoutes } from './routes/openai.ts';
import { closeUnusedConnectionsOnClose } from './unused-connections.ts';
import { UpstreamHttp } from './upstream/http.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Which model group and deployment served the request, for the access log and metrics. */
    routed: {
      model: string;
      deployment: string;
      attempts: number;
      /** The group that answered (differs from `model` after a fallback). */
      group?: string;
      /** Time inside the router: upstream calls, retries and backoffs. */
      upstreamMs?: number;
      /** Streams: time from arrival to the first upstream chunk. */
      firstChunkMs?: number;
      promptTokens?: number;
      completionTokens?: number;
      /** USD, when spend tracking priced the request. */
      cost?: number;
    } | null;
    principal: Principal | null;
  }
}

export interface AppOptions {
  readonly config: GatewayConfig;
  readonly logger?: Logger;
  readonly registry?: ProviderRegistry;
  readonly http?: UpstreamHttp;
  /** For tests: a seeded random source and short backoffs. */
  readonly random?: Random;
  readonly backoff?: Partial<BackoffSettings>;
  /** Operational settings (drain, shedding, metrics labels); default: from the environment. */
  readonly operations?: OperationsSettings;
  /** Shared with the server, which drains it; a config missing at start makes it `starting`. */
  readonly lifecycle?: Lifecycle;
  /** Keys, budgets and spend live here; the gateway closes it on close (after writing the spend buffer). */
  readonly database?: Database;
  /**
   * Environment for key and database settings (default: process.env), including the salt key of stored
   * models and, when `operations` is not given, how often they are polled (SWITCHYARD_CONFIG_POLL_SECONDS).
   */
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly keys?: KeysAndSpendOptions;
  /** Redis tuning for tests (breaker bound, lease TTL); the connection itself comes from the config. */
  readonly redis?: SharedStateOptions;
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly router: () => Router;
  /** Shared services (database, Redis, cache) register their state here for readiness and metrics. */
  readonly dependencies: Dependencies;
  readonly lifecycle: Lifecycle;
  readonly metrics: GatewayMetrics;
  readonly health: HealthSources;
  /** The config served now: the file's deployments and the stored models (it changes on either's reload). */
  readonly currentConfig: () => GatewayConfig;
  /**
   * Swaps in a validated config file, served with the stored models: new requests use a new router, in-flight
   * ones finish on the old.
   */
  readonly reload: (config: GatewayConfig) => void;
  /** The file's deployments plus the models stored through the API, kept in step with the database. */
  readonly servedModels: ServedModels;
  /** Spend rows waiting to be written (`size()`, `dropped()`), for metrics; undefined without a database. */
  readonly spendBuffer: SpendBuffer | undefined;
  /** The database (pool `stats()`, `health`), for metrics; undefined without one. */
  readonly database: Database | undefined;
  /** Limits, cooldowns, invalidation and cache shared through Redis (`redisState()` for metrics). */
  readonly shared: SharedState;
}

const defaultBodyLimitMb = 32;
const requestIdPattern = /^[\w.:-]{1,128}$/;

/** Builds the gateway as a fastify app (no socket), so tests can `inject()` and the server only listens. */
export function buildGateway(options: AppOptions): Gateway {
  const { config } = options;
  const env = options.env ?? process.env;
  const logger = options.logger ?? createLogger();
  const registry = options.registry ?? createProviderRegistry();
  const operations = options.operations ?? operationsFromEnv(env);
  // A request in flight holds at most one upstream connection: as many per origin as the pod admits.
  const http =
    options.http ??
    new UpstreamHttp({ connectionsPerOrigin: operations.maxInFlight > 0 ? operations.maxInFlight : null });
  const dependencies = new Dependencies();
  const shared = createSharedState(config, {
    env: options.env ?? process.env,
    logger,
    dependencies,
    ...(options.redis === undefined ? {} : { tuning: options.redis }),
  });
  const routerFor = (next: GatewayConfig) =>
    new Router(next, {
      http,
      registry,
      ...shared.routerOptions,
      ...(options.random === undefined ? {} : { random: options.random }),
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    });
  let current = config;
  let router = routerFor(config);
  const { database } = options;
  const servedModels = new ServedModels({
    file: config,
    registry,
    logger,
    serve(next) {
      router = routerFor(next);
      current = next;
    },
    ...(database === undefined ? {} : { source: new StoredModels(database, SecretBox.fromEnv(env)) }),
    pollMs: operations.configPollMs,
  });
  const lifecycle = options.lifecycle ?? new Lifecycle();

  const app = Fastify<Server, IncomingMessage, ServerResponse>({
    loggerInstance: logger,
    // One access-log line per request, written by the request observer, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    childLoggerFactory: lazyRequestLogger,
    frameworkErrors,
    clientErrorHandler,
    // Node answers a request without Host itself, with an empty 400: let it reach the gateway's error shape.
    http: { requireHostHeader: false },
    bodyLimit: Math.ceil((config.generalSettings.max_request_size_mb ?? defaultBodyLimitMb) * 1024 * 1024),
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : flatUuid();
    },
  });
  app.decorateRequest('routed', null);
  app.decorateRequest('principal', null);
  app.decorate('servedModels', servedModels);
  const keysOptions = shared.keysOptions(options.keys);
  const keysAndSpend = installKeysAndSpend(app, {
    config,
    database: options.database,
    env: options.env ?? process.env,
    logger,
    router: () => router,
    dependencies,
    ...(keysOptions === undefined ? {} : { keys: keysOptions }),
  });
  shared.install(
    app,
    () => current,
    () => router,
  );
  const authenticator: Authenticator = keysAndSpend.authenticator;
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  const { metrics, health } = installObservability(app, {
    lifecycle,
    dependencies,
    operations,
    config: () => current,
    router: () => router,
    authenticator: () => authenticator,
    registry,
    http,
  });
  const { spendBuffer } = keysAndSpend;
  if (spendBuffer !== undefined) metrics.components.spendBuffer(() => spendBuffer.size());
  const { budgets } = keysAndSpend;
  if (budgets !== undefined) metrics.components.budgets(budgets);
  metrics.components.redisBreaker(() => shared.redisState()?.breaker ?? 'closed');
  metrics.components.rateLimitAdmissions(() => shared.limiter?.admissions());
  shared.onRedisRoundTrip((operation, seconds) => {
    metrics.components.redisRoundTrip(operation, seconds);
  });
  if (database !== undefined) {
    metrics.components.databasePool(() => database.stats());
    database.health.onFailure(() => {
      metrics.components.databaseQueryFailed();
    });
  }
  if (!options.http) app.addHook('onClose', () => http.close());

  closeUnusedConnectionsOnClose(app);
  installErrorHandlers(app);
  installJsonParser(app);
  openAIRoutes(app, { router: () => router, authenticator: () => authenticator });
  messagesRoutes(app, { router: () => router, authenticator: () => authenticator });
  modelRoutes(app, { router: () => router, authenticator: () => authenticator });
  const reload = (next: GatewayConfig) => {
    servedModels.setFile(next);
    lifecycle.configLoaded();
  };
  // Stop looking for other pods' models once draining; preClose runs before onClose closes the database.
  lifecycle.onDrain(() => void servedModels.close());
  app.addHook('preClose', () => servedModels.close());
  servedModels.start();
  return {
    app,
    router: () => router,
    dependencies,
    lifecycle,
    metrics,
    health,
    currentConfig: () => current,
    reload,
    servedModels,
    spendBuffer: keysAndSpend.spendBuffer,
    database: options.database,
    shared,
  };
}
