import type { ServerResponse } from 'node:http';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  onRequestHookHandler,
} from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import { GatewayError } from '../errors.ts';
import { contentOf } from './content-log.ts';
import { accessLoggerOf } from './logger.ts';
import type { Lifecycle } from './lifecycle.ts';
import type { GatewayMetrics } from './metrics.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The model group asked for, once known to be served here: a safe metric label even when routing fails. */
    modelGroup: string | null;
  }
}

export interface ObserverOptions {
  readonly lifecycle: Lifecycle;
  readonly metrics: GatewayMetrics;
  /** 0: no cap. */
  readonly maxInFlight: number;
  /** 0: never. */
  readonly maxRequestsBeforeRestart: number;
  /**
   * Prompts and completions in the request log: undefined unless switched on; then read per request, since
   * a reloaded config can turn it off (`turn_off_message_logging`).
   */
  readonly logContent: (() => boolean) | undefined;
}

const kReply = Symbol('switchyard.reply');
const kContent = Symbol('switchyard.content');
type ObservedResponse = ServerResponse & { [kReply]?: FastifyReply; [kContent]?: unknown };

const probePaths = /^\/(health|metrics)(\/|\?|$)/;

/** Health and metrics are not API traffic: never shed, counted or capped. */
export function isApiRoute(url: string): boolean {
  return !probePaths.test(url);
}

/**
 * Admission, accounting and the request log of API routes: refuses at once beyond the in-flight cap (or
 * without a valid config), counts requests for the restart-after-N rule, and when the response closes
 * (finished or cut) records the metrics and writes the one log line. Hooks attach to API routes only, at
 * registration, so probes pay nothing and nothing branches on the path per request.
 */
export function installRequestObserver(app: FastifyInstance, options: ObserverOptions): void {
  const { lifecycle, metrics, maxInFlight, maxRequestsBeforeRestart } = options;
  const restartAt =
    maxRequestsBeforeRestart > 0
      ? maxRequestsBeforeRestart + Math.floor(Math.random() * maxRequestsBeforeRestart * 0.1)
      : 0;
  const overloaded = new GatewayError(
    'rate_limited',
    `this gateway instance is at its limit of ${maxInFlight} requests in flight; retry shortly`,
  );
  app.decorateRequest('modelGroup', null);

  const access = accessLoggerOf(app.log);
  const onClosed = function (this: ObservedResponse) {
    lifecycle.inFlight--;
    const reply = this[kReply];
    if (reply === undefined) return;
    const { request } = reply;
    const aborted = !this.writableFinished;
    const status = aborted ? 499 : this.statusCode;
    const elapsedMs = reply.elapsedTime;
    const routed = request.routed;
    const keyAlias = keyAliasOf(request.principal);
    const modelGroup = request.modelGroup ?? '';
    metrics.recordRequest(status, elapsedMs, modelGroup, routed, keyAlias);
    const line: Record<string, unknown> = {
      reqId: request.id,
      method: request.method,
      path: pathOf(request.url),
      status,
      ms: Math.round(elapsedMs * 10) / 10,
      key_alias: keyAlias,
      model_group: modelGroup,
    };
    if (routed !== null) {
      line.deployment = routed.deployment;
      if (routed.group !== undefined && routed.group !== modelGroup) line.served_by_group = routed.group;
      line.attempts = routed.attempts;
      line.prompt_tokens = routed.promptTokens;
      line.completion_tokens = routed.completionTokens;
      line.cost = routed.cost;
    }
    if (aborted) line.aborted = true;
    if (kContent in this) line.content = this[kContent];
    access.info(line, 'request');
  };

  const admit: onRequestHookHandler = (request, reply, done) => {
    if (lifecycle.phase === 'starting') {
      metrics.recordShed('no_config');
      refuse(reply, noConfig, '5');
      return;
    }
    if (maxInFlight > 0 && lifecycle.inFlight >= maxInFlight) {
      lifecycle.recordShed();
      metrics.recordShed('in_flight_cap');
      refuse(reply, overloaded, '1');
      return;
    }
    lifecycle.inFlight++;
    if (++lifecycle.admitted === restartAt) lifecycle.drain('max_requests_before_restart');
    // While draining, clients are told to reconnect, so keep-alive sockets move to other pods.
    if (lifecycle.phase === 'draining') reply.header('connection', 'close');
    const raw = reply.raw as ObservedResponse;
    raw[kReply] = reply;
    raw.on('close', onClosed); // a response closes once: no once() wrapper
    done();
  };

  const { logContent } = options;
  const captureContent = (
    request: FastifyRequest,
    reply: FastifyReply,
    payload: unknown,
    done: HookHandlerDoneFunction,
  ) => {
    if (logContent?.() === true) (reply.raw as ObservedResponse)[kContent] = contentOf(request.body, payload);
    done();
  };

  app.addHook('onRoute', (route) => {
    if (!isApiRoute(route.url)) return;
    route.onRequest = [admit, ...asArray(route.onRequest)];
    if (logContent !== undefined) route.onSend = [captureContent, ...asArray(route.onSend)];
  });

  // Probes and unknown routes still get a line; probes at debug, since kubelet calls them every few seconds.
  app.addHook('onResponse', (request, reply, done) => {
    if ((reply.raw as ObservedResponse)[kReply] === undefined) {
      const line = {
        method: request.method,
        path: pathOf(request.url),
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 10) / 10,
      };
      if (isApiRoute(request.url)) request.log.info(line, 'request');
      else request.log.debug(line, 'request');
    }
    done();
  });
}

const noConfig = new GatewayError(
  'no_deployment_available',
  'the gateway has no valid config loaded yet; see its log',
);

function refuse(reply: FastifyReply, error: GatewayError, retryAfterSeconds: string): void {
  void reply.code(error.status).header('retry-after', retryAfterSeconds).send(error.toBody());
}

/** The alias of a virtual key (principals that carry `keyAlias`), else the principal's kind. */
export function keyAliasOf(principal: Principal | null): string {
  if (principal === null) return '';
  if ('keyAlias' in principal && typeof principal.keyAlias === 'string') return principal.keyAlias;
  return principal.kind;
}

/** Query strings can carry keys (`?api_key=`): never logged. */
function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function asArray<T>(value: T | T[] | undefined): T[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}
