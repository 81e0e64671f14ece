import type { FastifyReply, FastifyRequest } from 'fastify';
import type { StoredKey } from '../auth/stored-key.ts';
import type { VirtualKeyPolicy } from '../auth/virtual-key-policy.ts';
import type { KeyLease, KeyRateLimiter } from '../auth/key-limits.ts';
import type { GatewayConfig } from '../config/load.ts';
import type { Router } from '../router/router.ts';
import { deploymentCounter, keyCounter, type LimitCheck } from './limit-check.ts';
import { RequestAdmission } from './request-admission.ts';
import { SharedBudgets } from './shared-budgets.ts';
import type { SharedLimiter } from './shared-limiter.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Rate limits shared through Redis (undefined without Redis: the key limiter counts per process). */
    sharedLimits: SharedLimits | undefined;
  }
}

const noLease: KeyLease = { release: () => undefined };

/**
 * The key limiter given to the key code when Redis shares the limits: the shared admission (asked in the router
 * once the deployment is known, one round trip for key and deployment) does the counting instead.
 */
export const countedElsewhere: KeyRateLimiter = { acquire: () => noLease };

/** Builds each request's admission from its key's limits and the routing strategy. */
export class SharedLimits {
  readonly limiter: SharedLimiter;
  readonly budgets = new SharedBudgets();
  readonly #config: () => GatewayConfig;

  constructor(limiter: SharedLimiter, config: () => GatewayConfig) {
    this.limiter = limiter;
    this.#config = config;
  }

  /** Undefined when nothing applies (no key limits, no usage-based routing): no Redis call at all. */
  begin(request: FastifyRequest, reply: FastifyReply, estimatedTokens: number): RequestAdmission | undefined {
    const principal = request.principal;
    const policy: VirtualKeyPolicy | undefined = principal?.kind === 'virtual' ? principal.policy : undefined;
    const key = policy?.key;
    const keyChecks: LimitCheck[] = [];
    if (policy !== undefined && key !== undefined) {
      const budget = this.budgets.checkOf(policy, new Date());
      if (budget !== undefined) keyChecks.push(budget);
      const counters = countersOf(key);
      if (key.maxParallelRequests !== null)
        keyChecks.push(check('p', counters.p, key.maxParallelRequests, 1));
      if (key.rpmLimit !== null) keyChecks.push(check('r', counters.r, key.rpmLimit, 1));
      if (key.tpmLimit !== null) keyChecks.push(check('t', counters.t, key.tpmLimit, estimatedTokens));
    }
    const countDeployments = usageBased(this.#config());
    if (keyChecks.length === 0 && !countDeployments) return undefined;
    return new RequestAdmission(this.limiter, keyChecks, countDeployments, estimatedTokens, reply, {
      policy,
      budgets: this.budgets,
    });
  }
}

function check(kind: 'r' | 't' | 'p', counter: string, limit: number, amount: number): LimitCheck {
  return { kind, key: counter, limit, amount, scope: 'key' };
}

/** A key's counter names, made once per cached key rather than per request. */
const counterNames = new WeakMap<StoredKey, Readonly<Record<'r' | 't' | 'p', string>>>();

function countersOf(key: StoredKey): Readonly<Record<'r' | 't' | 'p', string>> {
  let names = counterNames.get(key);
  if (names === undefined) {
    names = { r: keyCounter(key.hash, 'r'), t: keyCounter(key.hash, 't'), p: keyCounter(key.hash, 'p') };
    counterNames.set(key, names);
  }
  return names;
}

export function usageBased(config: GatewayConfig): boolean {
  const strategy = config.routerSettings.routing_strategy;
  return strategy === 'usage-based-routing-v2' || strategy === 'usage-based-routing';
}

/** Every deployment's counters, for housekeeping to read when usage-based routing wants them. */
export function deploymentCountersOf(config: GatewayConfig, router: Router): readonly string[] {
  if (!usageBased(config)) return [];
  return router
    .modelGroups()
    .flatMap((group) => router.deploymentsOf(group))
    .flatMap((deployment) => [deploymentCounter(deployment.id, 'r'), deploymentCounter(deployment.id, 't')]);
}
