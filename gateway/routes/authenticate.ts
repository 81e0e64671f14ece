import type { FastifyRequest } from 'fastify';
import { tokenOf, type Authenticator } from '../auth/authenticator.ts';

/**
 * Runs the authenticator on a request and keeps who called for the log and, later, limits and spend. Returns
 * a promise only when the authenticator has to look the key up; a known key is settled at once, with no
 * promise and no microtask on the request's path.
 */
export function authenticate(
  request: FastifyRequest,
  authenticator: Authenticator,
): Promise<void> | undefined {
  const principal = authenticator.authenticate(tokenOf(request.headers));
  if (!(principal instanceof Promise)) {
    request.principal = principal;
    return undefined;
  }
  return principal.then((found) => {
    request.principal = found;
  });
}
