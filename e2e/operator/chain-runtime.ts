// How the whole-chain suite runs the pods the operator rendered. On the local control plane pods never run,
// so their containers run here as processes and the kubelet's part (env from Secrets, volume files, their
// atomic updates) is done by local-pod.ts, against a PostgreSQL and a Redis on loopback. In kind the pods are
// real, against a PostgreSQL and a Redis deployed in the cluster under the names the Secrets give.
import type pg from 'pg';
import type { TestCluster } from '../cluster/test-cluster.ts';
import { startKindChainRuntime } from '../kind/chain-runtime-kind.ts';
import { startLocalChainRuntime } from './chain-runtime-local.ts';
import type { PodSpecJson } from './local-pod.ts';

/** A Job or a Deployment as read back from the apiserver. */
export interface WorkloadJson {
  metadata: { name: string; namespace?: string; annotations?: Record<string, string> };
  spec: {
    selector?: { matchLabels?: Record<string, string> };
    template: { metadata?: { annotations?: Record<string, string> }; spec: PodSpecJson };
  };
}

/** What the gateway's Secrets point at: the runtime provides them, here or in the cluster. */
export interface ChainDependencies {
  readonly namespace: string;
  /** The Secret's DATABASE_URL (a Service of the cluster). */
  readonly databaseUrl: string;
  /** The LLMGateway's Redis host and port (a Service of the cluster) and the Secret's password. */
  readonly redis: { readonly host: string; readonly port: number; readonly password: string };
}

/** The running gateway, as far as "is it the same process" goes. */
export interface GatewayProcessState {
  /** The pid here, or the pod's uid and restart count. */
  readonly id: string;
  readonly running: boolean;
  readonly log: string;
}

export interface ChainRuntime {
  /** How long a changed ConfigMap or Secret may take to reach the running gateway's files. */
  readonly propagationTimeoutMs: number;
  /** Runs the migration Job's container to a successful exit: here with its args and env, or as its pod. */
  runMigration(job: WorkloadJson): Promise<void>;
  /** Runs the Deployment's gateway until ready; resolves to its API's base URL as seen from here. */
  startGateway(deployment: WorkloadJson): Promise<string>;
  /** The kubelet's resync of the pod's volumes after the operator changed them. */
  syncVolumes(): Promise<void>;
  gatewayProcess(): Promise<GatewayProcessState>;
  /** A query on the gateway's PostgreSQL, from here. */
  query<T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<T[]>;
  /** The gateway's Redis, as reachable from here. */
  redisAddress(): { host: string; port: number };
  /** Stops the gateway (SIGTERM; rejects unless it exited 0 where that can be seen) and what was started. */
  stop(): Promise<void>;
}

export function startChainRuntime(
  cluster: TestCluster,
  dependencies: ChainDependencies,
): Promise<ChainRuntime> {
  return cluster.runsContainers
    ? startKindChainRuntime(cluster, dependencies)
    : startLocalChainRuntime(cluster, dependencies);
}
