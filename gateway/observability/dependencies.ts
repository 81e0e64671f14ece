/**
 * What this pod knows of the services it shares with other pods (database, Redis, cache). Readiness reads it
 * (a database never reached since start keeps the pod unready; a later outage only shows in the body and
 * metrics, see DESIGN.md), and so do metrics. Each component registers a cheap, cached probe: never a network
 * call on the probe path.
 */
export type DependencyName = 'db' | 'redis' | 'cache';

export interface DependencyReport {
  /** `down` after an error the component saw; `not_configured` when the pod runs without it. */
  readonly status: 'up' | 'down' | 'not_configured';
  /** Whether it answered at least once since this process started. */
  readonly reachedOnce: boolean;
  /** A short, secret-free reason, e.g. "connection refused". */
  readonly detail?: string;
}

const gatesReadiness: ReadonlySet<DependencyName> = new Set(['db']);

export class Dependencies {
  readonly #probes = new Map<DependencyName, () => DependencyReport>();

  register(name: DependencyName, probe: () => DependencyReport): void {
    this.#probes.set(name, probe);
  }

  report(name: DependencyName): DependencyReport {
    return this.#probes.get(name)?.() ?? { status: 'not_configured', reachedOnce: false };
  }

  /**
   * Configured dependencies that gate readiness and have never answered: the pod is still starting. Only the
   * database does: without Redis or its cache a pod serves on per-pod limits, so it should not be kept out of
   * the Service waiting for them.
   */
  neverReached(): DependencyName[] {
    return [...this.#probes.keys()].filter((name) => {
      if (!gatesReadiness.has(name)) return false;
      const report = this.report(name);
      return report.status !== 'not_configured' && !report.reachedOnce;
    });
  }
}
