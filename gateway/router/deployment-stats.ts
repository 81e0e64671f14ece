import type { Deployment } from '../providers/types.ts';

const latencySamples = 10;
const minuteMs = 60_000;

interface Stats {
  inFlight: number;
  latencies: number[];
  minute: number;
  requests: number;
  tokens: number;
}

/**
 * What this process knows about each deployment's load: requests in flight, recent latencies and
 * this minute's requests and tokens. The routing strategies read it.
 */
export class DeploymentStats {
  readonly #stats = new Map<string, Stats>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  started(deployment: Deployment, estimatedTokens: number): void {
    const stats = this.#current(deployment.id);
    stats.inFlight++;
    stats.requests++;
    stats.tokens += estimatedTokens;
  }

  finished(deployment: Deployment): void {
    const stats = this.#current(deployment.id);
    stats.inFlight = Math.max(0, stats.inFlight - 1);
  }

  /** Time to the whole answer, or to the first chunk of a stream. */
  recordLatency(deployment: Deployment, ms: number): void {
    const { latencies } = this.#current(deployment.id);
    latencies.push(ms);
    if (latencies.length > latencySamples) latencies.shift();
  }

  /** Replaces the estimate made at start with the tokens the upstream reported. */
  settleTokens(deployment: Deployment, estimated: number, actual: number): void {
    const stats = this.#current(deployment.id);
    stats.tokens = Math.max(0, stats.tokens - estimated + actual);
  }

  inFlight(deployment: Deployment): number {
    return this.#current(deployment.id).inFlight;
  }

  /** Mean of the recent latencies, or undefined before the first sample. */
  latency(deployment: Deployment): number | undefined {
    const { latencies } = this.#current(deployment.id);
    if (latencies.length === 0) return undefined;
    return latencies.reduce((sum, value) => sum + value, 0) / latencies.length;
  }

  usageThisMinute(deployment: Deployment): { requests: number; tokens: number } {
    const { requests, tokens } = this.#current(deployment.id);
    return { requests, tokens };
  }

  #current(id: string): Stats {
    const minute = Math.floor(this.#now() / minuteMs);
    let stats = this.#stats.get(id);
    if (stats === undefined) {
      stats = { inFlight: 0, latencies: [], minute, requests: 0, tokens: 0 };
      this.#stats.set(id, stats);
    } else if (stats.minute !== minute) {
      stats.minute = minute;
      stats.requests = 0;
      stats.tokens = 0;
    }
    return stats;
  }
}
