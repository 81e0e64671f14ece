import { Counter, Gauge, type Registry } from 'prom-client';
import { CellCounter } from './counter-cells.ts';
import { CellHistogram } from './histogram-cells.ts';
import type { DeploymentHealth } from './deployment-checks.ts';
import type { KeyAliasLabel } from './key-alias-label.ts';

export interface PoolStats {
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

export interface BudgetRemaining {
  readonly keyAlias: string;
  /** USD left in the current budget period. */
  readonly remainingUsd: number;
}

export type BreakerState = 'closed' | 'half_open' | 'open';

/** Requests decided by the shared rate limits, by how: the Redis script, a claim, or the per-pod fallback. */
export interface RateLimitAdmissions {
  readonly script: number;
  readonly claim: number;
  readonly per_pod: number;
}

const breakerValues: Readonly<Record<BreakerState, number>> = { closed: 0, half_open: 1, open: 2 };
const poolLabels = ['state'] as const;
const spendLabels = ['model_group', 'key_alias'] as const;
const aliasLabels = ['key_alias'] as const;
const operationLabels = ['operation'] as const;
const admissionPaths = ['script', 'claim', 'per_pod'] as const;
const redisBuckets = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1];

/**
 * The metric families other components feed: the database pool, the spend buffer and writer, budgets,
 * Redis, the response cache and the background health checks. Every family is registered up front (so dashboards and `promtool` see it
 * even before the component exists); a component registers an accessor read at scrape time, or calls a
 * counting function on its own path. Accessors replace earlier ones, so a component rebuilt on reload can
 * register again.
 */
export class ComponentMetrics {
  #pool: (() => PoolStats) | undefined;
  #spendBuffer: (() => number) | undefined;
  #budgets: (() => Iterable<BudgetRemaining>) | undefined;
  #breaker: (() => BreakerState) | undefined;
  #rateLimitAdmissions: (() => RateLimitAdmissions) | undefined;
  #deploymentHealth: (() => DeploymentHealth | undefined) | undefined;
  readonly #queryErrors: Counter;
  readonly #spend: CellCounter<(typeof spendLabels)[number]>;
  readonly #redisLatency: CellHistogram<'operation'>;
  readonly #cacheHits: Counter;
  readonly #cacheMisses: Counter;
  readonly #aliases: KeyAliasLabel;

  constructor(registry: Registry, prefix: string, aliases: KeyAliasLabel) {
    const registers = [registry];
    // prom-client calls `collect` with the metric as `this`: read the accessors through closures.
    const pool = () => this.#pool?.();
    const spendBuffer = () => this.#spendBuffer?.();
    const budgets = () => this.#budgets?.();
    const breaker = () => this.#breaker?.();
    const rateLimitAdmissions = () => this.#rateLimitAdmissions?.();
    const deploymentHealth = () => this.#deploymentHealth?.();
    this.#aliases = aliases;

    new Gauge({
      name: `${prefix}db_pool_connections`,
      help: 'Database pool connections by state: total (open) and idle',
      labelNames: poolLabels,
      registers,
      collect() {
        const stats = pool();
        if (stats === undefined) return;
        this.set({ state: 'total' }, stats.total);
        this.set({ state: 'idle' }, stats.idle);
      },
    });
    new Gauge({
      name: `${prefix}db_pool_waiting_clients`,
      help: 'Queries waiting for a free database connection',
      registers,
      collect() {
        this.set(pool()?.waiting ?? 0);
      },
    });
    this.#queryErrors = new Counter({
      name: `${prefix}db_query_errors_total`,
      help: 'Database queries that failed',
      registers,
    });
    new Gauge({
      name: `${prefix}spend_buffer_size`,
      help: 'Spend records held in memory, not yet written to the database',
      registers,
      collect() {
        this.set(spendBuffer() ?? 0);
      },
    });
    this.#spend = new CellCounter({
      name: `${prefix}spend_usd_total`,
      help: 'Cost of answered requests in USD, by model group and key alias',
      labelNames: spendLabels,
      registers,
    });
    const aliasesOf = (alias: string) => aliases.of(alias);
    new Gauge({
      name: `${prefix}key_budget_remaining_usd`,
      help: 'USD left in the current budget period, per key alias',
      labelNames: aliasLabels,
      registers,
      collect() {
        const remaining = budgets();
        if (remaining === undefined) return;
        this.reset();
        for (const { keyAlias, remainingUsd } of remaining) {
          const label = aliasesOf(keyAlias);
          // Aliases beyond the cap share one series, which a sum would make meaningless: leave them out.
          if (label !== '' && label === keyAlias) this.set({ key_alias: label }, remainingUsd);
        }
      },
    });
    this.#redisLatency = new CellHistogram({
      name: `${prefix}redis_latency_seconds`,
      help: 'Redis round trips, by operation',
      labelNames: operationLabels,
      buckets: redisBuckets,
      registers,
    });
    new Gauge({
      name: `${prefix}redis_breaker_state`,
      help: 'Redis circuit breaker: 0 closed, 1 half open, 2 open (local fallback in use)',
      registers,
      collect() {
        const state = breaker();
        this.set(state === undefined ? 0 : breakerValues[state]);
      },
    });
    new Counter({
      name: `${prefix}rate_limit_admissions_total`,
      help: 'Requests decided by the shared rate limits: script (Redis), claim (in process), per_pod (Redis away)',
      labelNames: ['path'],
      registers,
      collect() {
        const counts = rateLimitAdmissions();
        if (counts === undefined) return;
        this.reset();
        for (const path of admissionPaths) this.inc({ path }, counts[path]);
      },
    });
    new Gauge({
      name: `${prefix}deployment_health_check_up`,
      help: 'Last background health check (background_health_checks) of each deployment: 1 healthy, 0 not',
      labelNames: ['model_group', 'deployment'],
      registers,
      collect() {
        const health = deploymentHealth();
        if (health === undefined) return;
        this.reset();
        for (const endpoint of health.healthy_endpoints)
          this.set({ model_group: endpoint.model_group, deployment: endpoint.deployment_id }, 1);
        for (const endpoint of health.unhealthy_endpoints)
          this.set({ model_group: endpoint.model_group, deployment: endpoint.deployment_id }, 0);
      },
    });
    this.#cacheHits = new Counter({
      name: `${prefix}cache_hits_total`,
      help: 'Response cache lookups that found an answer',
      registers,
    });
    this.#cacheMisses = new Counter({
      name: `${prefix}cache_misses_total`,
      help: 'Response cache lookups that found nothing',
      registers,
    });
  }

  /** The database pool registers its counts (pg's `totalCount`, `idleCount`, `waitingCount`). */
  databasePool(stats: () => PoolStats): void {
    this.#pool = stats;
  }

  databaseQueryFailed(): void {
    this.#queryErrors.inc();
  }

  spendBuffer(size: () => number): void {
    this.#spendBuffer = size;
  }

  /** The request observer records each request's `routed.cost`; call this only for spend outside requests. */
  spendRecorded(modelGroup: string, keyAlias: string, usd: number): void {
    if (usd <= 0) return;
    const alias = this.#aliases.of(keyAlias);
    this.#spend.cell([modelGroup, alias]).inc(usd);
  }

  budgets(remaining: () => Iterable<BudgetRemaining>): void {
    this.#budgets = remaining;
  }

  redisRoundTrip(operation: string, seconds: number): void {
    this.#redisLatency.cell([operation]).observe(seconds);
  }

  redisBreaker(state: () => BreakerState): void {
    this.#breaker = state;
  }

  /** The shared limiter registers its counts (a limiter rebuilt on reload starts them again: a counter reset). */
  rateLimitAdmissions(counts: () => RateLimitAdmissions | undefined): void {
    this.#rateLimitAdmissions = () => counts() ?? { script: 0, claim: 0, per_pod: 0 };
  }

  /** The background health checks register their last round. */
  deploymentHealth(last: () => DeploymentHealth | undefined): void {
    this.#deploymentHealth = last;
  }

  cacheLookup(hit: boolean): void {
    (hit ? this.#cacheHits : this.#cacheMisses).inc();
  }
}
