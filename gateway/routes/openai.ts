import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import type { Authenticator } from '../auth/authenticator.ts';
import { GatewayError } from '../errors.ts';
import { tokensOf } from '../observability/tokens.ts';
import { usageOf } from '../providers/json-result.ts';
import type { Operation, RequestBody } from '../providers/types.ts';
import { ClientLink } from '../router/client-link.ts';
import type { RouteResult, Router } from '../router/router.ts';
import { authenticate } from './authenticate.ts';
import {
  chatRequestSchema,
  completionRequestSchema,
  embeddingRequestSchema,
  gatewayFieldNames,
  isValidChatRequest,
} from './request-schemas.ts';
import { guardStream } from './stream.ts';

export interface OpenAIRouteOptions {
  readonly router: () => Router;
  readonly authenticator: () => Authenticator;
}

type ValidBody = RequestBody & { model: string; fallbacks?: string[] | undefined };

const endpoints: readonly {
  path: string;
  operation: Operation;
  schema: z.ZodType<ValidBody>;
  /** The schema's rules checked in place, where a body is used as it came. */
  isValid?: (body: unknown) => boolean;
}[] = [
  { path: '/chat/completions', operation: 'chat', schema: chatRequestSchema, isValid: isValidChatRequest },
  { path: '/completions', operation: 'completion', schema: completionRequestSchema },
  { path: '/embeddings', operation: 'embedding', schema: embeddingRequestSchema },
];

/** OpenAI's inference endpoints, under `/v1` and at the root as LiteLLM serves them. */
export function openAIRoutes(app: FastifyInstance, options: OpenAIRouteOptions): void {
  for (const { path, operation, schema, isValid } of endpoints) {
    const respond = (request: FastifyRequest, reply: FastifyReply) => {
      const body =
        isValid?.(request.body) === true ? (request.body as ValidBody) : validate(schema, request.body);
      return forward(operation, body, request, reply, options.router());
    };
    // Not async: a known key costs no promise before the request is forwarded (fastify sends what it throws).
    const handler = (request: FastifyRequest, reply: FastifyReply) => {
      const looking = authenticate(request, options.authenticator());
      return looking === undefined ? respond(request, reply) : looking.then(() => respond(request, reply));
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
    const { result } = routed;
    // `body` is not read unless there is no text: reading it parses an answer passed on as it came.
    return result.raw === undefined
      ? reply.send(result.body)
      : reply.type('application/json; charset=utf-8').send(result.raw);
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
  const group = router.resolveGroup(body.model);
  if (group === undefined) {
    const names = [...router.modelGroups(), ...router.listedAliases().map(({ alias }) => alias)];
    throw unknownModel(body.model, names);
  }
  request.modelGroup = group;
  // Key policy (model, budget, limits) is checked here, once the model is known; spend is captured on settle.
  const meter = request.server.accounting.begin(request, reply, operation, group, withoutGatewayFields(body));
  // Response cache (litellm_settings.cache): a hit is answered here, after the key checks, at no cost.
  const lookup = request.server.responseCache?.lookup(request, reply, operation, group, body);
  if (lookup !== undefined) {
    const cached = await lookup.read();
    if (cached !== undefined) return lookup.replay(cached, meter, router, group);
  }
  const client = new ClientLink();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) client.disconnect();
  });
  const routeStartMs = reply.elapsedTime;
  const estimatedTokens = Math.ceil(Number(request.headers['content-length'] ?? 0) / 4);
  // Shared rate limits (Redis): the key's and the deployment's in one check, once the router has picked it.
  const admission = request.server.sharedLimits?.begin(request, reply, estimatedTokens);
  let routed: RouteResult;
  try {
    routed = await router.route({
      operation,
      modelGroup: group,
      body: meter.body,
      client,
      requestId: request.id,
      ...(body.fallbacks === undefined ? {} : { fallbacks: body.fallbacks }),
      estimatedTokens,
      admission,
    });
  } catch (error) {
    admission?.settle(0);
    meter.failed(error);
    throw error;
  }
  const routedAtMs = reply.elapsedTime;
  request.routed = {
    model: group,
    deployment: routed.deployment.id,
    attempts: routed.attempts,
    group: routed.deployment.modelName,
    upstreamMs: routedAtMs - routeStartMs,
    ...(routed.result.kind === 'stream' ? { firstChunkMs: routedAtMs } : tokensOf(usageOf(routed.result))),
  };
  const metered = meter.succeeded(routed);
  const settled = admission === undefined ? metered : admission.settleWhenDone(metered, request);
  return lookup === undefined ? settled : lookup.store(settled);
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

/** `cache` (LiteLLM's per-request cache control) steers gateway/cache and never reaches a provider either. */
const isGatewayField = (name: string) => gatewayFieldNames.has(name) || name === 'cache';

function withoutGatewayFields(body: RequestBody): RequestBody {
  if (!Object.keys(body).some(isGatewayField)) return body;
  return Object.fromEntries(Object.entries(body).filter(([name]) => !isGatewayField(name)));
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
