import { setTimeout as sleep } from 'node:timers/promises';
import pg, { type PoolClient, type QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import { GatewayError } from '../errors.ts';
import { startEmbeddedStore, type EmbeddedStore } from './embedded.ts';
import { DatabaseHealth, isUnavailable } from './health.ts';
import { checkSchema, migrate, SchemaTooNewError, type MigrateResult } from './migrate.ts';
import { partitionUpkeep } from './partitions.ts';
import type { DatabaseSettings } from './settings.ts';

export interface PoolStats {
  readonly limit: number;
  readonly total: number;
  readonly idle: number;
  readonly waiting: number;
}

/** Thrown to callers while the database cannot be reached: a 503 for the client (or let through, if allowed). */
export class DatabaseUnavailableError extends GatewayError {
  constructor() {
    super('database_unavailable', 'the database is unavailable; retry shortly', {
      headers: { 'retry-after': '5' },
    });
    this.name = 'DatabaseUnavailableError';
  }
}

const upkeepEveryMs = 3_600_000;

/**
 * The gateway's PostgreSQL (or embedded store): one pool bounded by the pool limit, health as seen by the
 * queries, schema preparation at start and daily partition upkeep. Closing it ends the pool and the store.
 */
export class Database {
  readonly pool: pg.Pool;
  readonly kind: 'postgres' | 'embedded';
  readonly health: DatabaseHealth;
  readonly poolLimit: number;
  readonly #settings: DatabaseSettings;
  readonly #logger: Logger;
  readonly #embedded: EmbeddedStore | undefined;
  #ready = false;
  #closed = false;
  #upkeepTimer: NodeJS.Timeout | undefined;

  private constructor(settings: DatabaseSettings, logger: Logger, embedded: EmbeddedStore | undefined) {
    this.#settings = settings;
    this.#logger = logger;
    this.#embedded = embedded;
    this.kind = embedded === undefined ? 'postgres' : 'embedded';
    this.poolLimit = embedded === undefined ? settings.poolLimit : 1;
    this.health = new DatabaseHealth(logger);
    this.pool = new pg.Pool({
      ...(embedded === undefined ? { connectionString: settings.url } : embedded.connection),
      max: this.poolLimit,
      application_name: 'switchyard-gateway',
      connectionTimeoutMillis: settings.connectionTimeoutMs,
      idleTimeoutMillis: 30_000,
      query_timeout: 15_000,
    });
    // A connection dropped by the server (idle or checked out between queries) must not crash the process;
    // the query in flight fails and the next one reconnects.
    this.pool.on('error', (error) => {
      this.health.failed(error);
    });
    this.pool.on('connect', (client) => {
      client.on('error', (error) => {
        this.health.failed(error);
      });
    });
  }

  /** Opens the pool (no connection yet) or, with no URL, starts the embedded store under the data folder. */
  static async open(settings: DatabaseSettings, logger: Logger): Promise<Database> {
    if (settings.url !== undefined) return new Database(settings, logger, undefined);
    const embedded = await startEmbeddedStore(settings.dataDir, logger);
    logger.info(
      { dataDir: settings.dataDir },
      'no database URL: using the embedded store (one process; set DATABASE_URL for PostgreSQL)',
    );
    return new Database(settings, logger, embedded);
  }

  /** Whether the schema has been prepared; before that, nothing that needs it may run. */
  get ready(): boolean {
    return this.#ready;
  }

  /**
   * Migrates (or, with DISABLE_SCHEMA_UPDATE, checks) the schema and starts partition upkeep, retrying while the
   * database cannot be reached. Rejects only when this code must not run on the schema (it needs newer code);
   * resolves undefined when closed before the database was ever ready.
   */
  async start(): Promise<MigrateResult | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = this.#settings.schemaUpdates ? await migrate(this.pool) : await checkSchema(this.pool);
        this.health.succeeded();
        this.#ready = true;
        if (result.applied.length > 0) this.#logger.info({ applied: result.applied }, 'database migrated');
        if (result.edited.length > 0)
          this.#logger.warn(
            { versions: result.edited },
            'applied migrations were edited since: add a new migration instead of changing one',
          );
        await this.upkeep();
        this.#upkeepTimer = setInterval(() => void this.upkeep(), upkeepEveryMs).unref();
        return result;
      } catch (error) {
        if (this.#closed) return undefined; // shut down before the database was ever ready
        if (error instanceof SchemaTooNewError) throw error;
        if (isUnavailable(error)) this.health.failed(error);
        else
          this.#logger.warn(
            { reason: (error as Error).message, attempt },
            'database not ready yet; retrying',
          );
        await sleep(Math.min(5_000, 250 * attempt));
      }
    }
  }

  /** Partition upkeep; failures are logged and retried at the next round. */
  async upkeep(now: Date = new Date()): Promise<void> {
    try {
      const result = await partitionUpkeep(this.pool, { now, retention: this.#settings.retention });
      if (result.created.length + result.dropped.length > 0)
        this.#logger.info({ created: result.created, dropped: result.dropped }, 'spend log partitions');
    } catch (error) {
      this.#logger.warn({ reason: (error as Error).message }, 'spend log partition upkeep failed');
    }
  }

  /** A query whose outcome is recorded as the database's health; unreachable becomes DatabaseUnavailableError. */
  async query<Row extends QueryResultRow>(text: string, values: readonly unknown[] = []): Promise<Row[]> {
    if (!this.#ready) throw new DatabaseUnavailableError();
    try {
      const result = await this.#retriedOnClosed(() => this.pool.query<Row>(text, [...values]));
      this.health.succeeded();
      return result.rows;
    } catch (error) {
      throw this.#classify(error);
    }
  }

  /**
   * Runs `send` again on a fresh connection when it went to one the server had closed, where nothing was run:
   * EPIPE from any server (PostgreSQL closes sessions on restarts and idle cuts); from the embedded store, any
   * broken connection, since its socket ends a session after an error in it (the pooled connection a failed
   * query leaves behind) and refuses the next one until the old is gone.
   */
  async #retriedOnClosed<T>(send: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await send();
      } catch (error) {
        const code = (error as { code?: unknown } | null)?.code;
        const closed =
          code === 'EPIPE' ||
          (this.#embedded !== undefined &&
            (code === 'ECONNRESET' ||
              code === 'ECONNREFUSED' ||
              (error as Error).message.includes('Connection terminated')));
        if (!closed || attempt >= 3) throw error;
        await sleep(attempt * 20);
      }
    }
  }

  /** Runs `work` in one transaction on one connection. */
  async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    if (!this.#ready) throw new DatabaseUnavailableError();
    let client: PoolClient;
    try {
      client = await this.#retriedOnClosed(async () => {
        const connected = await this.pool.connect();
        try {
          await connected.query('BEGIN');
          return connected;
        } catch (error) {
          connected.release(true);
          throw error;
        }
      });
    } catch (error) {
      throw this.#classify(error);
    }
    let broken = false;
    try {
      const result = await work(client);
      await client.query('COMMIT');
      this.health.succeeded();
      return result;
    } catch (error) {
      broken = isUnavailable(error);
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      throw this.#classify(error);
    } finally {
      client.release(broken);
    }
  }

  stats(): PoolStats {
    return {
      limit: this.poolLimit,
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#upkeepTimer);
    await this.pool.end();
    await this.#embedded?.close();
  }

  #classify(error: unknown): unknown {
    if (!isUnavailable(error)) {
      this.health.succeeded(); // the server answered, if only with an error
      return error;
    }
    this.health.failed(error);
    return new DatabaseUnavailableError();
  }
}
