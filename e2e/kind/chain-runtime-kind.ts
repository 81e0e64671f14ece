// The whole chain in kind: the migration Job and the gateway Deployment run as the real pods the operator
// rendered, from the image built from this checkout, against a PostgreSQL and a Redis deployed in the cluster
// under the Service names and credentials of the Secrets (nothing overridden), and the kubelet mounts and
// updates their files. The test reaches the gateway, PostgreSQL and Redis through kubectl port-forward.
import pg from 'pg';
import { waitFor } from '../cluster/control-plane.ts';
import type { TestCluster } from '../cluster/test-cluster.ts';
import type {
  ChainDependencies,
  ChainRuntime,
  GatewayProcessState,
  WorkloadJson,
} from '../operator/chain-runtime.ts';
import { deployPostgres, deployRedis, postgresSpecFromUrl, serviceOfHost } from './in-cluster-services.ts';
import { portForward } from './port-forward.ts';
import type { PortForward } from './port-forward.ts';

interface PodJson {
  metadata: { name: string; uid: string; deletionTimestamp?: string };
  status?: {
    phase?: string;
    conditions?: { type: string; status: string }[];
    containerStatuses?: { name: string; restartCount: number; state?: { running?: object } }[];
  };
}

export async function startKindChainRuntime(
  cluster: TestCluster,
  dependencies: ChainDependencies,
): Promise<ChainRuntime> {
  const { namespace } = dependencies;
  const database = postgresSpecFromUrl(dependencies.databaseUrl, namespace);
  const redisService = serviceOfHost(dependencies.redis.host, namespace);
  const forwards: PortForward[] = [];
  const forward = async (ns: string, target: string, port: number): Promise<PortForward> => {
    const opened = await portForward(cluster, ns, target, port);
    forwards.push(opened);
    return opened;
  };
  const closeAll = async () => {
    await Promise.allSettled(forwards.map((each) => each.close()));
  };
  try {
    for (const ns of new Set([database.namespace, redisService.namespace]))
      await cluster.kubectl(
        ['apply', '-f', '-'],
        JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } }),
      );
    const postgresService = await deployPostgres(cluster, database);
    const redis = await deployRedis(cluster, {
      ...redisService,
      port: dependencies.redis.port,
      password: dependencies.redis.password,
    });
    const postgresForward = await forward(
      postgresService.namespace,
      `svc/${postgresService.name}`,
      postgresService.port,
    );
    const redisForward = await forward(redis.namespace, `svc/${redis.name}`, redis.port);
    let gatewayPod: string | undefined;

    const podJson = async (name: string): Promise<PodJson> =>
      JSON.parse(await cluster.kubectl(['get', 'pod', name, '-n', namespace, '-o', 'json'])) as PodJson;

    return {
      // The kubelet refreshes mounted ConfigMaps and Secrets at its next sync of the pod (about a minute).
      propagationTimeoutMs: 180_000,

      async runMigration(job: WorkloadJson): Promise<void> {
        // The pod runs `migrate` against the in-cluster PostgreSQL; this waits until it exited 0.
        await cluster.completeJobPods(namespace, job.metadata.name, 'Succeeded');
      },

      async startGateway(deployment: WorkloadJson): Promise<string> {
        const selector = Object.entries(deployment.spec.selector?.matchLabels ?? {})
          .map(([key, value]) => `${key}=${value}`)
          .join(',');
        const pod = await waitFor(
          `a Ready pod of deployment ${namespace}/${deployment.metadata.name}`,
          async () => {
            const { items } = JSON.parse(
              await cluster.kubectl(['get', 'pods', '-n', namespace, '-l', selector, '-o', 'json']),
            ) as { items: PodJson[] };
            return items.find(
              (candidate) =>
                candidate.metadata.deletionTimestamp === undefined &&
                candidate.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
            );
          },
          { timeoutMs: 180_000, intervalMs: 1_000 },
        ).catch(async (error: unknown) => {
          const described = await cluster
            .kubectl(['describe', 'pods', '-n', namespace, '-l', selector])
            .catch((failure: unknown) => String(failure));
          throw new Error(`${String(error)}\n${described.slice(-4000)}`, { cause: error });
        });
        gatewayPod = pod.metadata.name;
        // Through the Service, as the key's base URL goes: its port, then the container's named port.
        const service = JSON.parse(
          await cluster.kubectl(['get', 'service', deployment.metadata.name, '-n', namespace, '-o', 'json']),
        ) as { spec: { ports: { port: number }[] } };
        const apiPort = service.spec.ports[0]?.port ?? 4000;
        const api = await forward(namespace, `svc/${deployment.metadata.name}`, apiPort);
        return `http://127.0.0.1:${api.port}`;
      },

      // The kubelet does it: nothing to do but wait (propagationTimeoutMs).
      syncVolumes: () => Promise.resolve(),

      async gatewayProcess(): Promise<GatewayProcessState> {
        if (gatewayPod === undefined) throw new Error('no gateway running');
        const pod = await podJson(gatewayPod);
        const status = pod.status?.containerStatuses?.find((each) => each.name === 'gateway');
        const log = await cluster.kubectl(['logs', gatewayPod, '-n', namespace, '-c', 'gateway']);
        return {
          id: `${pod.metadata.uid} restarts=${String(status?.restartCount ?? -1)}`,
          running: pod.status?.phase === 'Running' && status?.state?.running !== undefined,
          log,
        };
      },

      async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
        const client = new pg.Client({
          host: '127.0.0.1',
          port: postgresForward.port,
          user: database.user,
          password: database.password,
          database: database.database,
        });
        await client.connect();
        try {
          return (await client.query<T>(sql, params)).rows;
        } finally {
          await client.end();
        }
      },

      redisAddress: () => ({ host: '127.0.0.1', port: redisForward.port }),

      // The pods, PostgreSQL and Redis go with the namespaces when the cluster handle stops.
      stop: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
