import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import type { GatewayConfig } from '../config/load.ts';
import type { OperationsSettings } from '../config/operations.ts';
import type { ProviderRegistry } from '../providers/registry.ts';
import type { Router } from '../router/router.ts';
import { deploymentHealthRoute, healthRoutes, readinessOf, type HealthSources } from '../routes/health.ts';
import { BackgroundHealthChecks } from './background-health.ts';
import { checkDeployments } from './deployment-checks.ts';
import { metricsRoute } from '../routes/metrics.ts';
import type { UpstreamHttp } from '../upstream/http.ts';
import type { Dependencies } from './dependencies.ts';
import type { Lifecycle } from './lifecycle.ts';
import { GatewayMetrics } from './metrics.ts';
import { scrubberOf } from './logger.ts';
import { installRequestObserver } from './request-observer.ts';
import { configSecrets } from './scrubber.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** For components that count on the request path (cache lookups, Redis round trips): `.components`. */
    metrics: GatewayMetrics;
  }
}

export interface ObservabilityOptions {
  readonly lifecycle: Lifecycle;
  readonly dependencies: Dependencies;
  readonly operations: OperationsSettings;
  readonly config: () => GatewayConfig;
  readonly router: () => Router;
  readonly authenticator: () => Authenticator;
  readonly registry: ProviderRegistry;
  readonly http: UpstreamHttp;
}

/** Longest a deployment's health call may take. */
const checkTimeoutMs = 30_000;

export interface Observability {
  readonly metrics: GatewayMetrics;
  /** What the probes read; the server mounts them again on the separate health port. */
  readonly health: HealthSources;
}

/**
 * Admission and accounting of API requests, the request log, `/metrics`, the probes and `GET /health`.
 * Call before the API routes are added: admission attaches to them as they register.
 */
export function installObservability(app: FastifyInstance, options: ObservabilityOptions): Observability {
  const { lifecycle, dependencies, operations } = options;
  scrubberOf(app.log)?.addSource(() => configSecrets(options.config()));
  const health: HealthSources = {
    lifecycle,
    dependencies,
    configVersion: () => options.config().version,
    shedUnreadyAfterMs: operations.shedUnreadyAfterMs,
  };
  const metrics = new GatewayMetrics(
    {
      lifecycle,
      dependencies,
      router: options.router,
      ready: () => readinessOf(health).ready,
      configVersion: health.configVersion,
    },
    { keyAliasLabel: operations.keyAliasLabel, maxKeyAliases: operations.maxKeyAliases },
  );
  app.decorate('metrics', metrics);
  installRequestObserver(app, {
    lifecycle,
    metrics,
    maxInFlight: operations.maxInFlight,
    maxRequestsBeforeRestart: operations.maxRequestsBeforeRestart,
    logContent: operations.logContent
      ? () => options.config().litellmSettings.turn_off_message_logging !== true
      : undefined,
  });
  const check = () => checkDeployments(options.router(), options.registry, options.http, checkTimeoutMs);
  const background = new BackgroundHealthChecks({
    enabled: () => options.config().generalSettings.background_health_checks === true,
    intervalSeconds: () => options.config().generalSettings.health_check_interval ?? 300,
    check,
  });
  metrics.components.deploymentHealth(() => background.last());
  background.start();
  app.addHook('onClose', () => {
    background.close();
    metrics.close();
  });
  healthRoutes(app, health);
  deploymentHealthRoute(app, { authenticator: options.authenticator, check, background });
  metricsRoute(app, {
    metrics,
    authenticator: options.authenticator,
    requireAuth: () => options.config().litellmSettings.require_auth_for_metrics_endpoint === true,
  });
  return { metrics, health };
}
