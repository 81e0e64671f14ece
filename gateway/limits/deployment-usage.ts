import type { UsageSource } from '../router/strategies.ts';

interface Seen {
  requests: number;
  tokens: number;
  at: number;
}

const freshForMs = 3000;

/**
 * What all pods sent to each deployment, as Redis counted it: refreshed by every admission (the chosen
 * deployment's usage comes back with it) and by the pod's housekeeping each second. Stale or missing
 * (Redis away), it answers with this pod's own counts.
 */
export class SharedDeploymentUsage {
  readonly #seen = new Map<string, Seen>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  record(deploymentId: string, requests: number | undefined, tokens: number | undefined): void {
    let seen = this.#seen.get(deploymentId);
    if (seen === undefined) {
      seen = { requests: 0, tokens: 0, at: 0 };
      this.#seen.set(deploymentId, seen);
    }
    if (requests !== undefined) seen.requests = requests;
    if (tokens !== undefined) seen.tokens = tokens;
    seen.at = this.#now();
  }

  /** A view that prefers the shared counts and falls back to `local` (one router's own stats). */
  over(local: UsageSource): UsageSource {
    return {
      usageThisMinute: (deployment) => {
        const seen = this.#seen.get(deployment.id);
        if (seen === undefined || this.#now() - seen.at > freshForMs)
          return local.usageThisMinute(deployment);
        return { requests: seen.requests, tokens: seen.tokens };
      },
    };
  }
}
