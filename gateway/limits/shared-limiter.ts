import { randomUUID } from 'node:crypto';
import type { RateLimitAdmissions } from '../observability/component-metrics.ts';
import type { SharedRedis } from '../redis/shared-redis.ts';
import { SharedDeploymentUsage } from './deployment-usage.ts';
import { Claims } from './claims.ts';
import { keyPrefix, windowMs, type AdmitResult, type LimitCheck } from './limit-check.ts';
import { LocalCounters } from './local-counters.ts';
import { admitScript, housekeepingScript, settleScript } from './scripts.ts';

export interface SharedLimiterOptions {
  readonly redis: SharedRedis;
  /** How long a parallel-request slot lives without renewal: a crashed pod's slots free themselves after it. */
  readonly leaseTtlMs?: number;
  /** Claims asked for, slots released and spend wait this long to go out together in one script call. */
  readonly settleEveryMs?: number;
  /**
   * Corrections (real token counts against the reserved estimates, lease renewals) wait this long, or go out
   * with the next settlement: under load, claims set how often a pod calls the script, not every response.
   */
  readonly correctEveryMs?: number;
  readonly housekeepingEveryMs?: number;
  /** A lease older than this is no longer renewed (a request cannot run longer): a lost release cannot leak a slot. */
  readonly maxLeaseAgeMs?: number;
  /** Base keys of the deployment counters whose usage housekeeping reads (usage-based routing). */
  readonly deploymentCounters?: () => readonly string[];
}

const podsKey = `${keyPrefix}pods`;
const maxOpsPerCall = 300;
const maxRequestsPerCall = 100;

/** One settlement (see settleScript): `d` tokens, `x` release, `e` extend, `f` spend, `q` claim. */
interface SettleOp {
  readonly op: 'd' | 'x' | 'e' | 'f' | 'q';
  readonly key: string;
  a: string | number;
  b: number;
}

interface PendingAdmission {
  readonly checks: readonly LimitCheck[];
  readonly lease: string;
  readonly resolve: (result: AdmitResult) => void;
}

/**
 * Rate limits shared by every pod through Redis: one script call admits a request against all its limits, or,
 * while a key is far below its rate limits, a claim taken in Redis admits it in process (claims.ts).
 * Settlements (real token counts, released slots) are batched off the request path. While Redis is away the
 * same limits are counted per pod, each pod taking an equal share of every limit.
 */
export class SharedLimiter {
  readonly podId = randomUUID();
  readonly local = new LocalCounters(windowMs);
  readonly claims = new Claims({
    ask: (key, want, limit) => {
      this.#queue('q', key, want, limit);
    },
    giveBack: (key, window, amount) => {
      this.#queue('d', key, window, -amount);
    },
  });
  readonly usage = new SharedDeploymentUsage();
  readonly #redis: SharedRedis;
  readonly #leaseTtlMs: number;
  readonly #settleEveryMs: number;
  readonly #correctEveryMs: number;
  readonly #deploymentCounters: () => readonly string[];
  /** Leases this pod holds in Redis, by id (key, taken at): renewed while held, up to `maxLeaseAgeMs`. */
  readonly #leases = new Map<string, { readonly key: string; readonly at: number }>();
  readonly #maxLeaseAgeMs: number;
  #leaseSequence = 0;
  #pods = 1;
  /** Claims are sized by the live pods, so none is taken before they were counted once. */
  #podsKnown = false;
  #localAdmissions = 0;
  #scriptDecisions = 0;
  #admissions: PendingAdmission[] = [];
  /** Settlements waiting to go out together, merged by what they change (see #queue). */
  readonly #pendingOps = new Map<string, SettleOp>();
  #flushTimer: NodeJS.Timeout | undefined;
  /** The timer set is `settleEveryMs` long (something other than a correction waits). */
  #flushSoon = false;
  /** Settlement calls on their way: closing waits for them (their claims' replies give back what they got). */
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;
  readonly #timers: NodeJS.Timeout[] = [];

  constructor(options: SharedLimiterOptions) {
    this.#redis = options.redis;
    this.#leaseTtlMs = options.leaseTtlMs ?? 30_000;
    this.#settleEveryMs = options.settleEveryMs ?? 5;
    this.#correctEveryMs = options.correctEveryMs ?? 20;
    this.#maxLeaseAgeMs = options.maxLeaseAgeMs ?? 15 * 60_000;
    this.#deploymentCounters = options.deploymentCounters ?? (() => []);
    this.#timers.push(
      setInterval(() => {
        this.#housekeeping();
      }, options.housekeepingEveryMs ?? 1000).unref(),
      setInterval(
        () => {
          this.#renewLeases();
        },
        Math.max(1000, Math.floor(this.#leaseTtlMs / 3)),
      ).unref(),
    );
    options.redis.onAvailable(() => {
      this.#housekeeping();
      void this.#flush();
    });
  }

  /** Admissions counted per pod because Redis was away. */
  get localAdmissions(): number {
    return this.#localAdmissions;
  }

  /** Requests decided so far, by how (for metrics). */
  admissions(): RateLimitAdmissions {
    return { script: this.#scriptDecisions, claim: this.claims.admissions, per_pod: this.#localAdmissions };
  }

  /** Live pods last counted (1 until known): the divisor of the per-pod fallback. */
  get pods(): number {
    return this.#pods;
  }

  /**
   * Admits one request against all its limits. Requests that arrive in the same turn of the event loop go to
   * Redis together in one script call (at saturation several do), so the round trip's cost is shared.
   */
  admit(checks: readonly LimitCheck[]): AdmitResult | Promise<AdmitResult> {
    if (!this.#redis.available) return this.#admitLocally(checks);
    if (this.#podsKnown) {
      const claimed = this.claims.admit(checks);
      if (claimed !== undefined) return claimed;
    }
    const parallel = checks.some((check) => check.kind === 'p');
    const lease = parallel ? `${this.podId}:${++this.#leaseSequence}` : '';
    return new Promise((resolve) => {
      if (this.#admissions.push({ checks, lease, resolve }) === 1) setImmediate(this.#sendAdmissions);
    });
  }

  readonly #sendAdmissions = (): void => {
    const pending = this.#admissions;
    this.#admissions = [];
    for (let start = 0; start < pending.length; start += maxRequestsPerCall)
      this.#sendBatch(pending.slice(start, start + maxRequestsPerCall));
  };

  #sendBatch(batch: readonly PendingAdmission[]): void {
    const keys: string[] = [];
    const args: (string | number)[] = [windowMs, this.#leaseTtlMs];
    for (const { checks, lease } of batch) {
      args.push(lease, checks.length);
      for (const check of checks) {
        keys.push(check.key);
        args.push(check.kind, check.limit, check.amount);
      }
    }
    this.#redis.eval(admitScript, keys, args).then(
      (replies) => {
        for (const [index, { checks, lease, resolve }] of batch.entries()) {
          const reply = (replies as (number | string)[][])[index];
          resolve(reply === undefined ? this.#admitLocally(checks) : this.#admitted(reply, checks, lease));
        }
      },
      () => {
        for (const { checks, lease, resolve } of batch) {
          // It may still have run (a timeout): free the slot it may hold once Redis is back.
          if (lease !== '')
            for (const check of checks) if (check.kind === 'p') this.#queue('x', check.key, lease, 0);
          resolve(this.#admitLocally(checks));
        }
      },
    );
  }

  #admitLocally(checks: readonly LimitCheck[]): AdmitResult {
    this.#localAdmissions++;
    return this.local.admit(checks, this.#pods);
  }

  /** Adds the real token count to what was reserved (`delta` may be negative). */
  adjust(where: 'redis' | 'local', key: string, window: number, delta: number): void {
    if (delta === 0) return;
    if (where === 'local') this.local.adjust(key, window, delta);
    else this.#queue('d', key, window, delta);
  }

  release(where: 'redis' | 'local', key: string, lease: string): void {
    if (where === 'local') {
      this.local.release(key);
      return;
    }
    this.#leases.delete(lease);
    this.#queue('x', key, lease, 0);
  }

  /** Gives back the claims, waits for settlements on their way, sends what is waiting and stops the timers. */
  async close(): Promise<void> {
    for (const timer of this.#timers) clearInterval(timer);
    clearTimeout(this.#flushTimer);
    this.#closed = true;
    for (const [id, pending] of this.#pendingOps) if (pending.op === 'q') this.#pendingOps.delete(id);
    this.claims.close();
    await Promise.all(this.#inFlight);
    await this.#flush();
  }

  #admitted(reply: readonly (number | string)[], checks: readonly LimitCheck[], lease: string): AdmitResult {
    this.#scriptDecisions++;
    if (reply[0] !== 1) {
      return {
        ok: false,
        failed: Number(reply[1] ?? 1) - 1,
        retryMs: Number(reply[2] ?? 1000),
        usage: Number(reply[3] ?? 0),
      };
    }
    if (lease !== '')
      for (const check of checks)
        if (check.kind === 'p') this.#leases.set(lease, { key: check.key, at: Date.now() });
    if (this.#podsKnown) this.claims.admittedThroughRedis(checks);
    // A spend counter comes back as a string (a Lua number would be truncated to an integer).
    return {
      ok: true,
      where: 'redis',
      window: Number(reply[1] ?? 0),
      usage: reply.slice(2).map(Number),
      lease,
    };
  }

  /** Adds a request's cost to its key's shared spend counter (local fallback: nothing; the policy has it). */
  addSpend(key: string, cost: number, ttlMs: number): void {
    if (cost > 0) this.#queue('f', key, cost, Math.round(ttlMs));
  }

  /**
   * Queues a settlement. Token adjustments of one counter window and spend of one counter add up, so each goes
   * out once per flush however many requests made it; lease operations go one per lease.
   */
  #queue(op: SettleOp['op'], key: string, a: string | number, b: number): void {
    const id = op === 'f' || op === 'q' ? `${op}\u0000${key}` : `${op}\u0000${key}\u0000${a}`;
    const pending = this.#pendingOps.get(id);
    if (pending !== undefined) {
      if (op === 'd') pending.b += b;
      else if (op === 'f') pending.a = Number(pending.a) + Number(a);
      else if (op === 'q') pending.a = a;
      else pending.b = b;
    } else {
      if (this.#pendingOps.size >= 50_000) {
        // Redis away for long: leases expire by themselves.
        if (op === 'q') this.claims.lost(key);
        return;
      }
      this.#pendingOps.set(id, { op, key, a, b });
    }
    if (this.#closed) return; // close() sends what is queued
    this.#scheduleFlush(op !== 'd' && op !== 'e');
  }

  /**
   * A claim goes out within `settleEveryMs` (it must arrive before the last one runs out), and so do a released
   * slot and spend (other pods admit against them); a correction waits up to `correctEveryMs`, or goes with those.
   */
  #scheduleFlush(soon: boolean): void {
    if (this.#flushTimer !== undefined && (this.#flushSoon || !soon)) return;
    clearTimeout(this.#flushTimer);
    this.#flushSoon = soon;
    this.#flushTimer = setTimeout(
      () => {
        this.#flushTimer = undefined;
        void this.#flush();
      },
      soon ? this.#settleEveryMs : this.#correctEveryMs,
    );
  }

  async #flush(): Promise<void> {
    if (this.#pendingOps.size === 0) return;
    if (!this.#redis.available) {
      if (this.#closed) return; // stopping: the leases expire by themselves
      // Keep them for when Redis is back (bounded by #queue); retry later, and no sooner for a claim or release.
      this.#flushSoon = true;
      this.#flushTimer ??= setTimeout(() => {
        this.#flushTimer = undefined;
        void this.#flush();
      }, 500);
      return;
    }
    const ops = [...this.#pendingOps.values()].filter((pending) => pending.op !== 'd' || pending.b !== 0);
    this.#pendingOps.clear();
    const calls: Promise<void>[] = [];
    const sentAt = Date.now();
    for (let start = 0; start < ops.length; start += maxOpsPerCall) {
      const batch = ops.slice(start, start + maxOpsPerCall);
      calls.push(
        this.#redis
          .eval(
            settleScript,
            batch.map((pending) => pending.key),
            [windowMs, this.#pods, ...batch.flatMap((pending) => [pending.op, pending.a, pending.b])],
          )
          .then(
            (replies) => {
              for (const [index, pending] of batch.entries()) {
                if (pending.op !== 'q') continue;
                const [granted, window, estimate, windowLeftMs] = (replies as number[][])[index] ?? [];
                if (window === undefined) this.claims.lost(pending.key);
                else
                  this.claims.granted(
                    pending.key,
                    granted ?? 0,
                    window,
                    estimate ?? 0,
                    windowLeftMs ?? 0,
                    sentAt,
                  );
              }
            },
            () => {
              for (const pending of batch) if (pending.op === 'q') this.claims.lost(pending.key);
            },
          ),
      );
    }
    const sent = Promise.all(calls).then(() => undefined);
    this.#inFlight.add(sent);
    await sent;
    this.#inFlight.delete(sent);
  }

  #renewLeases(): void {
    const oldest = Date.now() - this.#maxLeaseAgeMs;
    for (const [lease, { key, at }] of this.#leases) {
      if (at < oldest) this.#leases.delete(lease);
      else this.#queue('e', key, lease, this.#leaseTtlMs);
    }
  }

  #housekeeping(): void {
    this.local.sweep();
    this.claims.sweep();
    if (!this.#redis.available) return;
    const counters = this.#deploymentCounters();
    this.#redis.eval(housekeepingScript, [podsKey, ...counters], [windowMs, this.podId, 5000]).then(
      (reply) => {
        const values = reply as number[];
        this.#pods = Math.max(1, values[0] ?? 1);
        this.#podsKnown = true;
        for (const [index, counter] of counters.entries()) {
          const match = /^switchyard:rl:d:(.*):([rt])$/.exec(counter);
          if (match?.[1] === undefined) continue;
          const value = values[index + 1];
          if (match[2] === 'r') this.usage.record(match[1], value, undefined);
          else this.usage.record(match[1], undefined, value);
        }
      },
      () => undefined,
    );
  }
}
