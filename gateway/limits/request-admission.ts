import type { FastifyReply, FastifyRequest } from 'fastify';
import type { VirtualKeyPolicy } from '../auth/virtual-key-policy.ts';
import type { Deployment } from '../providers/types.ts';
import type { DeploymentAdmission } from '../router/admission.ts';
import type { RouteResult } from '../router/router.ts';
import { deploymentCounter, type AdmitResult, type LimitCheck } from './limit-check.ts';
import { keyLimitRefusal, setLimitHeaders } from './refusal.ts';
import type { SharedBudgets } from './shared-budgets.ts';
import type { SharedLimiter } from './shared-limiter.ts';

/** The key's policy, for its budget across pods. */
export interface BudgetContext {
  readonly policy: VirtualKeyPolicy | undefined;
  readonly budgets: SharedBudgets;
}

interface Reservation {
  readonly where: 'redis' | 'local';
  readonly key: string;
  readonly window: number;
  readonly amount: number;
  /** The deployment it was made for; undefined for the key's. */
  readonly deployment: string | undefined;
}

interface Lease {
  readonly where: 'redis' | 'local';
  readonly key: string;
  readonly lease: string;
}

/**
 * One request's passage through the shared limits: admitted before each upstream call (the key's limits with
 * the first, the deployment's with each), settled once when the response ends with the real token count.
 */
export class RequestAdmission implements DeploymentAdmission {
  readonly #limiter: SharedLimiter;
  readonly #keyChecks: readonly LimitCheck[];
  readonly #countDeployments: boolean;
  readonly #estimatedTokens: number;
  readonly #reply: FastifyReply;
  readonly #budget: BudgetContext;
  /** The key's shared spend counter, once admitted: the request's cost is added to it. */
  #spendCounter: string | undefined;
  #keyAdmitted = false;
  #reservations: Reservation[] | undefined;
  #leases: Lease[] | undefined;
  #lastDeployment: string | undefined;
  #settled = false;

  constructor(
    limiter: SharedLimiter,
    keyChecks: readonly LimitCheck[],
    countDeployments: boolean,
    estimatedTokens: number,
    reply: FastifyReply,
    budget: BudgetContext,
  ) {
    this.#budget = budget;
    this.#limiter = limiter;
    this.#keyChecks = keyChecks;
    this.#countDeployments = countDeployments;
    this.#estimatedTokens = estimatedTokens;
    this.#reply = reply;
  }

  admit(deployment: Deployment): boolean | Promise<boolean> {
    const checks = this.#checksFor(deployment);
    if (checks.length === 0) return true;
    const result = this.#limiter.admit(checks);
    return result instanceof Promise
      ? result.then((answer) => this.#admitted(answer, checks, deployment))
      : this.#admitted(result, checks, deployment);
  }

  /** Settles when the answer is complete: at once for JSON, at the end for a stream. */
  settleWhenDone(routed: RouteResult, request: FastifyRequest): RouteResult {
    if (this.#reservations === undefined && this.#leases === undefined && this.#spendCounter === undefined)
      return routed;
    const { result } = routed;
    if (result.kind === 'json') {
      this.settle(tokensOf(request), request.routed?.cost ?? 0);
      return routed;
    }
    const frames = result.frames;
    const settle = () => {
      this.settle(tokensOf(request), request.routed?.cost ?? 0);
    };
    // A stream the client left before it was ever read never runs its `finally`: the response's end settles it
    // (at once if the client left while the upstream was being called).
    if (this.#reply.raw.destroyed) settle();
    else this.#reply.raw.once('close', settle);
    return {
      ...routed,
      result: {
        kind: 'stream',
        frames: (async function* () {
          try {
            yield* frames;
          } finally {
            settle();
          }
        })(),
      },
    };
  }

  /** Replaces the token reservations with `tokens` (undefined: keep the estimate), frees the slots, adds the cost. */
  settle(tokens: number | undefined, cost = 0): void {
    if (this.#settled) return;
    this.#settled = true;
    for (const reservation of this.#reservations ?? []) {
      const answered =
        reservation.deployment === undefined || reservation.deployment === this.#lastDeployment;
      // A failed attempt used no tokens; the one that answered used what the upstream reported.
      const used = answered ? (tokens ?? reservation.amount) : 0;
      this.#limiter.adjust(reservation.where, reservation.key, reservation.window, used - reservation.amount);
    }
    for (const lease of this.#leases ?? []) this.#limiter.release(lease.where, lease.key, lease.lease);
    const policy = this.#budget.policy;
    if (this.#spendCounter !== undefined && policy !== undefined && cost > 0)
      this.#limiter.addSpend(this.#spendCounter, cost, this.#budget.budgets.ttlMsOf(policy, new Date()));
  }

  #checksFor(deployment: Deployment): readonly LimitCheck[] {
    const keyChecks = this.#keyAdmitted ? [] : this.#keyChecks;
    if (!this.#countDeployments) return keyChecks;
    const { rpm, tpm } = deployment.params;
    return [
      ...keyChecks,
      {
        kind: 'r',
        key: deploymentCounter(deployment.id, 'r'),
        limit: rpm ?? 0,
        amount: 1,
        scope: 'deployment',
      },
      {
        kind: 't',
        key: deploymentCounter(deployment.id, 't'),
        limit: tpm ?? 0,
        amount: this.#estimatedTokens,
        scope: 'deployment',
      },
    ];
  }

  #admitted(result: AdmitResult, checks: readonly LimitCheck[], deployment: Deployment): boolean {
    if (!result.ok) {
      const check = checks[result.failed];
      if (check?.scope === 'key') throw keyLimitRefusal(check, result.retryMs, result.usage);
      return false;
    }
    this.#lastDeployment = deployment.id;
    let spend: { check: LimitCheck; shared: number } | undefined;
    let index = 0;
    for (const check of checks) {
      const used = result.usage[index++] ?? 0;
      if (check.kind === 's') {
        this.#keyAdmitted = true;
        this.#spendCounter = check.key;
        spend = { check, shared: used };
        continue;
      }
      if (check.scope === 'key') {
        this.#keyAdmitted = true;
        setLimitHeaders(this.#reply, check, check.limit - used);
      } else {
        this.#limiter.usage.record(
          deployment.id,
          check.kind === 'r' ? used : undefined,
          check.kind === 't' ? used : undefined,
        );
      }
      if (check.kind === 't') {
        (this.#reservations ??= []).push({
          where: result.where,
          key: check.key,
          window: result.window,
          amount: check.amount,
          deployment: check.scope === 'key' ? undefined : deployment.id,
        });
      } else if (check.kind === 'p') {
        (this.#leases ??= []).push({ where: result.where, key: check.key, lease: result.lease });
      }
    }
    const policy = this.#budget.policy;
    if (spend !== undefined && policy !== undefined) {
      try {
        this.#budget.budgets.verify(policy, spend.check, spend.shared, new Date());
      } catch (error) {
        this.settle(0);
        throw error;
      }
    }
    return true;
  }
}

function tokensOf(request: FastifyRequest): number | undefined {
  const routed = request.routed;
  if (routed?.promptTokens === undefined && routed?.completionTokens === undefined) return undefined;
  return (routed.promptTokens ?? 0) + (routed.completionTokens ?? 0);
}
