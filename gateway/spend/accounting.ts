import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Operation, RequestBody } from '../providers/types.ts';
import type { RouteResult } from '../router/router.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Key policy checks and spend capture around each routed request (routes/openai.ts `routeFor`). */
    accounting: Accounting;
  }
}

/** One request's passage through policy and spend: open it once the model is known, then settle it. */
export interface Meter {
  /** The body to send upstream (a stream asks for usage so its spend can be counted). */
  readonly body: RequestBody;
  /** Returns the result to send; a stream is settled when it ends or the client leaves, whichever is first. */
  succeeded(routed: RouteResult): RouteResult;
  failed(error: unknown): void;
}

export interface Accounting {
  /** Checks the caller's key for this model (throws the refusal) and starts measuring. */
  begin(
    request: FastifyRequest,
    reply: FastifyReply,
    operation: Operation,
    modelGroup: string,
    body: RequestBody,
  ): Meter;
}

/** Without a database: nothing to check beyond the master key, nothing to record. */
export const noAccounting: Accounting = {
  begin: (_request, _reply, _operation, _group, body) => ({
    body,
    succeeded: (routed) => routed,
    failed: () => undefined,
  }),
};
