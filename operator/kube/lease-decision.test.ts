import { describe, expect, it } from 'vitest';
import { decide, microTime, observe, releasedRecord } from './lease-decision.ts';
import type { LeaseRecord } from './lease-decision.ts';

const base = { identity: 'me', leaseDurationMs: 15_000 };
const held: LeaseRecord = {
  holderIdentity: 'other',
  leaseDurationSeconds: 15,
  acquireTime: microTime(0),
  renewTime: microTime(0),
  leaseTransitions: 3,
};

describe('lease decisions', () => {
  it('creates a missing Lease, holding it', () => {
    const decision = decide({ ...base, current: undefined, observed: undefined, now: 1_000 });
    expect(decision).toEqual({
      action: 'create',
      record: {
        holderIdentity: 'me',
        leaseDurationSeconds: 15,
        acquireTime: '1970-01-01T00:00:01.000000Z',
        renewTime: '1970-01-01T00:00:01.000000Z',
        leaseTransitions: 0,
      },
    });
  });

  it('renews its own Lease, keeping acquireTime and transitions', () => {
    const mine = { ...held, holderIdentity: 'me' };
    const decision = decide({ ...base, current: mine, observed: undefined, now: 5_000 });
    expect(decision.action).toBe('renew');
    if (decision.action !== 'renew') return;
    expect(decision.record).toMatchObject({
      acquireTime: microTime(0),
      renewTime: microTime(5_000),
      leaseTransitions: 3,
    });
  });

  it('waits for a Lease another replica holds, timed from when it was observed, not from its times', () => {
    // renewTime says 0, but we first saw it at 100 s: the holder's clock may be off.
    const observed = observe(undefined, held, 100_000);
    const decision = decide({ ...base, current: held, observed, now: 110_000 });
    expect(decision).toEqual({ action: 'wait', holder: 'other', expiresInMs: 5_000 });
  });

  it('takes over a Lease that was not renewed within its duration', () => {
    const observed = observe(undefined, held, 100_000);
    const decision = decide({
      ...base,
      current: held,
      observed: observe(observed, held, 115_000),
      now: 115_000,
    });
    expect(decision.action).toBe('acquire');
    if (decision.action !== 'acquire') return;
    expect(decision.record).toMatchObject({
      holderIdentity: 'me',
      leaseTransitions: 4,
      acquireTime: microTime(115_000),
    });
  });

  it('restarts the wait when the holder renews', () => {
    const first = observe(undefined, held, 100_000);
    const renewed = { ...held, renewTime: microTime(110_000) };
    const second = observe(first, renewed, 110_000);
    expect(second.observedAt).toBe(110_000);
    expect(decide({ ...base, current: renewed, observed: second, now: 120_000 })).toMatchObject({
      action: 'wait',
      expiresInMs: 5_000,
    });
  });

  it('takes a released Lease at once', () => {
    const released = releasedRecord(held, 50_000);
    expect(released).toMatchObject({ holderIdentity: '', leaseDurationSeconds: 1, leaseTransitions: 3 });
    const observed = observe(undefined, released, 50_100);
    expect(decide({ ...base, current: released, observed, now: 50_100 }).action).toBe('acquire');
  });

  it('writes MicroTime with six fractional digits', () => {
    expect(microTime(Date.parse('2026-03-04T05:06:07.891Z'))).toBe('2026-03-04T05:06:07.891000Z');
  });
});
