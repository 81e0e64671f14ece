// The whole chain with the local control plane, where pods never run: the migration Job's container and the
// Deployment's container run here as processes with exactly the args, env (Secret refs resolved from the
// Secrets read back) and volume files (laid out and swapped the way the kubelet does) the operator rendered,
// against a real PostgreSQL and a real Redis on loopback.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startPostgresServer } from '../../gateway/test-support/postgres-server.ts';
import type { PostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { startRedisServer } from '../../gateway/test-support/redis-server.ts';
import type { RedisServer } from '../../gateway/test-support/redis-server.ts';
import { waitFor } from '../cluster/control-plane.ts';
import type { TestCluster } from '../cluster/test-cluster.ts';
import type { ChainDependencies, ChainRuntime, WorkloadJson } from './chain-runtime.ts';
import { getJson, repoRoot } from './fixtures.ts';
import type { ResourceJson } from './fixtures.ts';
import {
  mapMountedPaths,
  resolveEnv,
  runNode,
  underRoot,
  volumeFiles,
  writeAtomically,
} from './local-pod.ts';
import type { ContainerJson, LocalProcess, PodSpecJson, SecretJson, VolumeJson } from './local-pod.ts';
import { freePort } from './operator-process.ts';

/** The image's ENTRYPOINT is `node dist/gateway/cli.js`: from a checkout, the same program's source. */
const GATEWAY_CLI = join(repoRoot, 'gateway/cli.ts');

/** The image's own ENV (Dockerfile.gateway), beneath the pod's env as in a container. */
function imageEnv(): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    SWITCHYARD_DATA_DIR: '/tmp/switchyard',
  };
}

export async function startLocalChainRuntime(
  cluster: TestCluster,
  dependencies: ChainDependencies,
): Promise<ChainRuntime> {
  const { namespace } = dependencies;
  /** Stands for the pod's filesystem: each mount is written at its mountPath below it. */
  const root = mkdtempSync(join(tmpdir(), 'switchyard-chain-pod-'));
  let postgres: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  const started = await Promise.allSettled([
    startPostgresServer().then((value) => (postgres = value)),
    startRedisServer().then((value) => (redis = value)),
  ]);
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined || postgres === undefined || redis === undefined) {
    await Promise.allSettled([postgres?.destroy(), redis?.destroy()]);
    rmSync(root, { recursive: true, force: true });
    throw failed?.reason ?? new Error('PostgreSQL or Redis did not start');
  }
  const database: PostgresServer = postgres;
  const cache: RedisServer = redis;
  // The Secret's Redis password, required by the real server, so REDIS_PASSWORD is exercised too.
  const admin = new Redis({ host: '127.0.0.1', port: cache.port, lazyConnect: true });
  await admin.connect();
  await admin.config('SET', 'requirepass', dependencies.redis.password);
  admin.disconnect();

  let gateway: LocalProcess | undefined;
  let pod: PodSpecJson | undefined;
  let container: ContainerJson | undefined;

  const secretsByName = async (): Promise<Map<string, SecretJson>> => {
    const { items } = await getJson<{ items: SecretJson[] }>(cluster, 'secrets', '-n', namespace);
    return new Map(items.map((secret) => [secret.metadata.name, secret]));
  };
  const configMapsByName = async (): Promise<Map<string, ResourceJson>> => {
    const { items } = await getJson<{ items: ResourceJson[] }>(cluster, 'configmaps', '-n', namespace);
    return new Map(items.map((configMap) => [configMap.metadata.name, configMap]));
  };

  /**
   * Writes one volume of the pod as the kubelet does (atomic swap of the whole payload). One rewrite, in
   * the ConfigMap's files only: its `file:/etc/switchyard/credentials/...` references are absolute paths in
   * the pod's mount namespace, which a local process does not have, so that one prefix is moved under
   * `root`; nothing else in the file is touched.
   */
  const materialize = (
    volume: VolumeJson,
    configMaps: Map<string, ResourceJson>,
    secrets: Map<string, SecretJson>,
  ): void => {
    const mounts = container?.volumeMounts ?? [];
    const mount = mounts.find((candidate) => candidate.name === volume.name);
    if (mount === undefined) return;
    const credentialsMount = mounts.find((candidate) => candidate.name === 'credentials')?.mountPath;
    const files = volumeFiles(volume, configMaps, secrets);
    if (volume.configMap !== undefined && credentialsMount !== undefined) {
      for (const [name, content] of Object.entries(files)) {
        files[name] = Buffer.from(
          content
            .toString('utf8')
            .replaceAll(`file:${credentialsMount}/`, `file:${underRoot(root, credentialsMount)}/`),
        );
      }
    }
    writeAtomically(underRoot(root, mount.mountPath), files);
  };

  return {
    propagationTimeoutMs: 90_000,

    async runMigration(job: WorkloadJson): Promise<void> {
      const [migrate] = job.spec.template.spec.containers;
      if (migrate === undefined) throw new Error('the Job has no container');
      const env = resolveEnv(migrate.env ?? [], await secretsByName());
      const migration = runNode(
        GATEWAY_CLI,
        migrate.args ?? [],
        {
          ...mapMountedPaths({ ...imageEnv(), ...env }, migrate.volumeMounts ?? [], root),
          // The Secret's URL names a Service of the cluster, which does not resolve here: the real server.
          DATABASE_URL: database.url,
        },
        root,
      );
      const code = await migration.exited;
      if (code !== 0) throw new Error(`the migration exited with ${code}:\n${migration.output()}`);
      // What the kubelet would report for the container that just exited 0.
      await cluster.completeJobPods(namespace, job.metadata.name, 'Succeeded');
    },

    async startGateway(deployment: WorkloadJson): Promise<string> {
      pod = deployment.spec.template.spec;
      container = pod.containers.find((candidate) => candidate.name === 'gateway');
      if (container === undefined) throw new Error('no gateway container');
      const configMaps = await configMapsByName();
      const secrets = await secretsByName();
      const env = resolveEnv(container.env ?? [], secrets);
      for (const volume of pod.volumes ?? []) materialize(volume, configMaps, secrets);
      const apiPort = await freePort();
      const healthPort = await freePort();
      const running = runNode(
        GATEWAY_CLI,
        container.args ?? [],
        {
          ...mapMountedPaths({ ...imageEnv(), ...env }, container.volumeMounts ?? [], root),
          // The cluster's Service names do not resolve here: the real PostgreSQL and Redis on loopback.
          DATABASE_URL: database.url,
          REDIS_HOST: '127.0.0.1',
          REDIS_PORT: String(cache.port),
          // A pod has its own network namespace, so its 4000/4001 cannot collide; here they would.
          HOST: '127.0.0.1',
          PORT: String(apiPort),
          SEPARATE_HEALTH_PORT: String(healthPort),
        },
        root,
      );
      gateway = running;
      // A gateway that exits (a config or env it refuses) fails the wait at once, with its log.
      const exited = new AbortController();
      void running.exited.then((code) => {
        exited.abort(new Error(`the gateway exited with ${code}`));
      });
      await waitFor(
        'the gateway to be ready',
        async () => {
          const response = await fetch(`http://127.0.0.1:${healthPort}/health/readiness`);
          return response.status === 200 ? true : undefined;
        },
        { timeoutMs: 60_000, intervalMs: 200, signal: exited.signal },
      ).catch((error: unknown) => {
        throw new Error(`${String(error)}\n${running.output().slice(-4000)}`);
      });
      return `http://127.0.0.1:${apiPort}`;
    },

    async syncVolumes(): Promise<void> {
      if (pod === undefined) throw new Error('no gateway running');
      // The kubelet's resync: every volume re-read and swapped, each on its own, in no set order; the
      // credentials volume goes first here.
      const configMaps = await configMapsByName();
      const secrets = await secretsByName();
      const volumes = [...(pod.volumes ?? [])].sort(
        (a, b) => Number(a.configMap !== undefined) - Number(b.configMap !== undefined),
      );
      for (const volume of volumes) materialize(volume, configMaps, secrets);
    },

    gatewayProcess() {
      if (gateway === undefined) return Promise.reject(new Error('no gateway running'));
      return Promise.resolve({
        id: String(gateway.pid),
        running: gateway.child.exitCode === null && gateway.child.signalCode === null,
        log: gateway.output(),
      });
    },

    async query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      try {
        return (await client.query<T>(sql, params)).rows;
      } finally {
        await client.end();
      }
    },

    redisAddress: () => ({ host: '127.0.0.1', port: cache.port }),

    async stop(): Promise<void> {
      const errors: unknown[] = [];
      try {
        // SIGTERM as the kubelet sends it: the gateway drains (after its shutdown delay) and exits 0.
        const code = await gateway?.stop('SIGTERM', 30_000);
        if (code !== undefined && code !== 0)
          errors.push(new Error(`the gateway exited with ${code}:\n${gateway?.output().slice(-4000)}`));
      } catch (error) {
        errors.push(error);
      }
      for (const result of await Promise.allSettled([database.destroy(), cache.destroy()]))
        if (result.status === 'rejected') errors.push(result.reason);
      rmSync(root, { recursive: true, force: true });
      if (errors.length > 0) throw errors[0];
    },
  };
}
