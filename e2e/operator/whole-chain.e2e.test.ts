// The whole chain: what the operator wrote to the apiserver is what a real gateway needs. The migration
// Job and the Deployment run with exactly the args, env (Secret refs resolved) and volume files the operator
// rendered, against a real PostgreSQL, a real Redis and the fake OpenAI upstream: on the local control plane
// as local processes with the kubelet's part done here, in kind as real pods (chain-runtime.ts). The official
// `openai` client calls it with the key a VirtualKey produced. Then a ModelDeployment changes and the running
// gateway serves the change without a restart.
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCluster } from '../cluster/test-cluster.ts';
import type { TestCluster } from '../cluster/test-cluster.ts';
import { openAIProtocol } from '../fake-upstream/openai.ts';
import { startFakeUpstream } from '../fake-upstream/server.ts';
import type { FakeUpstream, RecordedRequest } from '../fake-upstream/server.ts';
import { startChainRuntime } from './chain-runtime.ts';
import type { ChainRuntime, WorkloadJson } from './chain-runtime.ts';
import {
  applyJson,
  chainGatewayImage,
  chainSecretValues,
  decode,
  getJson,
  installCrds,
  tryGetJson,
  until,
  wholeChainResources,
  wholeChainSecondModel,
} from './fixtures.ts';
import type { ResourceJson } from './fixtures.ts';
import { resolveEnv } from './local-pod.ts';
import type { ContainerJson, SecretJson } from './local-pod.ts';
import { startOperatorProcess } from './operator-process.ts';
import type { OperatorProcess } from './operator-process.ts';

const NS = 'chain';
const GATEWAY = 'chain';
/** Where the LLMGateway of wholeChainResources points the pods for Redis. */
const REDIS = { host: 'redis-master.redis.svc', port: 6379 };
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

interface ServiceJson extends ResourceJson {
  spec: { ports: { name: string; port: number; targetPort: string | number }[] };
}

describe('the whole chain: operator output → a real gateway → the openai client', () => {
  let cp: TestCluster | undefined;
  let operator: OperatorProcess | undefined;
  let runtime: ChainRuntime | undefined;
  let upstream: FakeUpstream | undefined;
  /** The gateway's API from here. */
  let apiUrl = '';
  let virtualKey = '';
  /** The fake upstream's URL as pods reach it. */
  let upstreamForPods = '';
  let container: ContainerJson | undefined;

  const kube = (): TestCluster => {
    if (cp === undefined) throw new Error('no cluster');
    return cp;
  };
  const run = (): ChainRuntime => {
    if (runtime === undefined) throw new Error('no chain runtime');
    return runtime;
  };
  const secretsByName = async (): Promise<Map<string, SecretJson>> => {
    const { items } = await getJson<{ items: SecretJson[] }>(kube(), 'secrets', '-n', NS);
    return new Map(items.map((secret) => [secret.metadata.name, secret]));
  };
  const chatRequests = (): RecordedRequest[] =>
    (upstream?.requests ?? []).filter((request) => request.path === '/v1/chat/completions');
  const client = (): OpenAI =>
    new OpenAI({ apiKey: virtualKey, baseURL: baseUrlHere(), maxRetries: 0, timeout: 30_000 });
  let baseUrlPath = '';
  const baseUrlHere = () => `${apiUrl}${baseUrlPath}`;

  beforeAll(async () => {
    const started = Date.now();
    cp = await startTestCluster();
    // Pods reach the fake upstream on this machine: on loopback locally, over the kind network in kind.
    const addresses = await cp.hostAddresses();
    upstream = await startFakeUpstream([openAIProtocol()], { host: addresses.listen });
    upstreamForPods = `http://${addresses.forPods}:${new URL(upstream.url).port}`;
    await cp.provideImage(chainGatewayImage, 'gateway');
    await installCrds(kube());
    await kube().kubectl(['create', 'namespace', NS]);
    runtime = await startChainRuntime(kube(), {
      namespace: NS,
      databaseUrl: chainSecretValues.databaseUrl,
      redis: { ...REDIS, password: chainSecretValues.redisPassword },
    });
    operator = await startOperatorProcess({ kubeconfigPath: kube().kubeconfigPath, dir: kube().dir });
    await until('the operator to be ready', async () =>
      (await operator?.readyz()) === 200 ? true : undefined,
    );
    await applyJson(kube(), ...wholeChainResources(NS, upstreamForPods));
    console.info(`set up in ${Date.now() - started} ms (${kube().dir})`);
  }, 300_000);

  afterAll(async () => {
    const errors: unknown[] = [];
    // Every step runs even if one fails, so no process or folder is left behind.
    const step = async (stop: () => Promise<unknown> | undefined) => {
      try {
        await stop();
      } catch (error) {
        errors.push(error);
      }
    };
    // First the gateway (SIGTERM as the kubelet sends it; it must drain and exit 0), then the rest.
    await step(() => runtime?.stop());
    await step(() => operator?.kill('SIGTERM'));
    await Promise.all([step(() => cp?.stop()), step(() => upstream?.close())]);
    if (errors.length > 0) throw errors[0];
  }, 120_000);

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
    await run().runMigration(job);
    const tables = await run().query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_name LIKE 'switchyard_%'",
    );
    expect(tables.map((row) => row.table_name)).toEqual(
      expect.arrayContaining(['switchyard_keys', 'switchyard_spend_logs']),
    );
  });

  it("serves with the Deployment's args, env and mounted files, and becomes ready", async () => {
    const deployment = await until('the Deployment, after the migration', () =>
      tryGetJson<WorkloadJson>(kube(), 'deployment', GATEWAY, '-n', NS),
    );
    container = deployment.spec.template.spec.containers.find((candidate) => candidate.name === 'gateway');
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

    apiUrl = await run().startGateway(deployment);
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
      const found = await run().query<{
        model_group: string;
        cost: number;
        status: number;
        key_alias: string;
      }>('SELECT model_group, cost, status, key_alias FROM switchyard_spend_logs WHERE key_hash = $1', [
        hash,
      ]);
      return found.length >= 2 ? found : undefined;
    });
    for (const row of rows)
      expect(row).toMatchObject({ model_group: 'gpt-4o', status: 200, key_alias: 'app' });
    expect(rows.some((row) => row.cost > 0)).toBe(true);

    // The master key from its Secret reads the key's policy as the keys file carried it.
    const info = await fetch(`${apiUrl}/key/info?key=${hash}`, {
      headers: { authorization: `Bearer ${chainSecretValues.masterKey}` },
    });
    expect(info.status).toBe(200);
    const body = (await info.json()) as { info: Record<string, unknown> };
    expect(body.info).toMatchObject({ key_alias: 'app', max_budget: 10, rpm_limit: 100 });

    // Redis (with the password from its Secret) is the one the pods share: the limits live there.
    const shared = new Redis({
      ...run().redisAddress(),
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
    const first = await run().gatewayProcess();
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
    await applyJson(kube(), wholeChainSecondModel(NS, upstreamForPods));
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

    // The kubelet's resync: every volume re-read and swapped, each on its own.
    await run().syncVolumes();
    const openai = client();
    await until(
      'the new model group to be listed',
      async () => {
        const models = await openai.models.list();
        return models.data.some((model) => model.id === 'llama-3-8b') ? true : undefined;
      },
      run().propagationTimeoutMs,
    );
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
    const now = await run().gatewayProcess();
    expect(now.running).toBe(true);
    expect(now.id).toBe(first.id);
    expect(now.log).toContain('config reloaded');
  });
});
