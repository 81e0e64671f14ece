import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Authenticator } from '../auth/authenticator.ts';
import { GatewayError } from '../errors.ts';
import {
  anthropicErrorOf,
  anthropicToChatRequest,
  chatChunksToAnthropicEvents,
  chatCompletionToAnthropic,
} from '../providers/anthropic/messages-api.ts';
import type { Router } from '../router/router.ts';
import { ClientAbortError } from '../upstream/errors.ts';
import { authenticate } from './authenticate.ts';
import { fromFastifyError } from './error-handler.ts';
import { routeFor, sendSse } from './openai.ts';
import { guardStream } from './stream.ts';

export interface MessagesRouteOptions {
  readonly router: () => Router;
  readonly authenticator: () => Authenticator;
}

/**
 * Anthropic's Messages API (`POST /v1/messages`) in front of any provider: the request is translated to an
 * OpenAI chat request, routed like any other, and the answer translated back. Errors get Anthropic's shape,
 * so `@anthropic-ai/sdk` clients raise their own error classes.
 */
export function messagesRoutes(app: FastifyInstance, options: MessagesRouteOptions): void {
  void app.register((scope, _opts, done) => {
    scope.setErrorHandler((error: FastifyError, request, reply) => {
      if (error instanceof ClientAbortError) return reply.code(499).send();
      const known = error instanceof GatewayError ? error : fromFastifyError(error);
      if (known === undefined) request.log.error({ err: error }, 'unexpected error');
      const { status, headers, body } = anthropicErrorOf(
        known ??
          new GatewayError('internal_error', 'internal error; see the gateway log for this request id'),
      );
      return reply.code(status).headers(headers).send(body);
    });
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      await authenticate(request, options.authenticator());
      const chat = anthropicToChatRequest(request.body);
      const model = String(chat.model);
      const routed = await routeFor('chat', { ...chat, model }, request, reply, options.router());
      if (routed.result.kind === 'json') return reply.send(chatCompletionToAnthropic(routed.result.body));
      return sendSse(
        reply,
        chatChunksToAnthropicEvents(guardStream(routed.result.frames, request.log), { model }),
      );
    };
    scope.post('/v1/messages', handler);
    scope.post('/messages', handler);
    done();
  });
}
