import { randomUUID } from 'node:crypto';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { masterKeyAuthenticator, type Authenticator, type Principal } from './auth/authenticator.ts';
import type { GatewayConfig } from './config/load.ts';
import { Dependencies } from './observability/dependencies.ts';
import { createLogger } from './observability/logger.ts';
import { createProviderRegistry, type ProviderRegistry } from './providers/registry.ts';
import type { Random } from './router/random.ts';
import type { BackoffSettings } from './router/retry-policy.ts';
import { Router } from './router/router.ts';
import { installErrorHandlers } from './routes/error-handler.ts';
import { healthRoutes } from './routes/health.ts';
import { messagesRoutes } from './routes/messages.ts';
import { modelRoutes } from './routes/models.ts';
import { openAIRoutes } from './routes/openai.ts';
import { UpstreamHttp } from './upstream/http.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** Which model group and deployment served the request, for the access log. */
    routed: { model: string; deployment: string; attempts: number } | null;
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
}

export interface Gateway {
  readonly app: FastifyInstance;
  readonly router: () => Router;
  /** Shared services (database, Redis, cache) register their state here for readiness and metrics. */
  readonly dependencies: Dependencies;
}

const defaultBodyLimitMb = 32;
const requestIdPattern = /^[\w.:-]{1,128}$/;

/** Builds the gateway as a fastify app (no socket), so tests can `inject()` and the server only listens. */
export function buildGateway(options: AppOptions): Gateway {
  const { config } = options;
  const logger = options.logger ?? createLogger();
  const registry = options.registry ?? createProviderRegistry();
  const http = options.http ?? new UpstreamHttp();
  const router = new Router(config, {
    http,
    registry,
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
  });
  const dependencies = new Dependencies();
  const authenticator: Authenticator = masterKeyAuthenticator(config.masterKey);

  const app = Fastify<Server, IncomingMessage, ServerResponse>({
    loggerInstance: logger,
    // One access-log line per request, written in onResponse, instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: Math.ceil((config.generalSettings.max_request_size_mb ?? defaultBodyLimitMb) * 1024 * 1024),
    requestIdHeader: false,
    genReqId: (request) => {
      const given = request.headers['x-request-id'];
      return typeof given === 'string' && requestIdPattern.test(given) ? given : randomUUID();
    },
  });
  app.decorateRequest('routed', null);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  app.addHook('onResponse', (request, reply, done) => {
    request.log.info(
      {
        method: request.method,
        url: request.url,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
        ...request.routed,
      },
      'request',
    );
    done();
  });
  if (!options.http) app.addHook('onClose', () => http.close());

  installErrorHandlers(app);
  openAIRoutes(app, { router: () => router, authenticator: () => authenticator });
  messagesRoutes(app, { router: () => router, authenticator: () => authenticator });
  modelRoutes(app, { router: () => router, authenticator: () => authenticator });
  healthRoutes(app, { configVersion: () => config.version });
  return { app, router: () => router, dependencies };
}
