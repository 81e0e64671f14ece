/**
 * The pure part of Lease-based leader election (client-go's leaderelection, simplified): what to do
 * with the Lease as read, given who we are and when we last saw it change. Expiry is judged on our
 * own clock from when we observed the record change, never from the times written in it, so clock
 * skew between replicas does not matter.
 */
export interface LeaseRecord {
  readonly holderIdentity?: string | undefined;
  readonly leaseDurationSeconds?: number | undefined;
  readonly acquireTime?: string | undefined;
  readonly renewTime?: string | undefined;
  readonly leaseTransitions?: number | undefined;
}

/** A record and when (our clock, ms) it was first seen in this form. */
export interface Observation {
  readonly record: LeaseRecord;
  readonly observedAt: number;
}

export type LeaseDecision =
  | { readonly action: 'create' | 'renew' | 'acquire'; readonly record: LeaseRecord }
  | { readonly action: 'wait'; readonly holder: string; readonly expiresInMs: number };

export interface DecideInput {
  /** The Lease as read now; undefined when it does not exist. */
  readonly current: LeaseRecord | undefined;
  /** What we knew before this read, to date the current record. */
  readonly observed: Observation | undefined;
  readonly identity: string;
  readonly now: number;
  readonly leaseDurationMs: number;
}

export function decide({ current, observed, identity, now, leaseDurationMs }: DecideInput): LeaseDecision {
  const leaseDurationSeconds = Math.ceil(leaseDurationMs / 1000);
  const stamp = microTime(now);
  if (!current) {
    return {
      action: 'create',
      record: {
        holderIdentity: identity,
        leaseDurationSeconds,
        acquireTime: stamp,
        renewTime: stamp,
        leaseTransitions: 0,
      },
    };
  }
  const holder = current.holderIdentity ?? '';
  if (holder === identity) {
    return { action: 'renew', record: { ...current, leaseDurationSeconds, renewTime: stamp } };
  }
  if (holder !== '') {
    const since = observe(observed, current, now).observedAt;
    const expiresInMs = since + (current.leaseDurationSeconds ?? leaseDurationSeconds) * 1000 - now;
    if (expiresInMs > 0) return { action: 'wait', holder, expiresInMs };
  }
  // Released (no holder) or expired: take it over.
  return {
    action: 'acquire',
    record: {
      holderIdentity: identity,
      leaseDurationSeconds,
      acquireTime: stamp,
      renewTime: stamp,
      leaseTransitions: (current.leaseTransitions ?? 0) + 1,
    },
  };
}

/** Dates `current`: kept from `previous` while the record is unchanged, else now. */
export function observe(previous: Observation | undefined, current: LeaseRecord, now: number): Observation {
  if (previous && sameRecord(previous.record, current)) return previous;
  return { record: current, observedAt: now };
}

/**
 * What a leader writes when it steps down gracefully: no holder, and a 1 s duration for electors
 * that only look at the times, so a standby takes over at its next retry instead of after expiry.
 */
export function releasedRecord(current: LeaseRecord, now: number): LeaseRecord {
  const stamp = microTime(now);
  return {
    holderIdentity: '',
    leaseDurationSeconds: 1,
    acquireTime: stamp,
    renewTime: stamp,
    leaseTransitions: current.leaseTransitions ?? 0,
  };
}

function sameRecord(a: LeaseRecord, b: LeaseRecord): boolean {
  return (
    a.holderIdentity === b.holderIdentity &&
    a.renewTime === b.renewTime &&
    a.acquireTime === b.acquireTime &&
    a.leaseTransitions === b.leaseTransitions
  );
}

/**
 * metav1.MicroTime: RFC 3339 with exactly six fractional digits. The apiserver rejects the three
 * that Date#toISOString gives, which is what client-node sends for a plain Date.
 */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/Z$/, '000Z');
}
