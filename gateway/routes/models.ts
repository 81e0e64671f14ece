import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import type { Router } from '../router/router.ts';
import { authenticate } from './authenticate.ts';

/** `GET /v1/models`: the model groups clients may ask for, in OpenAI's list shape. */
export function modelRoutes(
  app: FastifyInstance,
  options: { router: () => Router; authenticator: () => Authenticator },
): void {
  const handler = async (request: FastifyRequest) => {
    await authenticate(request, options.authenticator());
    const data = options
      .router()
      .modelGroups()
      .map((id) => ({ id, object: 'model', created: 0, owned_by: 'switchyard' }));
    return { object: 'list', data };
  };
  app.get('/models', handler);
  app.get('/v1/models', handler);
}
