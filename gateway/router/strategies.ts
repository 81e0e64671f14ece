import type { RouterSettings } from '../config/schema.ts';
import type { Deployment } from '../providers/types.ts';
import type { DeploymentStats } from './deployment-stats.ts';
import type { Random } from './random.ts';

/** Where usage-based routing reads a deployment's last minute: this router's counts, or all pods' (Redis). */
export type UsageSource = Pick<DeploymentStats, 'usageThisMinute'>;

export interface RoutingStrategy {
  /** Picks one of the candidates (all healthy), or undefined when every one is at its limits. */
  pick(candidates: readonly Deployment[], estimatedTokens: number): Deployment | undefined;
}

export function createStrategy(
  settings: RouterSettings,
  stats: DeploymentStats,
  random: Random,
  usage: UsageSource = stats,
): RoutingStrategy {
  switch (settings.routing_strategy) {
    case 'least-busy':
      return leastBusy(stats, random);
    case 'latency-based-routing':
      return lowestLatency(stats, random, settings.routing_strategy_args?.lowest_latency_buffer ?? 0.1);
    case 'usage-based-routing':
    case 'usage-based-routing-v2':
      return lowestUsage(usage, random);
    default:
      return simpleShuffle(random);
  }
}

/** Weighted random by `weight`, else `rpm`, else `tpm`; uniform when none is given (LiteLLM's default). */
export function simpleShuffle(random: Random): RoutingStrategy {
  return {
    pick(candidates) {
      if (candidates.length === 1) return candidates[0];
      return weightedPick(candidates, weightKeyOf(candidates), random);
    },
  };
}

const weightKeys = ['weight', 'rpm', 'tpm'] as const;
type WeightKey = (typeof weightKeys)[number];

/** The first of `weight`, `rpm`, `tpm` that any candidate sets; undefined: all weigh the same. */
function weightKeyOf(candidates: readonly Deployment[]): WeightKey | undefined {
  for (const key of weightKeys) {
    for (const deployment of candidates) if (deployment.params[key] !== undefined) return key;
  }
  return undefined;
}

function weightOf(deployment: Deployment, key: WeightKey | undefined): number {
  return key === undefined ? 1 : (deployment.params[key] ?? 0);
}

/** Runs on every routed request: loops over the candidates instead of building arrays of weights. */
function weightedPick(
  candidates: readonly Deployment[],
  key: WeightKey | undefined,
  random: Random,
): Deployment | undefined {
  let total = 0;
  for (const deployment of candidates) total += weightOf(deployment, key);
  if (total <= 0) return candidates[Math.floor(random() * candidates.length)];
  let point = random() * total;
  for (const deployment of candidates) {
    point -= weightOf(deployment, key);
    if (point < 0) return deployment;
  }
  return candidates.at(-1);
}

function randomOf(candidates: readonly Deployment[], random: Random): Deployment | undefined {
  return candidates[Math.floor(random() * candidates.length)];
}

/** Fewest requests in flight from this process; ties broken at random. */
export function leastBusy(stats: DeploymentStats, random: Random): RoutingStrategy {
  return {
    pick(candidates) {
      const fewest = Math.min(...candidates.map((deployment) => stats.inFlight(deployment)));
      return randomOf(
        candidates.filter((deployment) => stats.inFlight(deployment) === fewest),
        random,
      );
    },
  };
}

/**
 * Lowest recent latency. Deployments within `buffer` (a fraction) of the fastest share the traffic, so
 * near-equals are not starved; a deployment with no sample yet is tried first.
 */
export function lowestLatency(stats: DeploymentStats, random: Random, buffer: number): RoutingStrategy {
  return {
    pick(candidates) {
      const untried = candidates.filter((deployment) => stats.latency(deployment) === undefined);
      if (untried.length > 0) return randomOf(untried, random);
      const fastest = Math.min(...candidates.map((deployment) => stats.latency(deployment) ?? Infinity));
      return randomOf(
        candidates.filter((deployment) => (stats.latency(deployment) ?? Infinity) <= fastest * (1 + buffer)),
        random,
      );
    },
  };
}

/**
 * The deployment furthest from its `rpm`/`tpm` limits this minute (its tightest remaining share; 1 without
 * limits), skipping those the request would push over; ties go to the one that used fewer tokens.
 */
export function lowestUsage(stats: UsageSource, random: Random): RoutingStrategy {
  return {
    pick(candidates, estimatedTokens) {
      const scored = candidates.flatMap((deployment) => {
        const headroom = headroomOf(deployment, stats, estimatedTokens);
        return headroom === undefined
          ? []
          : [{ deployment, headroom, tokens: stats.usageThisMinute(deployment).tokens }];
      });
      const most = Math.max(...scored.map((entry) => entry.headroom));
      const roomiest = scored.filter((entry) => entry.headroom === most);
      const fewestTokens = Math.min(...roomiest.map((entry) => entry.tokens));
      const best = roomiest.filter((entry) => entry.tokens === fewestTokens).map((entry) => entry.deployment);
      return randomOf(best, random);
    },
  };
}

function headroomOf(deployment: Deployment, stats: UsageSource, estimatedTokens: number): number | undefined {
  const { rpm, tpm } = deployment.params;
  const used = stats.usageThisMinute(deployment);
  if (rpm !== undefined && used.requests + 1 > rpm) return undefined;
  if (tpm !== undefined && used.tokens + estimatedTokens > tpm) return undefined;
  const requestShare = rpm === undefined ? 1 : (rpm - used.requests) / rpm;
  const tokenShare = tpm === undefined ? 1 : (tpm - used.tokens) / tpm;
  return Math.min(requestShare, tokenShare);
}
