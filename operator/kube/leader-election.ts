import { sleep, systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import { decide, observe, releasedRecord } from './lease-decision.ts';
import type { Observation } from './lease-decision.ts';
import type { LeaseStore } from './lease-store.ts';

export interface LeaderElectorOptions {
  readonly store: LeaseStore;
  /** Unique per replica: the pod name. */
  readonly identity: string;
  /** How long a standby waits after the last renewal it saw. Default 15 s. */
  readonly leaseDurationMs?: number;
  /** A leader that could not renew for this long stops leading. Default 10 s (< lease duration). */
  readonly renewDeadlineMs?: number;
  /** Between attempts, to acquire or to renew. Default 2 s. */
  readonly retryPeriodMs?: number;
  readonly clock?: Clock;
  /** Start the controllers; `signal` aborts the moment leadership ends. */
  readonly onStartedLeading: (signal: AbortSignal) => void;
  /** Stop the controllers (awaited before a graceful release, so two leaders never overlap). */
  readonly onStoppedLeading: () => void | Promise<void>;
  readonly onNewLeader?: (identity: string) => void;
  /** A failed attempt (for logs); the election carries on. */
  readonly onError?: (error: unknown) => void;
}

export type ElectionEnd = 'stopped' | 'lost';

type Attempt = 'held' | 'not-held' | 'error';

/**
 * Leader election on a coordination.k8s.io Lease with optimistic concurrency. `run()` campaigns,
 * leads, and resolves when leadership ends: 'lost' when renewal failed for renewDeadline or another
 * holder appeared (the caller should exit: its caches and queues belong to a leader), 'stopped' after
 * `stop()`, which releases the Lease so the standby takes over at its next retry.
 */
export class LeaderElector {
  private readonly options: LeaderElectorOptions;
  private readonly clock: Clock;
  private readonly leaseDurationMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryPeriodMs: number;
  private readonly stopping = new AbortController();
  private observed: Observation | undefined;
  private resourceVersion: string | undefined;
  private leader: string | undefined;
  private leading = false;
  private running: Promise<ElectionEnd> | undefined;

  constructor(options: LeaderElectorOptions) {
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.leaseDurationMs = options.leaseDurationMs ?? 15_000;
    this.renewDeadlineMs = options.renewDeadlineMs ?? 10_000;
    this.retryPeriodMs = options.retryPeriodMs ?? 2_000;
    if (!(this.renewDeadlineMs < this.leaseDurationMs)) {
      throw new Error('renewDeadline must be shorter than leaseDuration, or two leaders could overlap');
    }
    if (!(this.retryPeriodMs < this.renewDeadlineMs))
      throw new Error('retryPeriod must be shorter than renewDeadline');
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The holder last seen on the Lease ('' when released). */
  get currentLeader(): string | undefined {
    return this.leader;
  }

  run(): Promise<ElectionEnd> {
    this.running ??= this.campaign();
    return this.running;
  }

  /** Stops campaigning or leading; when leading, stops the controllers, then releases the Lease. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.running;
  }

  private async campaign(): Promise<ElectionEnd> {
    while (!this.stopRequested() && (await this.attempt()) !== 'held') await this.sleep(this.retryPeriodMs);
    if (this.stopRequested()) return 'stopped';

    const leadership = new AbortController();
    this.leading = true;
    this.options.onStartedLeading(leadership.signal);
    let lastRenew = this.clock.now();
    let end: ElectionEnd = 'stopped';
    for (;;) {
      await this.sleep(this.retryPeriodMs);
      if (this.stopRequested()) break;
      const remaining = lastRenew + this.renewDeadlineMs - this.clock.now();
      const result = remaining > 0 ? await this.withDeadline(this.attempt(), remaining) : 'error';
      if (this.stopRequested() && result !== 'not-held') break;
      if (result === 'held') {
        lastRenew = this.clock.now();
        continue;
      }
      // Someone else holds it, or the deadline passed: they may act already, so stop at once.
      if (result === 'not-held' || this.clock.now() - lastRenew >= this.renewDeadlineMs) {
        end = 'lost';
        break;
      }
    }
    this.leading = false;
    leadership.abort(new Error(`leadership ${end}`));
    await this.options.onStoppedLeading();
    if (end === 'stopped') await this.release();
    return end;
  }

  /** One read and, if it is ours to take or keep, one write. */
  private async attempt(): Promise<Attempt> {
    const { store, identity } = this.options;
    try {
      const current = await store.get();
      const now = this.clock.now();
      if (current) {
        this.observed = observe(this.observed, current.record, now);
        this.resourceVersion = current.resourceVersion;
        this.seeLeader(current.record.holderIdentity ?? '');
      }
      const decision = decide({
        current: current?.record,
        observed: this.observed,
        identity,
        now,
        leaseDurationMs: this.leaseDurationMs,
      });
      if (decision.action === 'wait') return 'not-held';
      const written =
        decision.action === 'create'
          ? await store.create(decision.record)
          : await store.update(decision.record, current?.resourceVersion ?? '');
      this.observed = { record: written.record, observedAt: this.clock.now() };
      this.resourceVersion = written.resourceVersion;
      this.seeLeader(identity);
      return 'held';
    } catch (error) {
      // A conflict means another replica wrote first: the next read tells who.
      this.options.onError?.(error);
      return 'error';
    }
  }

  private async release(): Promise<void> {
    const { store, identity } = this.options;
    if (this.observed?.record.holderIdentity !== identity || this.resourceVersion === undefined) return;
    try {
      await store.update(releasedRecord(this.observed.record, this.clock.now()), this.resourceVersion);
    } catch (error) {
      // Someone took it already, or the apiserver is away: the lease then simply expires.
      this.options.onError?.(error);
    }
  }

  private seeLeader(holder: string): void {
    if (holder === this.leader) return;
    this.leader = holder;
    if (holder) this.options.onNewLeader?.(holder);
  }

  /** A call, not a property read, so that TypeScript does not narrow it across awaits. */
  private stopRequested(): boolean {
    return this.stopping.signal.aborted;
  }

  /** Waits `ms`, or less when stop() is called. */
  private sleep(ms: number): Promise<void> {
    return sleep(this.clock, ms, this.stopping.signal);
  }

  /** A renewal stuck past the deadline counts as failed (the request itself is left to finish). */
  private withDeadline(attempt: Promise<Attempt>, ms: number): Promise<Attempt> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        resolve('error');
      }, ms);
      void attempt.then((result) => {
        this.clock.clearTimeout(timer);
        resolve(result);
      });
    });
  }
}
