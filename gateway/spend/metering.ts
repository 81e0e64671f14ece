import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from '../auth/authenticator.ts';
import { admitKey } from '../auth/key-admission.ts';
import type { KeyLease, KeyRateLimiter } from '../auth/key-limits.ts';
import { GatewayError } from '../errors.ts';
import { flatUuid } from '../flat-uuid.ts';
import { usageOf } from '../providers/json-result.ts';
import type { Deployment, Operation, RequestBody } from '../providers/types.ts';
import type { RouteResult, Router } from '../router/router.ts';
import { ClientAbortError } from '../upstream/errors.ts';
import type { Accounting, Meter } from './accounting.ts';
import { costOf, priceOf } from './prices.ts';
import type { SpendRecord } from './spend-record.ts';
import { StreamUsageTap } from './stream-usage.ts';
import { usageFrom, type Usage } from './usage.ts';

/** Where settled requests go: the spend buffer. */
export interface SpendSink {
  add(record: SpendRecord): void;
}

export interface MeteringOptions {
  readonly buffer: SpendSink;
  readonly limiter: KeyRateLimiter;
  readonly router: () => Router;
  readonly now: () => number;
  /** false (`disable_spend_logs`): a request without a virtual key has no spend to count, so no record. */
  readonly recordsUnkeyed: boolean;
}

const noLease: KeyLease = { release: () => undefined };

/** Checks virtual keys against the model, budget and limits, and puts every routed request in the spend buffer. */
export function createMetering(options: MeteringOptions): Accounting {
  return {
    begin(request, reply, operation, modelGroup, body) {
      const now = options.now();
      const principal = request.principal;
      const lease =
        principal?.kind === 'virtual'
          ? admitKey(
              principal.policy,
              modelGroup,
              options.router().deploymentsOf(modelGroup),
              options.limiter,
              new Date(now),
              typeof body.model === 'string' && body.model !== modelGroup ? body.model : undefined,
            )
          : noLease;
      if (lease.headers !== undefined) void reply.headers(lease.headers);
      return new RequestMeter(request, reply, principal, operation, modelGroup, body, lease, options, now);
    },
  };
}

class RequestMeter implements Meter {
  readonly body: RequestBody;
  readonly #request: FastifyRequest;
  readonly #reply: FastifyReply;
  readonly #principal: Principal | null;
  readonly #modelGroup: string;
  readonly #lease: KeyLease;
  readonly #options: MeteringOptions;
  readonly #started: number;
  readonly #hideUsageChunk: boolean;
  #settled = false;

  constructor(
    request: FastifyRequest,
    reply: FastifyReply,
    principal: Principal | null,
    operation: Operation,
    modelGroup: string,
    body: RequestBody,
    lease: KeyLease,
    options: MeteringOptions,
    now: number,
  ) {
    this.#request = request;
    this.#reply = reply;
    this.#principal = principal;
    this.#modelGroup = modelGroup;
    this.#lease = lease;
    this.#options = options;
    this.#started = now;
    const streaming = body.stream === true && operation !== 'embedding';
    const asked = (body.stream_options as { include_usage?: unknown } | undefined)?.include_usage === true;
    this.#hideUsageChunk = streaming && !asked;
    this.body = this.#hideUsageChunk
      ? { ...body, stream_options: { ...(body.stream_options as object | undefined), include_usage: true } }
      : body;
  }

  succeeded(routed: RouteResult): RouteResult {
    const { result, deployment } = routed;
    if (result.kind === 'json') {
      this.#settle(deployment, 200, usageFrom(usageOf(result)) ?? this.#estimated());
      return routed;
    }
    const tap = new StreamUsageTap(this.#hideUsageChunk);
    const frames = result.frames;
    const settle = (status: number) => {
      this.#settle(deployment, status, tap.usage(this.#promptEstimate()));
    };
    // A stream the client left before it was read never runs its `finally` (and one being read runs it only
    // once the upstream notices the abort): the response's close settles it, with what the client was sent,
    // before the shared limits settle from the same numbers.
    const response = this.#reply.raw;
    const left = () => {
      settle(response.writableFinished ? 200 : 499);
    };
    if (response.destroyed) left();
    else response.once('close', left);
    return {
      ...routed,
      result: {
        kind: 'stream',
        frames: (async function* () {
          let status = 499;
          try {
            for await (const frame of frames) {
              const passed = tap.pass(frame);
              if (passed !== undefined) yield passed;
            }
            const rest = tap.end();
            if (rest !== undefined) yield rest;
            status = 200;
          } finally {
            settle(status);
          }
        })(),
      },
    };
  }

  failed(error: unknown): void {
    const status =
      error instanceof ClientAbortError ? 499 : error instanceof GatewayError ? error.status : 500;
    this.#settle(undefined, status, { promptTokens: 0, completionTokens: 0, counted: true });
  }

  #promptEstimate(): number {
    return Math.ceil(Number(this.#request.headers['content-length'] ?? 0) / 4);
  }

  #estimated(): Usage {
    return { promptTokens: this.#promptEstimate(), completionTokens: 0, counted: true };
  }

  #settle(deployment: Deployment | undefined, status: number, usage: Usage): void {
    if (this.#settled) return;
    this.#settled = true;
    const now = this.#options.now();
    // A response-cache hit (gateway/cache) was answered without the upstream: it cost nothing.
    const cacheHit = this.#request.cacheHit;
    const cost =
      cacheHit || deployment === undefined
        ? 0
        : costOf(priceOf(deployment), usage.promptTokens, usage.completionTokens);
    this.#lease.release(usage.promptTokens + usage.completionTokens);
    const principal = this.#principal;
    const policy = principal?.kind === 'virtual' ? principal.policy : undefined;
    const at = new Date(now);
    policy?.record(cost, at);
    const routed = this.#request.routed;
    if (routed !== null) {
      routed.cost = cost;
      routed.promptTokens = usage.promptTokens;
      routed.completionTokens = usage.completionTokens;
    }
    if (policy === undefined && !this.#options.recordsUnkeyed) return;
    this.#options.buffer.add({
      id: flatUuid(),
      requestId: this.#request.id,
      keyHash: policy?.key.hash ?? null,
      keySource: policy === undefined ? null : policy.key.source.kind,
      budgetDuration: policy?.key.budgetDuration ?? null,
      keyAlias: policy?.key.alias ?? null,
      modelGroup: this.#modelGroup,
      deployment: deployment?.id ?? null,
      provider: deployment?.provider ?? null,
      promptTokens: usage.promptTokens,
      completionTokens: usage.completionTokens,
      cost,
      latencyMs: now - this.#started,
      status,
      cacheHit,
      createdAt: at,
    });
  }
}
