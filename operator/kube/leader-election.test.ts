import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KubeApiError } from './api-error.ts';
import { LeaderElector } from './leader-election.ts';
import type { LeaderElectorOptions } from './leader-election.ts';
import type { LeaseRecord } from './lease-decision.ts';
import type { LeaseStore, StoredLease } from './lease-store.ts';

/** One Lease in memory, with the apiserver's optimistic concurrency; `down` makes every call fail. */
class MemoryLease {
  lease: StoredLease | undefined;
  down = false;
  private version = 0;

  store(): LeaseStore {
    return {
      get: () => this.call(() => this.lease),
      create: (record) =>
        this.call(() => {
          if (this.lease) throw new KubeApiError(409, 'AlreadyExists', 'exists');
          return this.write(record);
        }),
      update: (record, resourceVersion) =>
        this.call(() => {
          if (this.lease?.resourceVersion !== resourceVersion)
            throw new KubeApiError(409, 'Conflict', 'conflict');
          return this.write(record);
        }),
    };
  }

  get holder(): string | undefined {
    return this.lease?.record.holderIdentity;
  }

  private write(record: LeaseRecord): StoredLease {
    this.version += 1;
    this.lease = { record, resourceVersion: String(this.version) };
    return this.lease;
  }

  private async call<T>(fn: () => T): Promise<T> {
    await Promise.resolve();
    if (this.down) throw new Error('connect ECONNREFUSED');
    return fn();
  }
}

function elector(lease: MemoryLease, identity: string, extra: Partial<LeaderElectorOptions> = {}) {
  const log: string[] = [];
  const e = new LeaderElector({
    store: lease.store(),
    identity,
    onStartedLeading: () => log.push('started'),
    onStoppedLeading: () => void log.push('stopped'),
    ...extra,
  });
  return { e, log, run: e.run() };
}

describe('LeaderElector', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('gives the Lease to exactly one of two electors', async () => {
    const lease = new MemoryLease();
    const a = elector(lease, 'a');
    const b = elector(lease, 'b');
    await vi.advanceTimersByTimeAsync(30_000);
    expect([a.e.isLeader, b.e.isLeader].filter(Boolean)).toHaveLength(1);
    expect(lease.holder).toBe(a.e.isLeader ? 'a' : 'b');
    expect(a.e.currentLeader).toBe(lease.holder);
    expect(b.e.currentLeader).toBe(lease.holder);
    await a.e.stop();
    await b.e.stop();
  });

  it('hands over within one retry period when the leader stops gracefully', async () => {
    const lease = new MemoryLease();
    const a = elector(lease, 'a');
    await vi.advanceTimersByTimeAsync(0);
    expect(a.e.isLeader).toBe(true);
    const b = elector(lease, 'b');
    await vi.advanceTimersByTimeAsync(20_000);
    expect(b.e.isLeader).toBe(false);

    await a.e.stop();
    expect(await a.run).toBe('stopped');
    expect(a.log).toEqual(['started', 'stopped']);
    expect(lease.holder).toBe('');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(b.e.isLeader).toBe(true);
    expect(lease.lease?.record.leaseTransitions).toBe(1);
    await b.e.stop();
  });

  it('takes over only after the lease duration when the leader vanished without releasing', async () => {
    const lease = new MemoryLease();
    lease.lease = {
      resourceVersion: '7',
      record: { holderIdentity: 'dead', leaseDurationSeconds: 15, renewTime: '2026-01-01T00:00:00.000000Z' },
    };
    const b = elector(lease, 'b');
    await vi.advanceTimersByTimeAsync(14_000);
    expect(b.e.isLeader).toBe(false);
    await vi.advanceTimersByTimeAsync(4_000);
    expect(b.e.isLeader).toBe(true);
    await b.e.stop();
  });

  it('stops leading when it cannot renew within the renew deadline, and does not release', async () => {
    const lease = new MemoryLease();
    let signal: AbortSignal | undefined;
    const a = elector(lease, 'a', { onStartedLeading: (s) => (signal = s) });
    await vi.advanceTimersByTimeAsync(0);
    expect(a.e.isLeader).toBe(true);
    lease.down = true;
    await vi.advanceTimersByTimeAsync(9_000);
    expect(a.e.isLeader).toBe(true); // still inside the 10 s deadline
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a.e.isLeader).toBe(false);
    expect(signal?.aborted).toBe(true);
    expect(await a.run).toBe('lost');
    expect(a.log).toEqual(['stopped']);
    expect(lease.holder).toBe('a'); // not released: it could not write anyway
  });

  it('stops leading at once when another holder took the Lease', async () => {
    const lease = new MemoryLease();
    const a = elector(lease, 'a');
    await vi.advanceTimersByTimeAsync(0);
    const current = lease.lease;
    if (!current) throw new Error('no lease');
    lease.lease = { resourceVersion: '99', record: { ...current.record, holderIdentity: 'intruder' } };
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await a.run).toBe('lost');
    expect(lease.holder).toBe('intruder');
  });

  it('counts a renewal stuck past the deadline as failed', async () => {
    const lease = new MemoryLease();
    const store = lease.store();
    let hang = false;
    const a = elector(lease, 'a', {
      store: {
        ...store,
        get: () => (hang ? new Promise<never>(() => undefined) : store.get()),
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    hang = true;
    await vi.advanceTimersByTimeAsync(12_000);
    expect(await a.run).toBe('lost');
  });

  it('awaits onStoppedLeading before releasing, so the next leader cannot overlap', async () => {
    const lease = new MemoryLease();
    let holderWhenStopped: string | undefined;
    const a = elector(lease, 'a', {
      onStoppedLeading: async () => {
        await new Promise((resolve) => setTimeout(resolve, 500));
        holderWhenStopped = lease.holder;
      },
    });
    await vi.advanceTimersByTimeAsync(0);
    const stopped = a.e.stop();
    await vi.advanceTimersByTimeAsync(1_000);
    await stopped;
    expect(holderWhenStopped).toBe('a');
    expect(lease.holder).toBe('');
  });

  it('refuses timings that would let two leaders overlap', () => {
    const lease = new MemoryLease();
    expect(
      () =>
        new LeaderElector({
          store: lease.store(),
          identity: 'a',
          leaseDurationMs: 10_000,
          renewDeadlineMs: 10_000,
          onStartedLeading: () => undefined,
          onStoppedLeading: () => undefined,
        }),
    ).toThrow(/shorter/);
  });
});
