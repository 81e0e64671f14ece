// The whole chain: what the operator wrote to the apiserver is what a real gateway needs. The migration
// Job's container and the Deployment's container are run as local processes with exactly the args, env
// (Secret refs resolved from the Secrets read back) and volume files (laid out and swapped the way the
// kubelet does) the operator rendered, against a real PostgreSQL, a real Redis and the fake OpenAI
// upstream; the official `openai` client calls it with the key a VirtualKey produced. Then a
// ModelDeployment changes and the running gateway serves the change without a restart.
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgresServer } from '../../gateway/test-support/postgres-server.ts';
import type { PostgresServer } from '../../gateway/test-support/postgres-server.ts';
import { startRedisServer } from '../../gateway/test-support/redis-server.ts';
import type { RedisServer } from '../../gateway/test-support/redis-server.ts';
import { startControlPlane, waitFor } from '../cluster/control-plane.ts';
import type { ControlPlane } from '../cluster/control-plane.ts';
import { openAIProtocol } from '../fake-upstream/openai.ts';
import { startFakeUpstream } from '../fake-upstream/server.ts';
import type { FakeUpstream, RecordedRequest } from '../fake-upstream/server.ts';
import {
  applyJson,
  chainSecretValues,
  decode,
  getJson,
  installCrds,
  repoRoot,
  tryGetJson,
  until,
  wholeChainResources,
  wholeChainSecondModel,
} from './fixtures.ts';
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
import { freePort, startOperatorProcess } from './operator-process.ts';
import type { OperatorProcess } from './operator-process.ts';

const NS = 'chain';
const GATEWAY = 'chain';
/** The image's ENTRYPOINT is `node dist/gateway/cli.js`: from a checkout, the same program's source. */
const GATEWAY_CLI = join(repoRoot, 'gateway/cli.ts');
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

interface WorkloadJson extends ResourceJson {
  spec: { template: { metadata?: { annotations?: Record<string, string> }; spec: PodSpecJson } };
}

interface ServiceJson extends ResourceJson {
  spec: { ports: { name: string; port: number; targetPort: string | number }[] };
}

describe('the whole chain: operator output → a real gateway → the openai client', () => {
  let cp: ControlPlane | undefined;
  let operator: OperatorProcess | undefined;
  let postgres: PostgresServer | undefined;
  let redis: RedisServer | undefined;
  let upstream: FakeUpstream | undefined;
  let gateway: LocalProcess | undefined;
  /** Stands for the pod's filesystem: each mount is written at its mountPath below it. */
  let root = '';
  let apiPort = 0;
  let healthPort = 0;
  let virtualKey = '';
  let pod: PodSpecJson | undefined;
  let container: ContainerJson | undefined;

  const kube = (): ControlPlane => {
    if (cp === undefined) throw new Error('no control plane');
    return cp;
  };
  const secretsByName = async (): Promise<Map<string, SecretJson>> => {
    const { items } = await getJson<{ items: SecretJson[] }>(kube(), 'secrets', '-n', NS);
    return new Map(items.map((secret) => [secret.metadata.name, secret]));
  };
  const configMapsByName = async (): Promise<Map<string, ResourceJson>> => {
    const { items } = await getJson<{ items: ResourceJson[] }>(kube(), 'configmaps', '-n', NS);
    return new Map(items.map((configMap) => [configMap.metadata.name, configMap]));
  };
  /** The image's own ENV (Dockerfile.gateway), beneath the pod's env as in a container. */
  const imageEnv = (): Record<string, string> => ({
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    NODE_ENV: 'production',
    SWITCHYARD_DATA_DIR: '/tmp/switchyard',
  });
  const query = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: postgres?.url });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  const chatRequests = (): RecordedRequest[] =>
    (upstream?.requests ?? []).filter((request) => request.path === '/v1/chat/completions');
  const client = (): OpenAI =>
    new OpenAI({ apiKey: virtualKey, baseURL: baseUrlHere(), maxRetries: 0, timeout: 30_000 });
  let baseUrlPath = '';
  const baseUrlHere = () => `http://127.0.0.1:${apiPort}${baseUrlPath}`;

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

  beforeAll(async () => {
    const started = Date.now();
    root = mkdtempSync(join(tmpdir(), 'switchyard-chain-pod-'));
    const results = await Promise.allSettled([
      startControlPlane().then((value) => (cp = value)),
      startPostgresServer().then((value) => (postgres = value)),
      startRedisServer().then((value) => (redis = value)),
      startFakeUpstream([openAIProtocol()]).then((value) => (upstream = value)),
    ]);
    const failed = results.find((result) => result.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    // The Secret's Redis password, required by the real server, so REDIS_PASSWORD is exercised too.
    const admin = new Redis({ host: '127.0.0.1', port: redis?.port ?? 0, lazyConnect: true });
    await admin.connect();
    await admin.config('SET', 'requirepass', chainSecretValues.redisPassword);
    admin.disconnect();

    await installCrds(kube());
    await kube().kubectl(['create', 'namespace', NS]);
    operator = await startOperatorProcess({ kubeconfigPath: kube().kubeconfigPath, dir: kube().dir });
    await until('the operator to be ready', async () =>
      (await operator?.readyz()) === 200 ? true : undefined,
    );
    await applyJson(kube(), ...wholeChainResources(NS, upstream?.url ?? ''));
    console.info(`set up in ${Date.now() - started} ms (${kube().dir}, pod root ${root})`);
  }, 300_000);

  afterAll(async () => {
    const errors: unknown[] = [];
    // Every step runs even if one fails, so no process or folder is left behind.
    const step = async (run: () => Promise<unknown> | undefined) => {
      try {
        await run();
      } catch (error) {
        errors.push(error);
      }
    };
    await step(async () => {
      // SIGTERM as the kubelet sends it: the gateway drains (after its shutdown delay) and exits 0.
      const code = await gateway?.stop('SIGTERM', 30_000);
      if (code !== undefined && code !== 0)
        throw new Error(`the gateway exited with ${code}:\n${gateway?.output().slice(-4000)}`);
    });
    await step(() => operator?.kill('SIGTERM'));
    await Promise.all([
      step(() => cp?.stop()),
      step(() => postgres?.destroy()),
      step(() => redis?.destroy()),
      step(() => upstream?.close()),
    ]);
    if (root !== '') rmSync(root, { recursive: true, force: true });
    if (errors.length > 0) throw errors[0];
  }, 90_000);

  it('runs the migration the way the Job does: its args and env, against the real PostgreSQL', async () => {
    const job = await until('the migration Job', async () => {
      const { items } = await getJson<{ items: WorkloadJson[] }>(
        kube(),
        'jobs',
        '-n',
        NS,
        '-l',
        'app.kubernetes.io/component=migration',
      );
      return items[0];
    });
    const [migrate] = job.spec.template.spec.containers;
    if (migrate === undefined) throw new Error('the Job has no container');
    expect(migrate.command).toBeUndefined(); // the image's ENTRYPOINT runs, with the Job's args
    const env = resolveEnv(migrate.env ?? [], await secretsByName());
    expect(env.DATABASE_URL).toBe(chainSecretValues.databaseUrl);
    const migration = runNode(
      GATEWAY_CLI,
      migrate.args ?? [],
      {
        ...mapMountedPaths({ ...imageEnv(), ...env }, migrate.volumeMounts ?? [], root),
        // The Secret's URL names a Service of the cluster, which does not resolve here: the real server.
        DATABASE_URL: postgres?.url ?? '',
      },
      root,
    );
    const code = await migration.exited;
    expect(code, migration.output()).toBe(0);
    const tables = await query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'switchyard_%'",
    );
    expect(tables.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(['switchyard_keys', 'switchyard_spend_logs']),
    );
    // What the kubelet would report for the container that just exited 0.
    await kube().completeJobPods(NS, job.metadata.name, 'Succeeded');
  });

  it("serves with the Deployment's args, env and mounted files, and becomes ready", async () => {
    const deployment = await until('the Deployment, after the migration', () =>
      tryGetJson<WorkloadJson>(kube(), 'deployment', GATEWAY, '-n', NS),
    );
    pod = deployment.spec.template.spec;
    container = pod.containers.find((candidate) => candidate.name === 'gateway');
    if (container === undefined) throw new Error('no gateway container');
    expect(container.command).toBeUndefined();

    // The key the VirtualKey produced must be in the keys file before the files are taken.
    const consumer = await until('the VirtualKey consumer Secret', async () => {
      const secret = await tryGetJson<ResourceJson>(kube(), 'secret', 'app', '-n', NS);
      return decode(secret?.data?.OPENAI_API_KEY) === '' ? undefined : secret;
    });
    virtualKey = decode(consumer.data?.OPENAI_API_KEY);
    const baseUrl = new URL(decode(consumer.data?.OPENAI_BASE_URL));
    baseUrlPath = baseUrl.pathname;
    await until('the key in the keys Secret', async () => {
      const keys = await getJson<ResourceJson>(kube(), 'secret', `${GATEWAY}-keys`, '-n', NS);
      return decode(keys.data?.['keys.json']).includes(sha256(virtualKey)) ? true : undefined;
    });

    // The ports as the cluster wires them: the key's base URL → the Service → the container's `http` port
    // (the gateway's default, no PORT set); the readiness probe → `health` → SEPARATE_HEALTH_PORT.
    const service = await getJson<ServiceJson>(kube(), 'service', GATEWAY, '-n', NS);
    expect(baseUrl.hostname).toBe(`${GATEWAY}.${NS}.svc`);
    const servicePort = service.spec.ports.find((port) => String(port.port) === baseUrl.port);
    const portNamed = (name: string | number | undefined) =>
      container?.ports?.find((port) => port.name === name)?.containerPort;
    expect(portNamed(servicePort?.targetPort)).toBe(4000);
    const env = resolveEnv(container.env ?? [], await secretsByName());
    expect(env.PORT).toBeUndefined();
    expect(env.SEPARATE_HEALTH_APP).toBe('1');
    expect(String(portNamed(container.readinessProbe?.httpGet.port))).toBe(env.SEPARATE_HEALTH_PORT);
    expect(env).toMatchObject({
      DATABASE_URL: chainSecretValues.databaseUrl,
      SWITCHYARD_MASTER_KEY: chainSecretValues.masterKey,
      SWITCHYARD_SALT_KEY: chainSecretValues.saltKey,
      REDIS_HOST: 'redis-master.redis.svc',
      REDIS_PORT: '6379',
      REDIS_PASSWORD: chainSecretValues.redisPassword,
    });

    const configMaps = await configMapsByName();
    const secrets = await secretsByName();
    for (const volume of pod.volumes ?? []) materialize(volume, configMaps, secrets);
    apiPort = await freePort();
    healthPort = await freePort();
    gateway = runNode(
      GATEWAY_CLI,
      container.args ?? [],
      {
        ...mapMountedPaths({ ...imageEnv(), ...env }, container.volumeMounts ?? [], root),
        // The cluster's Service names do not resolve here: the real PostgreSQL and Redis on loopback.
        DATABASE_URL: postgres?.url ?? '',
        REDIS_HOST: '127.0.0.1',
        REDIS_PORT: String(redis?.port),
        // A pod has its own network namespace, so its 4000/4001 cannot collide; here they would.
        HOST: '127.0.0.1',
        PORT: String(apiPort),
        SEPARATE_HEALTH_PORT: String(healthPort),
      },
      root,
    );
    const running = gateway;
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
  });

  it('answers the openai client with the VirtualKey, calls the upstream with its credential, records spend', async () => {
    const openai = client();
    const completion = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hello chain' }],
    });
    expect(completion.choices[0]?.message.content).toBe('echo: hello chain');

    // A stream as most clients ask for it, without usage: the gateway asks upstream for usage on its behalf and
    // takes only the usage-only event out. Across processes the fake's events arrive in one read, so this also
    // checks that the rest of that read reaches the client.
    const stream = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'hello stream' }],
      stream: true,
    });
    let streamed = '';
    let sawUsage = false;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) sawUsage = true;
    }
    expect(streamed).toBe('echo: hello stream');
    expect(sawUsage).toBe(false);

    // The upstream saw the decrypted credential from the credentials Secret and the rendered model id.
    expect(chatRequests()).toHaveLength(2);
    for (const request of chatRequests()) {
      expect(request.headers.authorization).toBe(`Bearer ${chainSecretValues.upstreamKey}`);
      expect((request.body as { model: string }).model).toBe('gpt-4o');
    }

    const hash = sha256(virtualKey);
    const rows = await until('two spend rows for the key', async () => {
      const found = await query<{ model_group: string; cost: number; status: number; key_alias: string }>(
        'SELECT model_group, cost, status, key_alias FROM switchyard_spend_logs WHERE key_hash = $1',
        [hash],
      );
      return found.length >= 2 ? found : undefined;
    });
    for (const row of rows)
      expect(row).toMatchObject({ model_group: 'gpt-4o', status: 200, key_alias: 'app' });
    expect(rows.some((row) => row.cost > 0)).toBe(true);

    // The master key from its Secret reads the key's policy as the keys file carried it.
    const info = await fetch(`http://127.0.0.1:${apiPort}/key/info?key=${hash}`, {
      headers: { authorization: `Bearer ${chainSecretValues.masterKey}` },
    });
    expect(info.status).toBe(200);
    const body = (await info.json()) as { info: Record<string, unknown> };
    expect(body.info).toMatchObject({ key_alias: 'app', max_budget: 10, rpm_limit: 100 });

    // Redis (with the password from its Secret) is the one the pods share: the limits live there.
    const shared = new Redis({
      host: '127.0.0.1',
      port: redis?.port ?? 0,
      password: chainSecretValues.redisPassword,
      lazyConnect: true,
    });
    await shared.connect();
    try {
      expect(await shared.dbsize()).toBeGreaterThan(0);
    } finally {
      shared.disconnect();
    }
  });

  it('serves a changed and an added ModelDeployment without a restart, once the kubelet swaps the files', async () => {
    const running = gateway;
    if (running === undefined || pod === undefined) throw new Error('no gateway running');
    const pid = running.pid;
    const before = await getJson<WorkloadJson>(kube(), 'deployment', GATEWAY, '-n', NS);

    await kube().kubectl([
      'patch',
      'mdep',
      'gpt-4o-fake',
      '-n',
      NS,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { model: 'gpt-4o-2024-11-20' } }),
    ]);
    await applyJson(kube(), wholeChainSecondModel(NS, upstream?.url ?? ''));
    await until('the ConfigMap to carry both changes', async () => {
      const configMap = await getJson<ResourceJson>(kube(), 'configmap', `${GATEWAY}-config`, '-n', NS);
      const text = configMap.data?.['config.yaml'] ?? '';
      return text.includes('openai/gpt-4o-2024-11-20') && text.includes('hosted_vllm/meta-llama')
        ? true
        : undefined;
    });
    await until('the credentials Secret to carry the new credential', async () => {
      const secret = await getJson<ResourceJson>(kube(), 'secret', `${GATEWAY}-credentials`, '-n', NS);
      return decode(secret.data?.['llama-fake.api_key']) === chainSecretValues.secondUpstreamKey
        ? true
        : undefined;
    });
    // Hot-reloadable: the operator left the pod template alone, so Kubernetes would not restart the pod.
    const after = await getJson<WorkloadJson>(kube(), 'deployment', GATEWAY, '-n', NS);
    expect(after.spec.template).toEqual(before.spec.template);

    // The kubelet's resync: every volume re-read and swapped, each on its own. The credentials volume goes
    // first here: the kubelet does not order them, and a config naming a credential file not there yet is
    // never retried by the gateway (the file: read throws outside ConfigError after the watcher marked that
    // content seen), so the other order leaves the old models served until the next config change.
    const configMaps = await configMapsByName();
    const secrets = await secretsByName();
    const volumes = [...(pod.volumes ?? [])].sort(
      (a, b) => Number(a.configMap !== undefined) - Number(b.configMap !== undefined),
    );
    for (const volume of volumes) materialize(volume, configMaps, secrets);

    const openai = client();
    await until('the new model group to be listed', async () => {
      const models = await openai.models.list();
      return models.data.some((model) => model.id === 'llama-3-8b') ? true : undefined;
    });
    upstream?.reset();
    const changed = await openai.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'after the change' }],
    });
    expect(changed.choices[0]?.message.content).toBe('echo: after the change');
    const added = await openai.chat.completions.create({
      model: 'llama-3-8b',
      messages: [{ role: 'user', content: 'the new group' }],
    });
    expect(added.choices[0]?.message.content).toBe('echo: the new group');
    expect(
      chatRequests().map((request) => [
        (request.body as { model: string }).model,
        request.headers.authorization,
      ]),
    ).toEqual([
      ['gpt-4o-2024-11-20', `Bearer ${chainSecretValues.upstreamKey}`],
      ['meta-llama/Llama-3.1-8B-Instruct', `Bearer ${chainSecretValues.secondUpstreamKey}`],
    ]);
    // The same process throughout.
    expect(running.child.exitCode).toBeNull();
    expect(running.pid).toBe(pid);
    expect(running.output()).toContain('config reloaded');
  });
});
