import type { FastifyInstance } from 'fastify';
import { gatewayVersion } from '../version.ts';

/** Liveness and readiness probes (LiteLLM's paths and bodies). The production-operations issue extends these. */
export function healthRoutes(app: FastifyInstance, options: { configVersion: () => string }): void {
  const alive = () => "I'm alive!";
  app.get('/health/liveliness', alive);
  app.get('/health/liveness', alive);
  app.get('/health/readiness', () => ({
    status: 'healthy',
    config_version: options.configVersion(),
    gateway_version: gatewayVersion,
  }));
}
