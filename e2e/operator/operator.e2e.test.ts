// The operator as a real process against a real kube-apiserver, controller-manager (GC, Deployments,
// Jobs, HPA) and a kwok node: from `kubectl apply` of the CRDs and the production example to Ready
// gateways, migrations gating rollouts, hot-reloadable changes that leave the pod template alone, key
// rotation and revocation, refused invalid resources, and a minute with no API writes. In kind mode the
// gateway and migration pods really run (the image built from this checkout, a PostgreSQL in the cluster
// under the example's Secret), and a migration fails because its database refuses connections.
import { createHash } from 'node:crypto';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keysFileSchema } from '../../gateway/auth/keys-file-schema.ts';
import { startTestCluster } from '../cluster/test-cluster.ts';
import type { TestCluster } from '../cluster/test-cluster.ts';
import {
  applyJson,
  condition,
  decode,
  exampleSecrets,
  exampleSecretValues,
  getJson,
  installCrds,
  hasReasons,
  operatorEvents,
  productionExample,
  productionExampleObjects,
  provideDatabase,
  tryGetJson,
  until,
  waitForCondition,
  waitForEvents,
} from './fixtures.ts';
import type { ClusterDatabase, ResourceJson } from './fixtures.ts';
import { startOperatorProcess } from './operator-process.ts';
import type { OperatorProcess } from './operator-process.ts';

const NS = 'llm';
const IMAGE_1 = 'ghcr.io/switchyard-dev/switchyard-gateway:0.1.0';
const IMAGE_2 = 'ghcr.io/switchyard-dev/switchyard-gateway:0.2.0';
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

interface DeploymentJson extends ResourceJson {
  spec: {
    replicas?: number;
    strategy: { type: string; rollingUpdate: { maxSurge: number; maxUnavailable: number } };
    template: {
      metadata: { annotations?: Record<string, string> };
      spec: {
        terminationGracePeriodSeconds: number;
        containers: {
          name: string;
          image: string;
          env: { name: string; value?: string; valueFrom?: unknown }[];
          readinessProbe: { httpGet: { path: string; port: string | number }; timeoutSeconds: number };
          livenessProbe: { httpGet: { path: string; port: string | number } };
          startupProbe: { httpGet: { path: string; port: string | number } };
          lifecycle: { preStop: { sleep?: { seconds: number } } };
        }[];
      };
    };
  };
  status?: ResourceJson['status'] & { readyReplicas?: number; updatedReplicas?: number };
}

interface JobJson extends ResourceJson {
  metadata: ResourceJson['metadata'] & { annotations: Record<string, string> };
}

describe('the operator reconciling the production example', () => {
  let cp: TestCluster;
  let operator: OperatorProcess;
  let database: ClusterDatabase;
  /** Every key the operator generated, to prove none of them leaks. */
  const issuedKeys: string[] = [];
  const jobsFor = async (image: string): Promise<JobJson[]> => {
    const { items } = await getJson<{ items: JobJson[] }>(
      cp,
      'jobs',
      '-n',
      NS,
      '-l',
      'app.kubernetes.io/component=migration',
    );
    return items.filter((job) => job.metadata.annotations['switchyard.dev/image'] === image);
  };
  const deployment = () => tryGetJson<DeploymentJson>(cp, 'deployment', 'main', '-n', NS);
  const keysFile = async () => {
    const secret = await getJson<ResourceJson>(cp, 'secret', 'main-keys', '-n', NS);
    return keysFileSchema.parse(JSON.parse(decode(secret.data?.['keys.json'])));
  };
  const configYaml = async () => {
    const configMap = await getJson<ResourceJson>(cp, 'configmap', 'main-config', '-n', NS);
    return {
      text: configMap.data?.['config.yaml'] ?? '',
      resourceVersion: configMap.metadata.resourceVersion,
    };
  };
  const consumerKey = async (secretName: string): Promise<string> =>
    decode((await getJson<ResourceJson>(cp, 'secret', secretName, '-n', NS)).data?.OPENAI_API_KEY);

  beforeAll(async () => {
    const started = Date.now();
    cp = await startTestCluster();
    for (const image of [IMAGE_1, IMAGE_2]) await cp.provideImage(image, 'gateway');
    await installCrds(cp);
    await cp.kubectl(['create', 'namespace', NS]);
    await applyJson(cp, ...exampleSecrets(NS));
    database = await provideDatabase(cp, NS, exampleSecretValues.databaseUrl);
    operator = await startOperatorProcess({ kubeconfigPath: cp.kubeconfigPath, dir: cp.dir });
    await until('the operator to be ready', async () =>
      (await operator.readyz()) === 200 ? true : undefined,
    );
    // The first test looks at the gateway while its first migration runs.
    await cp.holdJobPods();
    await applyProductionExample(cp);
    console.info(`set up in ${Date.now() - started} ms (${cp.dir})`);
  }, 300_000);

  afterAll(async () => {
    const code = await operator.kill('SIGTERM');
    await cp.stop();
    expect(code).toBe(0);
  }, 60_000);

  it('renders the children, holds the Deployment until the first migration, and says why', async () => {
    const [job] = await until('the migration Job for the first image', async () => {
      const jobs = await jobsFor(IMAGE_1);
      return jobs.length > 0 ? jobs : undefined;
    });
    expect(job?.metadata.name).toMatch(/^main-migrate-[0-9a-f]{10}$/);
    expect(job?.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'LLMGateway',
      name: 'main',
      controller: true,
    });

    await waitForCondition(cp, 'llmgateway/main', NS, 'DatabaseMigrated', 'False', 'Migrating');
    // `kubectl apply -f dir` sends the gateway before its models: wait for the pass that saw all five.
    const gateway = await until('status to count the five models', async () => {
      const live = await getJson<ResourceJson>(cp, 'llmgw', 'main', '-n', NS);
      return live.status?.modelCount === 5 ? live : undefined;
    });
    expect(condition(gateway, 'Ready')).toMatchObject({ status: 'False', reason: 'Migrating' });
    expect(condition(gateway, 'Progressing')).toMatchObject({ status: 'True', reason: 'Migrating' });
    expect(condition(gateway, 'Degraded')?.status).toBe('False');
    expect(condition(gateway, 'ConfigValid')).toMatchObject({ status: 'True', reason: 'Valid' });
    expect(condition(gateway, 'ResolvedRefs')?.status).toBe('True');
    expect(gateway.status).toMatchObject({ modelCount: 5, databasePoolLimit: 13, image: IMAGE_1 });
    expect(await deployment()).toBeUndefined();

    // The config names every model and carries credentials as file references, never values.
    const { text } = await configYaml();
    const config = load(text) as {
      model_list: { model_name: string; litellm_params: Record<string, unknown> }[];
    };
    expect(config.model_list.map((m) => m.model_name).sort()).toEqual(
      ['claude-sonnet', 'gpt-4o', 'gpt-4o', 'gpt-4o-mini', 'llama-3-8b'].sort(),
    );
    expect(
      config.model_list.find((m) => m.litellm_params.model === 'openai/gpt-4o')?.litellm_params.api_key,
    ).toBe('file:/etc/switchyard/credentials/gpt-4o-openai.api_key');
    for (const value of Object.values(exampleSecretValues)) expect(text).not.toContain(value);

    const credentials = await getJson<ResourceJson>(cp, 'secret', 'main-credentials', '-n', NS);
    expect(Object.keys(credentials.data ?? {}).sort()).toEqual([
      'claude-sonnet-anthropic.api_key',
      'gpt-4o-azure.azure_ad_token',
      'gpt-4o-mini-openai.api_key',
      'gpt-4o-openai.api_key',
    ]);
    expect(decode(credentials.data?.['gpt-4o-openai.api_key'])).toBe(exampleSecretValues.openaiKey);

    // Keys: generated ones in their consumer Secrets, every hash in the keys file the gateway reads.
    const searchKey = await until(
      'the search-team key',
      async () => (await consumerKey('search-team')) || undefined,
    );
    const chatbotKey = await consumerKey('chatbot-llm');
    issuedKeys.push(searchKey, chatbotKey);
    expect(searchKey).toMatch(/^sk-[A-Za-z0-9_-]{32,}$/);
    expect(chatbotKey).not.toBe(searchKey);
    const chatbotSecret = await getJson<ResourceJson>(cp, 'secret', 'chatbot-llm', '-n', NS);
    expect(decode(chatbotSecret.data?.OPENAI_BASE_URL)).toBe('http://main.llm.svc:4000/v1');
    const file = await until('all three keys in the keys file', async () => {
      const parsed = await keysFile();
      return parsed.keys.length === 3 ? parsed : undefined;
    });
    expect(file.keys.map((k) => [k.source, k.hash])).toEqual([
      ['llm/batch-jobs', sha256(exampleSecretValues.batchKey)],
      ['llm/chatbot', sha256(chatbotKey)],
      ['llm/search-team', sha256(searchKey)],
    ]);
    expect(file.keys.find((k) => k.source === 'llm/search-team')).toMatchObject({
      models: ['gpt-4o', 'gpt-4o-mini'],
      max_budget: 500,
      rpm_limit: 600,
    });
    const vkey = await waitForCondition(cp, 'virtualkey/search-team', NS, 'Ready', 'True');
    expect(vkey.status).toMatchObject({
      secretName: 'search-team',
      keyId: sha256(searchKey).slice(0, 12),
      observedRotationTrigger: '2026-11-01',
    });
    await waitForCondition(cp, 'virtualkey/batch-jobs', NS, 'Ready', 'True');
    await waitForCondition(cp, 'modeldeployment/gpt-4o-azure', NS, 'Ready', 'True', 'Accepted');

    // The HPA waits for its Deployment.
    expect(await tryGetJson(cp, 'hpa', 'main', '-n', NS)).toBeUndefined();
    const pdb = await getJson<ResourceJson & { spec: { minAvailable: string } }>(cp, 'pdb', 'main', '-n', NS);
    expect(pdb.spec.minAvailable).toBe('50%');
    await getJson(cp, 'serviceaccount', 'main', '-n', NS);
    await getJson(cp, 'service', 'main', '-n', NS);

    const events = await waitForEvents(
      cp,
      NS,
      'migration started, ServiceMonitor CRD missing',
      hasReasons('MigrationStarted', 'ServiceMonitorCRDMissing'),
    );
    // A first key is reported in the status (keyId above), not by an event: one write per VirtualKey.
    expect(events.map((e) => e.reason)).not.toContain('KeyGenerated');
    const all = JSON.stringify(events) + JSON.stringify(await getJson(cp, 'llmgw,mdep,vkey', '-n', NS));
    for (const value of [...Object.values(exampleSecretValues), searchKey, chatbotKey])
      expect(all).not.toContain(value);
  });

  it('rolls out once the migration Job succeeds, and reaches Ready with the production pod spec', async () => {
    const [job] = await jobsFor(IMAGE_1);
    await cp.completeJobPods(NS, job?.metadata.name ?? '', 'Succeeded');
    const gateway = await waitForCondition(cp, 'llmgateway/main', NS, 'Ready', 'True', 'Available', 120_000);
    expect(gateway.status?.migratedImage).toBe(IMAGE_1);
    expect(condition(gateway, 'DatabaseMigrated')).toMatchObject({ status: 'True', reason: 'Migrated' });
    expect(condition(gateway, 'Progressing')).toMatchObject({ status: 'False', reason: 'RolloutComplete' });

    const live = await deployment();
    const container = live?.spec.template.spec.containers[0];
    expect(container?.image).toBe(IMAGE_1);
    expect(container?.readinessProbe.httpGet).toMatchObject({ path: '/health/readiness', port: 'health' });
    expect(container?.readinessProbe.timeoutSeconds).toBeGreaterThan(1);
    expect(container?.livenessProbe.httpGet.path).toBe('/health/liveliness');
    expect(container?.startupProbe.httpGet.path).toBe('/health/liveliness');
    expect(container?.lifecycle.preStop.sleep?.seconds).toBeGreaterThan(0);
    const env = Object.fromEntries((container?.env ?? []).map((e) => [e.name, e.value ?? 'from-secret']));
    expect(env).toMatchObject({
      DATABASE_CONNECTION_POOL_LIMIT: '13',
      SEPARATE_HEALTH_APP: '1',
      DISABLE_SCHEMA_UPDATE: 'true',
      SWITCHYARD_MASTER_KEY: 'from-secret',
    });
    expect(live?.spec.template.spec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(300);
    expect(live?.spec.strategy).toEqual({
      type: 'RollingUpdate',
      rollingUpdate: { maxSurge: 1, maxUnavailable: 0 },
    });
    // Under the HPA the operator does not own spec.replicas (the HPA does).
    const managed = await cp.kubectl([
      'get',
      'deployment',
      'main',
      '-n',
      NS,
      '-o',
      'json',
      '--show-managed-fields',
    ]);
    const ours = (
      JSON.parse(managed) as {
        metadata: { managedFields: { manager: string; fieldsV1: { 'f:spec'?: object } }[] };
      }
    ).metadata.managedFields.find((entry) => entry.manager === 'switchyard-operator');
    expect(Object.keys(ours?.fieldsV1['f:spec'] ?? {})).not.toContain('f:replicas');
    const hpa = await until('the HPA', () =>
      tryGetJson<ResourceJson & { spec: { minReplicas: number; maxReplicas: number } }>(
        cp,
        'hpa',
        'main',
        '-n',
        NS,
      ),
    );
    expect(hpa.spec).toMatchObject({ minReplicas: 3, maxReplicas: 12 });
    await until('the HPA to scale to its minimum', async () =>
      (await deployment())?.status?.readyReplicas === 3 ? true : undefined,
    );

    // Printer columns: what `kubectl get llmgw` shows.
    const table = await until('printer columns with 3 available', async () => {
      const text = await cp.kubectl(['get', 'llmgw', '-n', NS]);
      return /main\s+True\s+3\s+3\s+5\s+/.test(text) ? text : undefined;
    });
    expect(table.split('\n')[0]).toMatch(/NAME\s+READY\s+REPLICAS\s+AVAILABLE\s+MODELS\s+AGE/);
    const wide = await cp.kubectl(['get', 'llmgw', '-n', NS, '-o', 'wide']);
    expect(wide).toContain(IMAGE_1);
    expect(wide).toContain('http://main.llm.svc:4000/v1');
    await waitForEvents(cp, NS, 'migrated and available', hasReasons('Migrated', 'Available'));
  });

  it('changes the ConfigMap and the credentials Secret, not the pod template, when a model or its credential changes', async () => {
    const before = await deployment();
    const config = await configYaml();
    await cp.kubectl([
      'patch',
      'mdep',
      'gpt-4o-mini-openai',
      '-n',
      NS,
      '--type=merge',
      '-p',
      '{"spec":{"rpm":1234}}',
    ]);
    await until('the ConfigMap to carry the new rpm', async () =>
      (await configYaml()).text.includes('rpm: 1234') ? true : undefined,
    );
    await applyJson(cp, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'openai-credentials', namespace: NS },
      stringData: { 'api-key': 'sk-openai-e2e-credential-2' },
    });
    await until('the credentials Secret to carry the rotated credential', async () => {
      const secret = await getJson<ResourceJson>(cp, 'secret', 'main-credentials', '-n', NS);
      return decode(secret.data?.['gpt-4o-openai.api_key']) === 'sk-openai-e2e-credential-2'
        ? true
        : undefined;
    });
    // A new model: in the config, counted in status, and still no rollout.
    await applyJson(cp, {
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'ModelDeployment',
      metadata: { name: 'mock-echo', namespace: NS },
      spec: { gatewayRef: { name: 'main' }, modelName: 'echo', provider: 'mock', model: 'echo' },
    });
    await until('status to count six models', async () => {
      const gateway = await getJson<ResourceJson>(cp, 'llmgw', 'main', '-n', NS);
      return gateway.status?.modelCount === 6 ? true : undefined;
    });
    expect((await configYaml()).resourceVersion).not.toBe(config.resourceVersion);
    const after = await deployment();
    expect(after?.metadata.generation).toBe(before?.metadata.generation);
    expect(after?.spec.template).toEqual(before?.spec.template);
  });

  it('gates a new image on its migration Job: a failure keeps the old pods and degrades, a success rolls out', async () => {
    await cp.holdJobPods();
    await cp.kubectl([
      'patch',
      'llmgw',
      'main',
      '-n',
      NS,
      '--type=merge',
      '-p',
      JSON.stringify({ spec: { image: IMAGE_2, database: { migrations: { backoffLimit: 0 } } } }),
    ]);
    const [job] = await until('a migration Job for the new image', async () => {
      const jobs = await jobsFor(IMAGE_2);
      return jobs.length > 0 ? jobs : undefined;
    });
    const jobName = job?.metadata.name ?? '';
    expect(jobName).not.toBe((await jobsFor(IMAGE_1))[0]?.metadata.name);
    await waitForCondition(cp, 'llmgateway/main', NS, 'DatabaseMigrated', 'False', 'Migrating');
    expect((await deployment())?.spec.template.spec.containers[0]?.image).toBe(IMAGE_1);

    // Where the pod really runs (kind), `migrate` fails because its database refuses connections.
    await database.setReachable(false);
    await cp.completeJobPods(NS, jobName, 'Failed');
    const degraded = await waitForCondition(cp, 'llmgateway/main', NS, 'Degraded', 'True', 'MigrationFailed');
    expect(condition(degraded, 'Degraded')?.message).toContain(jobName);
    expect(condition(degraded, 'Ready')).toMatchObject({ status: 'False', reason: 'MigrationFailed' });
    expect(degraded.status?.migratedImage).toBe(IMAGE_1);
    const held = await deployment();
    expect(held?.spec.template.spec.containers[0]?.image).toBe(IMAGE_1);
    expect(held?.status?.readyReplicas).toBe(3);
    await waitForEvents(cp, NS, 'a MigrationFailed warning', (events) =>
      events.some((e) => e.reason === 'MigrationFailed' && e.type === 'Warning'),
    );

    // As the condition says: delete the Job to retry. The operator makes it again; this time it succeeds.
    await database.setReachable(true);
    await cp.kubectl(['delete', 'job', jobName, '-n', NS, '--wait=true']);
    await until('the Job made again', async () =>
      (await tryGetJson<JobJson>(cp, 'job', jobName, '-n', NS)) !== undefined ? true : undefined,
    );
    await cp.completeJobPods(NS, jobName, 'Succeeded');
    const rolled = await until(
      'the Deployment on the new image, rolled out',
      async () => {
        const live = await deployment();
        const image = live?.spec.template.spec.containers[0]?.image;
        return image === IMAGE_2 && live?.status?.updatedReplicas === 3 ? live : undefined;
      },
      120_000,
    );
    expect(rolled.spec.template.metadata.annotations?.['switchyard.dev/restart-hash']).toBeDefined();
    const gateway = await waitForCondition(cp, 'llmgateway/main', NS, 'Ready', 'True', 'Available', 120_000);
    expect(condition(gateway, 'Degraded')?.status).toBe('False');
    expect(gateway.status).toMatchObject({ migratedImage: IMAGE_2, image: IMAGE_2 });
    // One Job per image, never a duplicate.
    expect((await jobsFor(IMAGE_2)).map((j) => j.metadata.name)).toEqual([jobName]);
  });

  it('rotates a key: a new one in the Secret, the old one accepted until its overlap ends, then revoked', async () => {
    const oldKey = await consumerKey('search-team');
    await cp.kubectl([
      'patch',
      'vkey',
      'search-team',
      '-n',
      NS,
      '--type=merge',
      '-p',
      '{"spec":{"rotation":{"trigger":"2026-12-01"}}}',
    ]);
    const rotated = await until('the rotation', async () => {
      const vkey = await getJson<ResourceJson>(cp, 'vkey', 'search-team', '-n', NS);
      return vkey.status?.observedRotationTrigger === '2026-12-01' ? vkey : undefined;
    });
    const newKey = await consumerKey('search-team');
    issuedKeys.push(newKey);
    expect(newKey).not.toBe(oldKey);
    expect(rotated.status?.keyId).toBe(sha256(newKey).slice(0, 12));
    const expiresAt = Date.parse(String(rotated.status?.previousKeyExpiresAt));
    expect(expiresAt - Date.now()).toBeGreaterThan(86_000_000);
    const file = await until('both keys in the keys file', async () => {
      const parsed = await keysFile();
      const hashes = parsed.keys.filter((k) => k.source === 'llm/search-team').map((k) => k.hash);
      return hashes.includes(sha256(newKey)) && hashes.includes(sha256(oldKey)) ? parsed : undefined;
    });
    const previous = file.keys.find((k) => k.hash === sha256(oldKey));
    expect(Date.parse(previous?.expires ?? '')).toBe(expiresAt);
    const secret = await getJson<ResourceJson>(cp, 'secret', 'search-team', '-n', NS);
    expect(secret.metadata.annotations?.['switchyard.dev/previous-key-hash']).toBe(sha256(oldKey));
    expect(JSON.stringify(secret.metadata)).not.toContain(oldKey);
    await waitForEvents(cp, NS, 'the rotation', hasReasons('KeyRotated'));

    // A short overlap: the old key leaves the keys file when it ends, with no further change.
    await applyJson(cp, {
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'VirtualKey',
      metadata: { name: 'short-overlap', namespace: NS },
      spec: { gatewayRef: { name: 'main' }, rotation: { trigger: 'one', overlapSeconds: 20 } },
    });
    const first = await until('the short-overlap key', async () =>
      (await tryGetJson<ResourceJson>(cp, 'secret', 'short-overlap', '-n', NS))
        ? consumerKey('short-overlap')
        : undefined,
    );
    await cp.kubectl([
      'patch',
      'vkey',
      'short-overlap',
      '-n',
      NS,
      '--type=merge',
      '-p',
      '{"spec":{"rotation":{"trigger":"two"}}}',
    ]);
    await until('the old short-overlap key in the keys file', async () =>
      (await keysFile()).keys.some((k) => k.hash === sha256(first)) &&
      (await consumerKey('short-overlap')) !== first
        ? true
        : undefined,
    );
    const second = await consumerKey('short-overlap');
    issuedKeys.push(first, second);
    await until(
      'the old short-overlap key to be dropped after its overlap',
      async () => {
        const hashes = (await keysFile()).keys.map((k) => k.hash);
        return !hashes.includes(sha256(first)) && hashes.includes(sha256(second)) ? true : undefined;
      },
      60_000,
    );
  });

  it('refuses invalid resources at the apiserver with a readable message', async () => {
    const refused = async (object: object): Promise<string> => {
      try {
        await applyJson(cp, object);
      } catch (error) {
        return String(error);
      }
      throw new Error(`accepted: ${JSON.stringify(object)}`);
    };
    const gateway = (spec: object) => ({
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'LLMGateway',
      metadata: { name: 'bad', namespace: NS },
      spec: { masterKeySecretRef: { name: 'switchyard-master-key', key: 'master-key' }, ...spec },
    });
    expect(await refused(gateway({ replicas: 2, autoscaling: { maxReplicas: 4 } }))).toContain(
      'set replicas or autoscaling, not both',
    );
    expect(await refused(gateway({ autoscaling: { minReplicas: 5, maxReplicas: 4 } }))).toContain(
      'minReplicas must not exceed maxReplicas',
    );
    expect(await refused(gateway({ podDisruptionBudget: { minAvailable: 1, maxUnavailable: 1 } }))).toContain(
      'set at most one of minAvailable and maxUnavailable',
    );
    expect(await refused(gateway({ replicas: -1 }))).toMatch(/spec\.replicas.*greater than or equal to 0/);
    const model = (spec: object) => ({
      apiVersion: 'switchyard.dev/v1alpha1',
      kind: 'ModelDeployment',
      metadata: { name: 'bad', namespace: NS },
      spec: { gatewayRef: { name: 'main' }, modelName: 'x', model: 'x', ...spec },
    });
    expect(await refused(model({ provider: 'azure' }))).toContain('azure and hosted_vllm need apiBase');
    expect(await refused(model({ provider: 'nope' }))).toMatch(/spec\.provider.*Unsupported value: "nope"/);
    expect(
      await refused(model({ provider: 'openai', params: { client_secret: { value: 'inline' } } })),
    ).toContain(
      'a credential param (name ending in key, token, secret, password or credentials) needs a secretKeyRef',
    );
    expect(
      await refused({
        apiVersion: 'switchyard.dev/v1alpha1',
        kind: 'VirtualKey',
        metadata: { name: 'bad', namespace: NS },
        spec: { gatewayRef: { name: 'main' }, secretName: 'a', existingSecretRef: { name: 'b', key: 'c' } },
      }),
    ).toContain('set secretName or existingSecretRef, not both');
  });

  it('reports what only the operator can judge as conditions', async () => {
    await applyJson(
      cp,
      {
        apiVersion: 'switchyard.dev/v1alpha1',
        kind: 'LLMGateway',
        metadata: { name: 'tight', namespace: NS },
        spec: {
          masterKeySecretRef: { name: 'switchyard-master-key', key: 'master-key' },
          replicas: 12,
          database: {
            urlSecretRef: { name: 'switchyard-postgres', key: 'url' },
            maxConnections: 10,
            reservedConnections: 5,
          },
        },
      },
      {
        apiVersion: 'switchyard.dev/v1alpha1',
        kind: 'ModelDeployment',
        metadata: { name: 'no-credentials', namespace: NS },
        spec: {
          gatewayRef: { name: 'main' },
          modelName: 'gpt-4o',
          provider: 'openai',
          model: 'gpt-4o',
          credentialsSecretRef: { name: 'missing-secret', key: 'api-key' },
        },
      },
    );
    const tight = await waitForCondition(
      cp,
      'llmgateway/tight',
      NS,
      'ConfigValid',
      'False',
      'InvalidPoolLimit',
    );
    expect(condition(tight, 'ConfigValid')?.message).toContain('maxConnections 10 - reservedConnections 5');
    expect(condition(tight, 'Degraded')?.status).toBe('True');
    expect(await tryGetJson(cp, 'deployment', 'tight', '-n', NS)).toBeUndefined();
    const model = await waitForCondition(
      cp,
      'modeldeployment/no-credentials',
      NS,
      'ResolvedRefs',
      'False',
      'SecretNotFound',
    );
    expect(condition(model, 'Ready')?.status).toBe('False');
    const main = await getJson<ResourceJson>(cp, 'llmgw', 'main', '-n', NS);
    expect(condition(main, 'ConfigValid')?.message).toContain('1 ModelDeployment left out');
    await cp.kubectl(['delete', 'llmgw/tight', 'mdep/no-credentials', '-n', NS]);
  });

  it('makes no API write over an idle minute, while a watch stays open past 60 s with events flowing', async () => {
    await waitForCondition(cp, 'llmgateway/main', NS, 'Ready', 'True', 'Available', 120_000);
    // Let the last status writes (model counts, the deleted test objects) settle.
    await until('the work queue to drain', async () =>
      (await operator.metric('switchyard_operator_queue_depth')) === 0 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    const objects = 'llmgw,mdep,vkey,configmap,secret,service,serviceaccount,hpa,pdb,job';
    const versions = async () =>
      (await getJson<{ items: ResourceJson[] }>(cp, objects, '-n', NS)).items
        .map((item) => `${item.metadata.name}@${item.metadata.resourceVersion}`)
        .sort();
    const writesBefore = await operator.metric('switchyard_operator_api_writes_total');
    const reconcilesBefore = await operator.metric('switchyard_operator_reconciles_total');
    const connectsBefore = await operator.metric('switchyard_operator_watch_connects', {
      resource: 'secrets',
    });
    // Restarts at start-up are expected (a CRD's storage answers 429 for a moment after it is made).
    const restartsBefore = await operator.metric('switchyard_operator_watch_restarts_total');
    const versionsBefore = await versions();
    const eventsBefore = (await operatorEvents(cp, NS)).length;

    // Unrelated churn the Secret watch delivers: a Secret elsewhere, changed every 5 s for over a minute.
    await cp.kubectl(['create', 'namespace', 'elsewhere']);
    const started = Date.now();
    for (let tick = 0; Date.now() - started < 65_000; tick++) {
      await cp
        .kubectl([
          'create',
          'secret',
          'generic',
          'ticker',
          '-n',
          'elsewhere',
          `--from-literal=tick=${tick}`,
          '--dry-run=client',
          '-o',
          'json',
        ])
        .then((json) => cp.kubectl(['apply', '-f', '-'], json));
      await new Promise((resolve) => setTimeout(resolve, 5_000));
    }

    expect(await operator.metric('switchyard_operator_api_writes_total')).toBe(writesBefore);
    expect(await versions()).toEqual(versionsBefore);
    expect((await operatorEvents(cp, NS)).length).toBe(eventsBefore);
    // The same watch connection the whole time (client-node 2.0.0 aborted it after 30 s, #3020).
    expect(await operator.metric('switchyard_operator_watch_connects', { resource: 'secrets' })).toBe(
      connectsBefore,
    );
    expect(await operator.metric('switchyard_operator_watch_restarts_total')).toBe(restartsBefore);
    console.info(
      `idle minute: ${(await operator.metric('switchyard_operator_reconciles_total')) - reconcilesBefore} reconciles, 0 writes`,
    );

    // And that watch still delivers: a credential change now, past the minute, is reconciled.
    await applyJson(cp, {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'anthropic-credentials', namespace: NS },
      stringData: { 'api-key': 'sk-ant-e2e-credential-2' },
    });
    await until(
      'the credentials Secret to follow, over the long-lived watch',
      async () => {
        const secret = await getJson<ResourceJson>(cp, 'secret', 'main-credentials', '-n', NS);
        return decode(secret.data?.['claude-sonnet-anthropic.api_key']) === 'sk-ant-e2e-credential-2'
          ? true
          : undefined;
      },
      30_000,
    );
    expect(await operator.metric('switchyard_operator_watch_connects', { resource: 'secrets' })).toBe(
      connectsBefore,
    );
  }, 180_000);

  it('prunes the HPA and PDB when the spec drops them, and sets replicas itself', async () => {
    await cp.kubectl([
      'patch',
      'llmgw',
      'main',
      '-n',
      NS,
      '--type=json',
      '-p',
      JSON.stringify([
        { op: 'remove', path: '/spec/autoscaling' },
        { op: 'add', path: '/spec/replicas', value: 2 },
        { op: 'replace', path: '/spec/podDisruptionBudget', value: { enabled: false } },
      ]),
    ]);
    await until('the HPA and PDB to be deleted', async () =>
      (await tryGetJson(cp, 'hpa', 'main', '-n', NS)) === undefined &&
      (await tryGetJson(cp, 'pdb', 'main', '-n', NS)) === undefined
        ? true
        : undefined,
    );
    const live = await until('replicas 2 and the new pool limit', async () => {
      const d = await deployment();
      const env = d?.spec.template.spec.containers[0]?.env.find(
        (e) => e.name === 'DATABASE_CONNECTION_POOL_LIMIT',
      );
      return d?.spec.replicas === 2 && env?.value === '60' ? d : undefined;
    });
    expect(live.spec.replicas).toBe(2);
    await waitForEvents(cp, NS, 'HPA and PDB pruned', (events) => {
      const notes = events.filter((e) => e.reason === 'Pruned').map((e) => e.note);
      return ['HorizontalPodAutoscaler main', 'PodDisruptionBudget main'].every((child) =>
        notes.some((note) => note.includes(child)),
      );
    });
    await waitForCondition(cp, 'llmgateway/main', NS, 'Ready', 'True', 'Available', 120_000);
  });

  it('revokes deleted keys and garbage-collects every child with its gateway', async () => {
    const chatbotHash = sha256(await consumerKey('chatbot-llm'));
    await cp.kubectl(['delete', 'vkey', 'chatbot', '-n', NS]);
    await until('the chatbot key to leave the keys file', async () =>
      (await keysFile()).keys.some((k) => k.hash === chatbotHash) ? undefined : true,
    );
    await until('its consumer Secret to be garbage-collected', async () =>
      (await tryGetJson(cp, 'secret', 'chatbot-llm', '-n', NS)) === undefined ? true : undefined,
    );
    await cp.kubectl(['delete', 'mdep', 'llama-3-8b-vllm', '-n', NS]);
    await until('the model to leave the config', async () =>
      (await configYaml()).text.includes('llama-3-8b') ? undefined : true,
    );

    await cp.kubectl(['delete', 'llmgw', 'main', '-n', NS]);
    const children = [
      'deployment/main',
      'service/main',
      'serviceaccount/main',
      'configmap/main-config',
      'secret/main-credentials',
      'secret/main-keys',
    ];
    await until(
      'every child to be garbage-collected',
      async () => {
        const left = await cp.kubectl(['get', ...children, '-n', NS, '--ignore-not-found', '-o', 'name']);
        const jobs = await jobsFor(IMAGE_2);
        return left.trim() === '' && jobs.length === 0 ? true : undefined;
      },
      120_000,
    );
    // Keys whose gateway is gone say so.
    await waitForCondition(cp, 'virtualkey/search-team', NS, 'ResolvedRefs', 'False', 'GatewayNotFound');
    await waitForCondition(
      cp,
      'modeldeployment/gpt-4o-openai',
      NS,
      'ResolvedRefs',
      'False',
      'GatewayNotFound',
    );
    // Debug-level logs of the whole run hold no Secret value and no key.
    const log = operator.log();
    for (const value of [...Object.values(exampleSecretValues), ...issuedKeys])
      expect(log).not.toContain(value);
  });
});

/**
 * The production example as a user applies it. In kind its pods really run, so their requests are cut to what
 * a laptop-sized node holds (the example asks 1 CPU and 1 GiB for each of up to 4 pods at once, 3 replicas and
 * a surge); nothing the tests check depends on them.
 */
async function applyProductionExample(cluster: TestCluster): Promise<void> {
  if (!cluster.runsContainers) {
    await cluster.kubectl(['apply', '-f', productionExample]);
    return;
  }
  const objects = productionExampleObjects().map((object) => {
    const gateway = object as { kind?: string; spec?: { resources?: Record<string, unknown> } };
    if (gateway.kind !== 'LLMGateway') return object;
    const resources = { ...gateway.spec?.resources, requests: { cpu: '100m', memory: '256Mi' } };
    return { ...gateway, spec: { ...gateway.spec, resources } };
  });
  await applyJson(cluster, ...objects);
}
