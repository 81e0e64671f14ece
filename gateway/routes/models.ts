import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import { modelAllowed } from '../auth/model-access.ts';
import type { Router } from '../router/router.ts';
import { authenticate } from './authenticate.ts';

/** `GET /v1/models`: the model groups (and listed aliases) this caller may ask for, in OpenAI's list shape. */
export function modelRoutes(
  app: FastifyInstance,
  options: { router: () => Router; authenticator: () => Authenticator },
): void {
  const handler = async (request: FastifyRequest) => {
    await authenticate(request, options.authenticator());
    const router = options.router();
    const principal = request.principal;
    const allowed = principal?.kind === 'virtual' ? principal.policy.key.models : [];
    const groups = router
      .modelGroups()
      .filter((group) => modelAllowed(allowed, group, router.deploymentsOf(group)));
    const aliases = router
      .listedAliases()
      .filter(({ alias, group }) => modelAllowed(allowed, group, router.deploymentsOf(group), alias))
      .map(({ alias }) => alias);
    const data = [...groups, ...aliases].map((id) => ({
      id,
      object: 'model',
      created: 0,
      owned_by: 'switchyard',
    }));
    return { object: 'list', data };
  };
  app.get('/models', handler);
  app.get('/v1/models', handler);
}
