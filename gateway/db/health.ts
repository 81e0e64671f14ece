import type { Logger } from 'pino';
import type { DependencyReport } from '../observability/dependencies.ts';

/**
 * What this pod last saw of the database, from the queries it ran (never a probe of its own): readiness, metrics
 * and the allow_requests_on_db_unavailable rules read it. A log line on every change, not on every error.
 */
export class DatabaseHealth {
  readonly #failureListeners: (() => void)[] = [];
  #status: 'up' | 'down' = 'down';
  #reachedOnce = false;
  #detail: string | undefined = 'not connected yet';
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get up(): boolean {
    return this.#status === 'up';
  }

  get reachedOnce(): boolean {
    return this.#reachedOnce;
  }

  succeeded(): void {
    if (this.#status === 'up') return;
    if (this.#reachedOnce) this.#logger.info('database is reachable again');
    this.#status = 'up';
    this.#reachedOnce = true;
    this.#detail = undefined;
  }

  /** Called on every failed query, for the query-error metric. */
  onFailure(listener: () => void): void {
    this.#failureListeners.push(listener);
  }

  failed(error: unknown): void {
    for (const listener of this.#failureListeners) listener();
    const detail = reasonOf(error);
    if (this.#status === 'up' || this.#detail !== detail)
      this.#logger.error({ reason: detail }, 'database is unavailable');
    this.#status = 'down';
    this.#detail = detail;
  }

  report(): DependencyReport {
    return {
      status: this.#status,
      reachedOnce: this.#reachedOnce,
      ...(this.#detail === undefined ? {} : { detail: this.#detail }),
    };
  }
}

/** A short, secret-free reason: the error code or class, never the connection string. */
export function reasonOf(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    const names: Record<string, string> = {
      ECONNREFUSED: 'connection refused',
      ECONNRESET: 'connection reset',
      ETIMEDOUT: 'connection timed out',
      ENOTFOUND: 'host not found',
      '57P01': 'server shut down',
      '57P03': 'server starting up',
      '53300': 'too many connections',
    };
    return names[code] ?? `error ${code}`;
  }
  if (error instanceof Error && /timeout/i.test(error.message)) return 'timed out';
  if (error instanceof Error && /terminated|ended/i.test(error.message)) return 'connection lost';
  return 'query failed';
}

/** Errors that mean the database could not be reached (as opposed to a bad query). */
export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return /^(E[A-Z]+|57P0\d|53300|08\d{3})$/.test(code);
  return error instanceof Error && /timeout|terminated|Connection|ended|closed/i.test(error.message);
}
