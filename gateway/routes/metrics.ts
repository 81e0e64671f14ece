import type { FastifyInstance } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import type { GatewayMetrics } from '../observability/metrics.ts';
import { authenticate } from './authenticate.ts';

export interface MetricsRouteOptions {
  readonly metrics: GatewayMetrics;
  readonly authenticator: () => Authenticator;
  /** LiteLLM's `litellm_settings.require_auth_for_metrics_endpoint`; read per scrape, it can be reloaded. */
  readonly requireAuth: () => boolean;
}

/** `GET /metrics` in Prometheus text format on the API port; unauthenticated unless the config asks. */
export function metricsRoute(app: FastifyInstance, options: MetricsRouteOptions): void {
  app.get('/metrics', async (request, reply) => {
    if (options.requireAuth()) await authenticate(request, options.authenticator());
    const text = await options.metrics.text();
    return reply.type(options.metrics.registry.contentType).send(text);
  });
}
