import type { FastifyError, FastifyInstance } from 'fastify';
import { GatewayError } from '../errors.ts';
import { ClientAbortError } from '../upstream/errors.ts';
import { drainRefusedBody } from './refused-body.ts';

/** fastify's own errors, mapped to the gateway's table so every error body has OpenAI's shape. */
export function fromFastifyError(error: FastifyError): GatewayError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError(
        'body_too_large',
        'request body is larger than the gateway accepts (general_settings.max_request_size_mb)',
      );
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('unsupported_media_type', 'send the body as application/json');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new GatewayError('malformed_json', 'request body is empty; send a JSON object');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError('malformed_json', 'request body is not valid JSON');
    default:
      if (error instanceof SyntaxError)
        return new GatewayError('malformed_json', `request body is not valid JSON: ${error.message}`);
      return undefined;
  }
}

/**
 * PostgreSQL refuses a NUL character in text (SQLSTATE 22021) and in JSON it would store as text (22P05). Only
 * a client's input carries one (`?model=%00`, a key alias, metadata): its request is refused, not the gateway.
 */
const nulRefusals = new Set(['22021', '22P05']);

export function fromDatabaseError(error: { code?: unknown }): GatewayError | undefined {
  if (typeof error.code !== 'string' || !nulRefusals.has(error.code)) return undefined;
  return new GatewayError(
    'invalid_request',
    'a text value holds a NUL character (\\u0000), which cannot be stored',
  );
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ClientAbortError) return reply.code(499).send();
    const known =
      error instanceof GatewayError ? error : (fromFastifyError(error) ?? fromDatabaseError(error));
    if (known === undefined) {
      request.log.error({ err: error }, 'unexpected error');
      const internal = new GatewayError(
        'internal_error',
        'internal error; see the gateway log for this request id',
      );
      return reply.code(internal.status).send(internal.toBody());
    }
    if (known.status >= 500) request.log.warn({ code: known.code, status: known.status }, known.message);
    const answer = () => reply.code(known.status).headers(known.headers).send(known.toBody());
    return error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? drainRefusedBody(request).then(answer) : answer();
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError(
      'route_not_found',
      `no route for ${request.method} ${request.url.split('?')[0] ?? ''}`,
    );
    return reply.code(error.status).send(error.toBody());
  });
}
