import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Authenticator } from '../auth/authenticator.ts';
import { GatewayError } from '../errors.ts';
import type { Operation, RequestBody } from '../providers/types.ts';
import type { RouteResult, Router } from '../router/router.ts';
import { ClientAbortError } from '../upstream/errors.ts';
import { authenticate } from './authenticate.ts';
import {
  chatRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  gatewayFieldNames,
} from './request-schemas.ts';
import { guardStream } from './stream.ts';

export interface OpenAIRouteOptions {
  readonly router: () => Router;
  readonly authenticator: () => Authenticator;
}

const endpoints: readonly {
  path: string;
  operation: Operation;
  schema: z.ZodType<RequestBody & { model: string; fallbacks?: string[] | undefined }>;
}[] = [
  { path: '/chat/completions', operation: 'chat', schema: chatRequestSchema },
  { path: '/completions', operation: 'completion', schema: completionRequestSchema },
  { path: '/embeddings', operation: 'embedding', schema: embeddingRequestSchema },
];

/** OpenAI's inference endpoints, under `/v1` and at the root as LiteLLM serves them. */
export function openAIRoutes(app: FastifyInstance, options: OpenAIRouteOptions): void {
  for (const { path, operation, schema } of endpoints) {
    const handler = async (request: FastifyRequest, reply: FastifyReply) => {
      await authenticate(request, options.authenticator());
      const body = validate(schema, request.body);
      return forward(operation, body, request, reply, options.router());
    };
    app.post(path, handler);
    app.post(`/v1${path}`, handler);
  }
}

async function forward(
  operation: Operation,
  body: RequestBody & { model: string; fallbacks?: string[] | undefined },
  request: FastifyRequest,
  reply: FastifyReply,
  router: Router,
): Promise<FastifyReply> {
  const routed = await routeFor(operation, body, request, reply, router);
  if (routed.result.kind === 'json') {
    const { raw, body: answer } = routed.result;
    return raw === undefined ? reply.send(answer) : reply.type('application/json; charset=utf-8').send(raw);
  }
  return sendSse(reply, guardStream(routed.result.frames, request.log));
}

/** Routes a validated request; the upstream call is aborted when the client goes away. */
export async function routeFor(
  operation: Operation,
  body: RequestBody & { model: string; fallbacks?: string[] | undefined },
  request: FastifyRequest,
  reply: FastifyReply,
  router: Router,
): Promise<RouteResult> {
  if (!router.hasGroup(body.model)) throw unknownModel(body.model, router.modelGroups());
  const abort = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) abort.abort(new ClientAbortError());
  });
  const routed = await router.route({
    operation,
    modelGroup: body.model,
    body: withoutGatewayFields(body),
    signal: abort.signal,
    requestId: request.id,
    ...(body.fallbacks === undefined ? {} : { fallbacks: body.fallbacks }),
    estimatedTokens: Math.ceil(Number(request.headers['content-length'] ?? 0) / 4),
  });
  request.routed = { model: body.model, deployment: routed.deployment.id, attempts: routed.attempts };
  return routed;
}

export function sendSse(reply: FastifyReply, frames: AsyncIterable<Uint8Array | string>): FastifyReply {
  return reply
    .header('content-type', 'text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache')
    .header('x-accel-buffering', 'no')
    .send(Readable.from(frames));
}

export function validate<T>(schema: z.ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const param = issue?.path.join('.') ?? null;
  const message =
    issue === undefined ? 'invalid request body' : `${param === '' ? 'body' : param}: ${issue.message}`;
  throw new GatewayError('invalid_request', message, { param: param === '' ? null : param });
}

function withoutGatewayFields(body: RequestBody): RequestBody {
  if (!Object.keys(body).some((name) => gatewayFieldNames.has(name))) return body;
  return Object.fromEntries(Object.entries(body).filter(([name]) => !gatewayFieldNames.has(name)));
}

function unknownModel(model: string, groups: readonly string[]): GatewayError {
  const shown = groups.slice(0, 20).join(', ');
  const more = groups.length > 20 ? `, and ${groups.length - 20} more` : '';
  return new GatewayError(
    'model_not_found',
    `model "${model}" is not served here; available models: ${shown}${more}`,
    {
      param: 'model',
    },
  );
}
