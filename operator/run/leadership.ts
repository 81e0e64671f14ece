import type { KubeConnection } from '../kube/kube-connection.ts';
import type { Logger } from 'pino';
import { describeKubeError } from '../kube/api-error.ts';
import { LeaderElector } from '../kube/leader-election.ts';
import { kubeLeaseStore } from '../kube/lease-store.ts';
import { countingLeaseStore } from './counting.ts';
import type { OperatorMetrics } from './metrics.ts';

export const leaseName = 'switchyard-operator';

export interface LeadershipOptions {
  readonly elect: boolean;
  readonly kubeConfig: KubeConnection;
  readonly leaseNamespace: string;
  readonly identity: string;
  readonly metrics: OperatorMetrics;
  readonly log: Logger;
  /** Start acting (the work queue). */
  readonly onLead: () => void;
  /** Stop acting, before the Lease is released: two leaders must never overlap. */
  readonly onStop: () => Promise<void>;
}

export interface Leadership {
  /** Resolves when another replica took the Lease or renewal failed past its deadline. */
  readonly lost: Promise<void>;
  /** Stops acting and, when leading, releases the Lease so a standby takes over at once. */
  stop(): Promise<void>;
}

/**
 * Who acts: with election, whoever holds the `switchyard-operator` Lease (the others keep their caches
 * warm and wait); without, this process, at once.
 */
export function startLeadership(options: LeadershipOptions): Leadership {
  const { metrics, log } = options;
  if (!options.elect) {
    metrics.leader.set(1);
    options.onLead();
    return { lost: new Promise(() => undefined), stop: options.onStop };
  }
  const store = countingLeaseStore(
    kubeLeaseStore(options.kubeConfig, options.leaseNamespace, leaseName),
    () => {
      metrics.leaseWrites.inc();
    },
  );
  const elector = new LeaderElector({
    store,
    identity: options.identity,
    onStartedLeading: () => {
      metrics.leader.set(1);
      log.info({ identity: options.identity }, 'leading');
      options.onLead();
    },
    onStoppedLeading: async () => {
      metrics.leader.set(0);
      await options.onStop();
    },
    onNewLeader: (identity) => {
      log.info({ leader: identity }, 'leader seen');
    },
    onError: (error) => {
      log.debug({ err: describeKubeError(error) }, 'leader election attempt failed');
    },
  });
  const lost = elector.run().then((end) => (end === 'lost' ? undefined : new Promise<void>(() => undefined)));
  return {
    lost,
    stop: () => elector.stop(),
  };
}
