import type { FastifyRequest } from 'fastify';
import { tokenOf, type Authenticator } from '../auth/authenticator.ts';

/** Runs the authenticator on a request and keeps who called for the log and, later, limits and spend. */
export async function authenticate(request: FastifyRequest, authenticator: Authenticator): Promise<void> {
  const principal = authenticator.authenticate(tokenOf(request.headers));
  request.principal = principal instanceof Promise ? await principal : principal;
}
