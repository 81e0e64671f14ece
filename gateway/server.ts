import type { Server } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Gateway } from './app.ts';
import type { GatewayConfig } from './config/load.ts';
import type { OperationsSettings } from './config/operations.ts';
import { GatewayError } from './errors.ts';
import { Dependencies } from './observability/dependencies.ts';
import type { DrainReason, Lifecycle } from './observability/lifecycle.ts';
import { defaultRequestTimeoutSeconds, timeoutsOf } from './router/timeouts.ts';
import { healthRoutes } from './routes/health.ts';
import { closeUnusedConnectionsOnClose } from './unused-connections.ts';

export interface ListenOptions {
  readonly host: string;
  readonly port: number;
  readonly operations: OperationsSettings;
  /** Longest wait for in-flight requests once the accept delay is over (read when the drain starts). */
  readonly drainTimeoutMs: () => number;
  /** For tests; default process.exit. */
  readonly exit?: (code: number) => void;
}

export interface RunningServer {
  /** Resolves with the exit code once the drain is over. */
  readonly drained: Promise<number>;
  readonly healthApp: FastifyInstance | undefined;
}

const pollMs = 50;
const boundMarginMs = 10_000;

/**
 * Listens (and, with SEPARATE_HEALTH_APP, serves the probes on their own port so they never queue behind
 * API traffic), then drains in stages on SIGTERM/SIGINT or the restart-after-N rule: readiness fails at once;
 * requests are still accepted for the shutdown delay while endpoints are removed; then the listener closes,
 * in-flight requests and streams run to completion, onClose hooks flush, and the process exits 0. A second
 * signal, or the drain bound passing, forces exit 1.
 */
export async function serve(gateway: Gateway, options: ListenOptions): Promise<RunningServer> {
  const { app, lifecycle } = gateway;
  const { operations } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  applyServerLimits(app.server, operations);

  let healthApp: FastifyInstance | undefined;
  if (operations.separateHealthApp) {
    healthApp = Fastify({ loggerInstance: app.log, disableRequestLogging: true });
    closeUnusedConnectionsOnClose(healthApp);
    healthRoutes(healthApp, gateway.health);
    await healthApp.listen({ host: options.host, port: operations.separateHealthPort });
  }
  await app.listen({ host: options.host, port: options.port });

  let finish: (code: number) => void = () => undefined;
  const drained = new Promise<number>((resolve) => {
    let finished = false;
    finish = (code) => {
      if (finished) return;
      finished = true;
      resolve(code);
      exit(code);
    };
  });

  const drain = async (reason: DrainReason) => {
    const boundMs = operations.shutdownDelayMs + options.drainTimeoutMs() + boundMarginMs;
    const bound = setTimeout(() => {
      app.log.error(
        { in_flight: lifecycle.inFlight, bound_ms: boundMs },
        'drain took too long; forcing exit',
      );
      app.server.closeAllConnections();
      finish(1);
    }, boundMs);
    app.log.info(
      { reason, in_flight: lifecycle.inFlight, accept_for_ms: operations.shutdownDelayMs },
      'draining: readiness fails now; still accepting while endpoints are removed',
    );
    await sleep(operations.shutdownDelayMs);
    app.log.info(
      { in_flight: lifecycle.inFlight },
      'draining: listener closed; finishing in-flight requests',
    );
    const closed = app.close();
    // Keep-alive sockets that go idle after the listener closed would hold close() for the keep-alive
    // timeout: release each as soon as it has no request in flight.
    const reaper = setInterval(() => {
      app.server.closeIdleConnections();
    }, pollMs);
    try {
      await closed;
      await healthApp?.close();
      clearTimeout(bound);
      app.log.info('drained; exiting');
      finish(0);
    } catch (error) {
      clearTimeout(bound);
      app.log.error({ err: error }, 'shutdown failed');
      finish(1);
    } finally {
      clearInterval(reaper);
    }
  };
  lifecycle.onDrain((reason) => {
    void drain(reason);
  });

  const onSignal = (signal: NodeJS.Signals) => {
    if (lifecycle.phase === 'draining') {
      app.log.warn({ signal, in_flight: lifecycle.inFlight }, 'second signal while draining; exiting now');
      finish(1);
      return;
    }
    lifecycle.drain(signal === 'SIGINT' ? 'SIGINT' : 'SIGTERM');
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return { drained, healthApp };
}

export interface StartingOptions {
  readonly host: string;
  readonly port: number;
  readonly operations: OperationsSettings;
  readonly lifecycle: Lifecycle;
  readonly logger: FastifyBaseLogger;
  /** Resolves with the first valid config. */
  readonly config: Promise<GatewayConfig>;
}

/**
 * With no valid config at start, the pod stays up and unready instead of crash-looping: the probes answer
 * (readiness 503 with the reason) and every other request gets 503, until a valid file appears. Resolves
 * with it, listeners closed, or with undefined when a signal came first.
 */
export async function serveUntilConfigured(options: StartingOptions): Promise<GatewayConfig | undefined> {
  const sources = {
    lifecycle: options.lifecycle,
    dependencies: new Dependencies(),
    configVersion: () => 'none',
    shedUnreadyAfterMs: 0,
  };
  const notConfigured = new GatewayError(
    'no_deployment_available',
    'the gateway has no valid config loaded yet; see its log',
  );
  const apps = [Fastify({ loggerInstance: options.logger, disableRequestLogging: true })];
  if (options.operations.separateHealthApp)
    apps.push(Fastify({ loggerInstance: options.logger, disableRequestLogging: true }));
  for (const app of apps) {
    closeUnusedConnectionsOnClose(app);
    healthRoutes(app, sources);
    app.setNotFoundHandler((_request, reply) =>
      reply.code(503).header('retry-after', '5').send(notConfigured.toBody()),
    );
  }
  const [main, health] = apps;
  await health?.listen({ host: options.host, port: options.operations.separateHealthPort });
  await main?.listen({ host: options.host, port: options.port });
  let onSignal: () => void = () => undefined;
  const signalled = new Promise<undefined>((resolve) => {
    onSignal = () => {
      resolve(undefined);
    };
  });
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    return await Promise.race([options.config, signalled]);
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
    await Promise.all(apps.map((app) => app.close()));
  }
}

/** Socket-level limits: slow or idle clients cannot hold connections forever, and LBs close first. */
function applyServerLimits(server: Server, operations: OperationsSettings): void {
  server.headersTimeout = operations.headersTimeoutMs;
  // Node's requestTimeout covers receiving the request only; answers and streams are not cut by it.
  server.requestTimeout = Math.max(operations.bodyTimeoutMs, operations.headersTimeoutMs);
  server.keepAliveTimeout = operations.keepAliveTimeoutMs;
  if (operations.maxConnections > 0) server.maxConnections = operations.maxConnections;
}

/** The longest request timeout a deployment of this config allows: what a drain waits for at most. */
export function longestRequestMs(config: GatewayConfig): number {
  const { routerSettings, litellmSettings } = config;
  const timeouts = config.deployments.map(
    (deployment) => timeoutsOf(deployment, routerSettings, litellmSettings).requestMs,
  );
  return Math.max(...timeouts, 0) || defaultRequestTimeoutSeconds * 1000;
}
