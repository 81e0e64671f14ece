import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors.ts';

/** Deeper than any real request (JSON schemas of tools included); deeper bodies overflow the stack downstream. */
export const maxBodyDepth = 100;

/**
 * The JSON body parser: fastify's own (prototype-poisoning checks included), then a bound on nesting, so a
 * hostile body is a 400 here instead of a stack overflow while it is forwarded (which would read as the
 * upstream failing and cool the deployment down for everyone).
 */
export function installJsonParser(app: FastifyInstance): void {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    void parse(request, body as string, (error, value) => {
      if (error !== null) {
        done(error, undefined);
      } else if (nestedDeeperThan(value, maxBodyDepth)) {
        done(new GatewayError('invalid_request', `request body nests deeper than ${maxBodyDepth} levels`));
      } else {
        done(null, value);
      }
    });
  });
}

/**
 * Whether objects and arrays in `value` nest more than `max` levels. The recursion stops at `max`, so any depth
 * is safe to ask; it walks in place (no arrays of children), since it runs on every request body.
 */
export function nestedDeeperThan(value: unknown, max: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (max <= 0) return true;
  if (Array.isArray(value)) {
    for (const child of value as unknown[]) if (nestedDeeperThan(child, max - 1)) return true;
    return false;
  }
  for (const key in value) {
    if (nestedDeeperThan((value as Record<string, unknown>)[key], max - 1)) return true;
  }
  return false;
}

/** A URL fastify cannot route (bad percent-encoding): answered in OpenAI's shape like every other error. */
export function frameworkErrors(_error: Error, _request: FastifyRequest, reply: FastifyReply): void {
  const error = new GatewayError('invalid_request', 'the request URL is malformed');
  void reply.code(error.status).send(error.toBody());
}

const statusLines: Readonly<Record<number, string>> = {
  400: '400 Bad Request',
  408: '408 Request Timeout',
  413: '413 Payload Too Large',
  431: '431 Request Header Fields Too Large',
};

/**
 * Malformed HTTP (a bad request line, conflicting lengths, a bad chunk, headers over the limit) never reaches
 * fastify: Node's parser fails on the socket. The answer is written raw, with an OpenAI-shaped body, then the
 * connection is closed, since what follows on it cannot be trusted.
 */
export function clientErrorHandler(error: Error & { code?: string }, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const status =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? 431
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? 408
        : error.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? 413
          : 400;
  const message =
    status === 431
      ? 'request headers are larger than the gateway accepts'
      : status === 408
        ? 'the request was not received in time'
        : 'the request is not valid HTTP';
  const body = JSON.stringify(new GatewayError('invalid_request', message, { status }).toBody());
  if (socket.writable)
    socket.write(
      `HTTP/1.1 ${statusLines[status] ?? '400 Bad Request'}\r\nConnection: close\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  socket.destroy();
}
