import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import { GatewayError } from '../errors.ts';
import type { BackgroundHealthChecks } from '../observability/background-health.ts';
import type { DeploymentHealth } from '../observability/deployment-checks.ts';
import type { Dependencies, DependencyName, DependencyReport } from '../observability/dependencies.ts';
import type { Lifecycle } from '../observability/lifecycle.ts';
import { gatewayVersion } from '../version.ts';
import { authenticate } from './authenticate.ts';

/** What the probes read: in-memory state only, so they answer at once and never call out. */
export interface HealthSources {
  readonly lifecycle: Lifecycle;
  readonly dependencies: Dependencies;
  readonly configVersion: () => string;
  /** Shedding without pause for this long makes the pod unready; 0: never. */
  readonly shedUnreadyAfterMs: number;
}

export interface Readiness {
  readonly ready: boolean;
  readonly body: Record<string, unknown>;
}

const dependencyNames: readonly DependencyName[] = ['db', 'redis', 'cache'];

/**
 * Readiness is about this pod (DESIGN.md): unready while starting (no valid config, or a configured
 * dependency never reached), while draining, and after shedding load for a long time. A later outage of
 * a shared dependency shows in the body and in metrics only, so one database blip does not empty the
 * Service of every endpoint at once.
 */
export function readinessOf(sources: HealthSources): Readiness {
  const { lifecycle, dependencies } = sources;
  const reasons: string[] = [];
  let status = 'healthy';
  if (lifecycle.phase === 'draining') {
    status = 'draining';
    reasons.push(`draining after ${lifecycle.drainReason ?? 'a signal'}`);
  } else if (lifecycle.phase === 'starting') {
    status = 'starting';
    reasons.push(lifecycle.startingReason ?? 'starting');
  }
  const unreached = dependencies.neverReached();
  if (unreached.length > 0) {
    if (status === 'healthy') status = 'starting';
    reasons.push(`not reached yet: ${unreached.join(', ')}`);
  }
  const shedding = lifecycle.sheddingForMs();
  if (sources.shedUnreadyAfterMs > 0 && shedding >= sources.shedUnreadyAfterMs) {
    if (status === 'healthy') status = 'overloaded';
    reasons.push(`shedding load for ${Math.round(shedding / 1000)} s`);
  }
  const reports = Object.fromEntries(
    dependencyNames.map((name) => [name, dependencies.report(name)] as const),
  ) as Record<DependencyName, DependencyReport>;
  return {
    ready: reasons.length === 0,
    body: {
      status,
      ...(reasons.length === 0 ? {} : { reasons }),
      db: describe(reports.db),
      redis: describe(reports.redis),
      cache: describe(reports.cache),
      dependencies: Object.fromEntries(
        dependencyNames
          .filter((name) => reports[name].status !== 'not_configured')
          .map((name) => [
            name,
            {
              status: reports[name].status,
              reached_once: reports[name].reachedOnce,
              ...(reports[name].detail === undefined ? {} : { detail: reports[name].detail }),
            },
          ]),
      ),
      in_flight: lifecycle.inFlight,
      config_version: sources.configVersion(),
      gateway_version: gatewayVersion,
    },
  };
}

/** LiteLLM's words for a dependency in the readiness body. */
function describe(report: DependencyReport): string {
  switch (report.status) {
    case 'up':
      return 'connected';
    case 'down':
      return 'disconnected';
    case 'not_configured':
      return 'not_configured';
  }
}

/** Liveness and readiness probes, LiteLLM's paths and bodies. Mounted on the API app and on the health app. */
export function healthRoutes(app: FastifyInstance, sources: HealthSources): void {
  const alive = () => "I'm alive!";
  app.get('/health/liveliness', alive);
  app.get('/health/liveness', alive);
  app.get('/health/readiness', (_request, reply) => {
    const { ready, body } = readinessOf(sources);
    return reply.code(ready ? 200 : 503).send(body);
  });
}

export interface DeploymentHealthOptions {
  readonly authenticator: () => Authenticator;
  /** One minimal real call per deployment (checkDeployments). */
  readonly check: () => Promise<DeploymentHealth>;
  readonly background: BackgroundHealthChecks;
}

/**
 * `GET /health` (master key): one minimal real call per deployment, or with `background_health_checks` the
 * last background round (with its `checked_at`).
 */
export function deploymentHealthRoute(app: FastifyInstance, options: DeploymentHealthOptions): void {
  app.get('/health', async (request: FastifyRequest) => {
    await authenticate(request, options.authenticator());
    // It spends real tokens on every deployment: an admin action, not one for virtual keys.
    if (request.principal?.kind === 'virtual')
      throw new GatewayError('master_key_required', 'GET /health needs the master key');
    return options.background.enabled ? options.background.latest() : options.check();
  });
}
