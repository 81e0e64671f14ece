import { Redis } from 'ioredis';
import type { Logger } from 'pino';
import type { DependencyReport } from '../observability/dependencies.ts';
import { CircuitBreaker, type BreakerState } from './breaker.ts';
import type { LuaScript } from './lua-script.ts';
import { describeRedis, type RedisEndpoint } from './settings.ts';

export interface SharedRedisOptions {
  readonly endpoint: RedisEndpoint;
  readonly logger: Logger;
  /** Which role it serves, for the log lines: `redis` (router) or `cache`. */
  readonly role: string;
  /** Longest a command may take before it counts as a failure; bounds what a hung Redis adds to a request. */
  readonly commandTimeoutMs?: number;
  readonly failureThreshold?: number;
  /** How often a hung (connected, silent) Redis is pinged while the breaker is open. */
  readonly probeEveryMs?: number;
}

/** Thrown without touching the network when the breaker is open or the connection is down. */
export class RedisUnavailableError extends Error {
  constructor() {
    super('redis is unavailable');
    this.name = 'RedisUnavailableError';
  }
}

export interface RedisState {
  readonly breaker: BreakerState;
  readonly connected: boolean;
  readonly reachedOnce: boolean;
  /** Times the breaker opened since start. */
  readonly outages: number;
  /** Calls sent (scripts and commands), since start: round trips for the hot-path budget. */
  readonly calls: number;
}

const unavailable = new RedisUnavailableError();

/**
 * One Redis connection for the pod, never waited for: commands fail fast while it is away (no offline queue,
 * a short command timeout) and a circuit breaker stops sending while it misbehaves, so callers fall back to
 * local state at once. It reconnects and recovers by itself; each state change is logged once.
 */
export class SharedRedis {
  readonly #role: string;
  #roundTrip: ((operation: string, seconds: number) => void) | undefined;
  readonly client: Redis;
  readonly endpoint: RedisEndpoint;
  readonly #logger: Logger;
  readonly #breaker: CircuitBreaker;
  readonly #probeEveryMs: number;
  readonly #scripts = new Map<string, LuaScript>();
  #subscriber: Redis | undefined;
  readonly #listeners = new Map<string, ((message: string) => void)[]>();
  #probe: NodeJS.Timeout | undefined;
  readonly #onAvailable: (() => void)[] = [];
  #reachedOnce = false;
  #outages = 0;
  #calls = 0;
  #detail: string | undefined = 'connecting';
  #closed = false;

  constructor(options: SharedRedisOptions) {
    this.endpoint = options.endpoint;
    this.#role = options.role;
    this.#logger = options.logger.child({ component: options.role });
    this.#probeEveryMs = options.probeEveryMs ?? 500;
    this.#breaker = new CircuitBreaker(
      { failureThreshold: options.failureThreshold ?? 3 },
      (state, reason) => {
        this.#changed(state, reason);
      },
    );
    this.client = new Redis(clientOptions(options.endpoint, options.commandTimeoutMs ?? 50));
    this.client.on('ready', () => {
      this.#ready();
    });
    this.client.on('error', (error: Error) => {
      this.#detail = reasonOf(error);
    });
    this.client.on('close', () => {
      if (!this.#closed) this.#breaker.trip('connection closed');
    });
    // Until the first connect, the breaker is open: requests use local state and nothing waits.
    this.#breaker.trip('not connected yet');
  }

  /** Starts connecting in the background; never awaited by startup. */
  start(): void {
    this.client.connect().catch(() => undefined);
  }

  get available(): boolean {
    return this.#breaker.closed && this.client.status === 'ready';
  }

  state(): RedisState {
    return {
      breaker: this.#breaker.state,
      connected: this.client.status === 'ready',
      reachedOnce: this.#reachedOnce,
      outages: this.#outages,
      calls: this.#calls,
    };
  }

  report(): DependencyReport {
    const up = this.available;
    return {
      status: up ? 'up' : 'down',
      reachedOnce: this.#reachedOnce,
      ...(up || this.#detail === undefined ? {} : { detail: this.#detail }),
    };
  }

  /** Times every successful call, for the Redis latency histogram. */
  onRoundTrip(listener: (operation: string, seconds: number) => void): void {
    this.#roundTrip = listener;
  }

  /** Runs a script by its hash (loaded at connect), sending its text only if Redis lost it (a restart). */
  async eval(
    script: LuaScript,
    keys: readonly string[],
    args: readonly (string | number)[],
  ): Promise<unknown> {
    if (!this.available) throw unavailable;
    this.#scripts.set(script.sha, script);
    this.#calls++;
    const startedAt = performance.now();
    try {
      let reply: unknown;
      try {
        reply = await this.client.evalsha(script.sha, keys.length, ...keys, ...args);
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
        reply = await this.client.eval(script.source, keys.length, ...keys, ...args);
      }
      this.#breaker.success();
      this.#roundTrip?.(`${this.#role}_script`, (performance.now() - startedAt) / 1000);
      return reply;
    } catch (error) {
      this.#failed(error);
      throw error;
    }
  }

  /** Any other command, through the breaker. */
  async run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    if (!this.available) throw unavailable;
    this.#calls++;
    const startedAt = performance.now();
    try {
      const reply = await command(this.client);
      this.#breaker.success();
      this.#roundTrip?.(`${this.#role}_command`, (performance.now() - startedAt) / 1000);
      return reply;
    } catch (error) {
      this.#failed(error);
      throw error;
    }
  }

  /** Called each time Redis becomes available (first connect, end of an outage): resync what was missed. */
  onAvailable(listener: () => void): void {
    this.#onAvailable.push(listener);
  }

  /** Fire and forget: a message lost while Redis is away is covered by the receivers' periodic refresh. */
  publish(channel: string, message: string): void {
    if (!this.available) return;
    this.run((client) => client.publish(channel, message)).catch(() => undefined);
  }

  /** Listens on a channel on a second connection (a subscribed connection can do nothing else); resubscribes. */
  subscribe(channel: string, listener: (message: string) => void): void {
    const listeners = this.#listeners.get(channel);
    if (listeners !== undefined) {
      listeners.push(listener);
      return;
    }
    this.#listeners.set(channel, [listener]);
    const subscriber = this.#subscriberConnection();
    subscriber.subscribe(channel).catch(() => undefined);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#probe);
    const open = [this.client, this.#subscriber].filter(
      (client): client is Redis => client !== undefined && client.status !== 'end',
    );
    await Promise.all(
      open.map((client) =>
        client.quit().catch(() => {
          client.disconnect();
        }),
      ),
    );
  }

  #subscriberConnection(): Redis {
    if (this.#subscriber !== undefined) return this.#subscriber;
    // Subscriptions may wait for the connection (nothing on the request path waits for them).
    const subscriber = new Redis({
      ...clientOptions(this.endpoint, 0),
      enableOfflineQueue: true,
      autoResubscribe: true,
      lazyConnect: false,
    });
    subscriber.on('error', () => undefined);
    subscriber.on('message', (channel: string, message: string) => {
      for (const listener of this.#listeners.get(channel) ?? []) listener(message);
    });
    this.#subscriber = subscriber;
    return subscriber;
  }

  #ready(): void {
    this.#reachedOnce = true;
    this.#detail = undefined;
    const loads = [...this.#scripts.values()].map((script) => this.client.script('LOAD', script.source));
    Promise.all(loads).then(
      () => {
        this.#breaker.success();
      },
      (error: unknown) => {
        this.#failed(error);
      },
    );
  }

  #failed(error: unknown): void {
    this.#detail = reasonOf(error);
    this.#breaker.failure(this.#detail);
  }

  #changed(state: BreakerState, reason: string): void {
    if (state === 'open') {
      // The first "not connected yet" is not an outage worth counting or a warning.
      if (reason !== 'not connected yet') this.#outages++;
      if (reason !== 'not connected yet')
        this.#logger.warn(
          { redis: describeRedis(this.endpoint), reason },
          'redis unavailable: limits fall back to per-pod counters, the cache is bypassed',
        );
      this.#startProbe();
    } else {
      clearInterval(this.#probe);
      this.#probe = undefined;
      this.#logger.info({ redis: describeRedis(this.endpoint) }, 'redis available: shared state resumed');
      for (const listener of this.#onAvailable) listener();
    }
  }

  /** While open on a live connection (a hung server), ping off the request path until it answers. */
  #startProbe(): void {
    if (this.#probe !== undefined) return;
    this.#probe = setInterval(() => {
      if (this.client.status !== 'ready') return;
      this.client.ping().then(
        () => {
          this.#breaker.success();
        },
        (error: unknown) => {
          this.#detail = reasonOf(error);
        },
      );
    }, this.#probeEveryMs).unref();
  }
}

function clientOptions(endpoint: RedisEndpoint, commandTimeoutMs: number) {
  return {
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.db,
    ...(endpoint.username === undefined ? {} : { username: endpoint.username }),
    ...(endpoint.password === undefined ? {} : { password: endpoint.password }),
    ...(endpoint.tls ? { tls: { servername: endpoint.host } } : {}),
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    ...(commandTimeoutMs > 0 ? { commandTimeout: commandTimeoutMs } : {}),
    connectTimeout: 2000,
    // Commands issued in the same tick go out in one write. Scripts are batched by their callers already
    // (admissions per event-loop turn, settlements every few ms); auto-pipelining them as well only adds a
    // turn of the event loop to each (about 75 µs a call when the gateway is not busy).
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: ['evalsha', 'eval'],
    // Reconnect soon after an outage ends; the breaker keeps requests off it meanwhile.
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 5), 1000),
    connectionName: 'switchyard-gateway',
  };
}

/** A short reason for logs and readiness: the error's code or first words, never a credential. */
function reasonOf(error: unknown): string {
  if (error instanceof RedisUnavailableError) return 'unavailable';
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.slice(0, 80) ?? 'error';
}
